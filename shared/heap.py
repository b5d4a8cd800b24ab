"""Settle a long-running process's heap once it is built: every service's web workers (gunicorn's
`post_worker_init`, deploy/gunicorn.conf.py) and every `nhiemvu worker`.

A request or an event allocates thousands of container objects (a SpiffWorkflow instance is a
cyclic graph: each task points at its parent and children; a SQLAlchemy row, a marshmallow load,
a parsed JSON body), so with Python's default thresholds (700, 10, 10) the cyclic collector's
young passes ran every few requests, and its full passes rescanned everything the process built
at startup (the modules, the parsed diagrams, the tables' metadata): in a workflow web worker under
back-to-back actions, ~0.3 ms of CPU per action and a full pass of 150–500 ms that stalled every
request in flight (docs/architecture.md, Benchmarks, "Settled heaps"). What exists once the
process is built is frozen out of every pass; larger thresholds make the passes rarer. Garbage
cycles wait at most 10,000 allocations longer."""

from __future__ import annotations

import gc

# The collector's thresholds once settled (Python's are 700, 10, 10).
THRESHOLDS = (10_000, 20, 20)


def settle() -> None:
    """Collect what startup left, freeze the survivors out of later passes, raise the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
