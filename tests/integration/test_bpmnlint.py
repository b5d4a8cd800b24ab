"""Every diagram in bpmn/ passes bpmnlint's `recommended` rules with no error and no warning, so
that a process owner who opens it in a modeler sees no lint marker.

tools/bpmnlint pins bpmnlint (installed with `npm ci` on first use, then kept in
tools/bpmnlint/node_modules); its .bpmnlintrc says which rules apply. Skipped when node or npm is
missing, unless REQUIRE_SERVICES=1."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require_services

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "bpmnlint"
DIAGRAMS = sorted((ROOT / "bpmn").glob("*.bpmn"))


def _probe_node() -> None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not on PATH (install Debian's nodejs and npm)")


def _install_tool() -> None:
    wanted = json.loads((TOOL / "package.json").read_text())["dependencies"]["bpmnlint"]
    installed = TOOL / "node_modules" / "bpmnlint" / "package.json"
    if installed.exists() and json.loads(installed.read_text()).get("version") == wanted:
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=TOOL,
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_every_diagram_passes_bpmnlint_recommended_without_a_warning() -> None:
    require_services("bpmnlint (node and npm)", _probe_node)
    _install_tool()
    assert DIAGRAMS
    result = subprocess.run(
        [
            "node",
            str(TOOL / "node_modules" / "bpmnlint" / "bin" / "bpmnlint.js"),
            "--config",
            str(TOOL / ".bpmnlintrc"),
            *map(str, DIAGRAMS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not report, report
