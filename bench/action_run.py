"""The action step of bench/run.py alone, to measure it faster than `make bench`: a cluster on
fresh databases, a burst of released tasks (fewer by default: enough for the action clients),
then the back-to-back and paced action runs (bench/workflow.py), ending with the JSON line of
`action_event` and `action_event_paced` (the keys of `make bench`'s line).

    python -m bench.action_run [--documents 30] [--paced-think-ms 0]
"""

from __future__ import annotations

import json
import sys

from bench.infrastructure import _infrastructure
from bench.release_burst import _distributed_run
from bench.run import _arguments


def main(argv: list[str] | None = None) -> int:
    parser = _arguments()
    parser.set_defaults(documents=30)
    args = parser.parse_args(argv)
    with _infrastructure() as env:
        figures = _distributed_run(env, args)
    keys = ("action_event", "action_event_paced")
    print(json.dumps({k: figures[k] for k in keys}, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
