"""Settings of the workflow service beyond the platform's (shared.config)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from shared.config import PlatformSettings, env_str

SERVICE = "workflow"
# bpmn/ at the repository root: the shipped default diagrams, deployed on start when their content
# is new (services/workflow/models.py).
BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def settings_from_env(env: Mapping[str, str] | None = None) -> PlatformSettings:
    return PlatformSettings.from_env(SERVICE, env)


def bpmn_dir(env: Mapping[str, str] | None = None) -> Path:
    """`BPMN_DIR`: where the shipped default diagrams deployed at start are read from."""
    environ = os.environ if env is None else env
    return Path(env_str(environ, "BPMN_DIR", str(BPMN_DIR)))
