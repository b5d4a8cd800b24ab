"""No service imports another's code: they talk through the bus and their public HTTP APIs, and
the web application is one more client of those APIs (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"
NAMES = sorted(p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists())


def imported_services(module: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        for name in names:
            parts = name.split(".")
            if len(parts) > 1 and parts[0] == "services" and parts[1] in NAMES:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("service", NAMES)
def test_a_service_imports_no_other_services_code(service: str) -> None:
    crossing = {
        str(module.relative_to(SERVICES)): sorted(imported_services(module) - {service})
        for module in (SERVICES / service).rglob("*.py")
    }
    assert {path: names for path, names in crossing.items() if names} == {}
