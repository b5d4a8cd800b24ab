"""Two versions of a diagram compared element by element for the process owners' page: added,
removed and changed elements by id, with what changed; the drawing (DI) is not a change."""

from __future__ import annotations

from pathlib import Path

from services.web.diagram_diff import compare, elements
from services.workflow.config import BPMN_DIR

LIFECYCLE = (Path(BPMN_DIR) / "task_lifecycle.bpmn").read_text(encoding="utf-8")


def test_the_same_diagram_has_no_difference_and_lists_its_elements() -> None:
    assert compare(LIFECYCLE, LIFECYCLE).empty
    found = elements(LIFECYCLE)
    assert found["work"].kind == "userTask" and found["work"].name == "Đơn vị thực hiện nhiệm vụ"
    assert not any(kind.startswith("BPMN") for kind in {e.kind for e in found.values()})


def test_a_timer_expression_and_a_name_are_changes_of_their_element() -> None:
    changed = LIFECYCLE.replace("due_soon_at(due_on, 3)", "due_soon_at(due_on, 5)", 1).replace(
        'name="Đơn vị thực hiện nhiệm vụ"', 'name="Đơn vị thực hiện"', 1
    )
    diff = compare(LIFECYCLE, changed)
    assert (diff.added, diff.removed) == ([], [])
    by_id = {after.element_id: lines for _before, after, lines in diff.changed}
    assert "work" in by_id and len(by_id) == 2  # the task renamed, the first such timer
    timer = next(lines for eid, lines in by_id.items() if eid != "work")
    assert timer == ["− timeDate: due_soon_at(due_on, 3)", "+ timeDate: due_soon_at(due_on, 5)"]


def test_moving_a_shape_is_no_change_and_a_new_element_is_added() -> None:
    moved = LIFECYCLE.replace('<dc:Bounds x="', '<dc:Bounds x="1', 3)
    assert moved != LIFECYCLE and compare(LIFECYCLE, moved).empty
    added = LIFECYCLE.replace(
        '<bpmn:userTask id="work"',
        '<bpmn:manualTask id="call_unit" name="Gọi điện" /><bpmn:userTask id="work"',
        1,
    )
    diff = compare(LIFECYCLE, added)
    assert [e.element_id for e in diff.added] == ["call_unit"] and not diff.changed
    assert [e.element_id for e in compare(added, LIFECYCLE).removed] == ["call_unit"]
