"""What the unit directory adds to a caller's scope (shared/scoping.py, shared/auth.py `reaches`):
the units under theirs, transitively, and the sectors their unit manages (Đ7.2a, Đ8.2a, Đ8.2c)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.auth import Principal, require_unit_access, sector_scope, unit_scope
from shared.errors import Forbidden
from shared.scoping import ancestors, descendants, sector_codes

PARENTS = {"SO_TC": None, "CC_TC": "SO_TC", "PHONG_CC": "CC_TC", "SO_XD": None, "XA_A": None}


def staff(unit: str, role: str = "unit_head", **relations: frozenset[str]) -> Principal:
    principal = Principal(sub=f"{role}@{unit}", name=role, unit=unit, roles=frozenset({role}))
    return replace(principal, **relations)


def test_a_head_reaches_every_unit_under_theirs_and_none_above_or_beside_D7_2a():
    assert descendants("SO_TC", PARENTS) == {"CC_TC", "PHONG_CC"}
    assert descendants("CC_TC", PARENTS) == {"PHONG_CC"}
    assert descendants("SO_XD", PARENTS) == frozenset()
    assert ancestors("PHONG_CC", PARENTS) == ["CC_TC", "SO_TC"]


def test_a_cycle_in_the_directory_stops_the_walk_D8_2c():
    looped = {"A": "B", "B": "A", "C": "B"}
    assert descendants("A", looped) == {"B", "C"}
    assert ancestors("A", looped) == ["B"]


def test_sectors_read_from_a_column_that_may_be_null_D8_2a():
    assert sector_codes(None) == frozenset()
    assert sector_codes(["y_te", "y_te"]) == {"y_te"}
    assert sector_codes("y_te") == frozenset()  # a string is not a list of codes


def test_a_head_reads_but_never_writes_the_tasks_of_the_units_under_theirs_D7_2a():
    head = staff("SO_TC", subordinates=frozenset({"CC_TC", "PHONG_CC"}))
    require_unit_access(head, "PHONG_CC")
    require_unit_access(head, "SO_XD", ["CC_TC"])  # a sub-unit coordinates it
    with pytest.raises(Forbidden):
        require_unit_access(head, "PHONG_CC", write=True)
    with pytest.raises(Forbidden):
        require_unit_access(head, "SO_XD")
    assert unit_scope(head) == {"SO_TC", "CC_TC", "PHONG_CC"}


def test_a_department_reads_the_tasks_of_its_sectors_only_D8_2a():
    department = staff("SO_NNMT", sectors=frozenset({"nong_nghiep"}))
    require_unit_access(department, "XA_A", sector="nong_nghiep")
    with pytest.raises(Forbidden):
        require_unit_access(department, "XA_A", sector="y_te")
    with pytest.raises(Forbidden):
        require_unit_access(department, "XA_A", sector="nong_nghiep", write=True)
    assert sector_scope(department) == {"nong_nghiep"}
    # Sectors belong to a unit's staff: a token without a unit role reaches none.
    inspector = replace(department, roles=frozenset({"inspector"}))
    assert sector_scope(inspector) == frozenset()
    with pytest.raises(Forbidden):
        require_unit_access(inspector, "XA_A", sector="nong_nghiep")


def test_a_unit_a_task_was_handed_on_to_reads_it_D8_2c():
    office = staff("PHONG_CC", role="unit_officer")
    require_unit_access(office, "SO_TC", handed_units=["PHONG_CC"])
    with pytest.raises(Forbidden):
        require_unit_access(office, "SO_TC")
    with pytest.raises(Forbidden):
        require_unit_access(office, "SO_TC", handed_units=["PHONG_CC"], write=True)
