"""Contracts and plumbing shared by the services (docs/architecture.md, Inside a service)."""

from shared import ast_guard

ast_guard.install()
