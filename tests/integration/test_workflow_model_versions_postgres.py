"""Deployed versions are kept, on PostgreSQL: the scenarios of test_workflow_model_versions.py
(restarts, bpmn/ changes, the operators' commands, the process owners' activation, migration
0009 on an existing database) against a database of their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_workflow_model_versions import (
    a_changed_file_is_deployed_but_does_not_take_over_a_chosen_version,
    a_changed_file_still_takes_over_a_version_the_start_up_chose,
    a_process_owner_activates_a_version_through_the_api,
    an_api_deploy_survives_a_restart,
    an_existing_database_keeps_using_its_newest_version,
    settings,
    the_commands_list_and_deploy_versions,
    the_operators_activation_switches_new_instances,
)

pytestmark = pytest.mark.services


@pytest.fixture()
def env(tmp_path: Path, bus_namespace: str, pg_database_url: str) -> dict[str, str]:
    return settings(tmp_path, bus_namespace, pg_database_url)


def test_a_version_deployed_through_the_api_is_still_active_after_restarts_on_postgres(
    env: dict[str, str],
) -> None:
    an_api_deploy_survives_a_restart(env)


def test_a_changed_file_in_bpmn_does_not_take_over_a_chosen_version_on_postgres(
    env: dict[str, str],
) -> None:
    a_changed_file_is_deployed_but_does_not_take_over_a_chosen_version(env)


def test_a_changed_file_in_bpmn_still_becomes_active_where_the_start_up_chose_on_postgres(
    env: dict[str, str],
) -> None:
    a_changed_file_still_takes_over_a_version_the_start_up_chose(env)


def test_nhiemvu_models_activate_switches_new_instances_on_postgres(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    the_operators_activation_switches_new_instances(env, monkeypatch)


def test_nhiemvu_models_list_and_deploy_on_postgres(env: dict[str, str], tmp_path: Path) -> None:
    the_commands_list_and_deploy_versions(env, tmp_path)


def test_a_process_owner_activates_a_version_through_the_api_on_postgres(
    env: dict[str, str],
) -> None:
    a_process_owner_activates_a_version_through_the_api(env)


def test_migration_0009_makes_the_newest_version_active_on_postgres(env: dict[str, str]) -> None:
    an_existing_database_keeps_using_its_newest_version(env)
