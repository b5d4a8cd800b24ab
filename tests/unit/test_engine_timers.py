"""Engine timers: read the injected clock, report their due time, fire when asked, announce.

A one-user-task diagram with one non-interrupting boundary timer whose branch announces
`task.due_soon`; each test chooses the timer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.workflow.deadlines import deadline_functions
from services.workflow.engine import DiagramError, Engine, ProcessError
from shared.calendar import TZ, WorkingCalendar
from shared.clock import FixedClock, PinnableClock

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
NOTICES = ("task.due_soon", "task.overdue")


def _diagram(timer: str, kind: str = "timeDate", notice: str = '"task.due_soon"') -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="work">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="actions" value="finish"/>
        <spiffworkflow:property name="role" value="unit"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="remind" cancelActivity="false" attachedToRef="work">
      <bpmn:timerEventDefinition id="remind_timer">
        <bpmn:{kind}>{timer}</bpmn:{kind}>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="announce"><bpmn:script>notice = {notice}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e_announced"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/>
    <bpmn:sequenceFlow id="f3" sourceRef="remind" targetRef="announce"/>
    <bpmn:sequenceFlow id="f4" sourceRef="announce" targetRef="e_announced"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture()
def engine(clock: FixedClock) -> Engine:
    # The functions read the engine's clock, as in the service (app.py).
    pinnable = PinnableClock(clock)
    functions = deadline_functions(WorkingCalendar.default(), pinnable)
    return Engine(functions, clock=pinnable, notices=NOTICES)


def test_a_waiting_date_timer_reports_its_due_time_in_utc(engine):
    model = engine.parse(_diagram('"2026-12-10T08:00:00+07:00"'), "p", 1)
    step = engine.start(model, {})

    assert step.next_due == datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    assert engine.load(model, step.state).next_due == step.next_due


def test_a_timer_fires_only_once_the_injected_clock_reaches_it(engine, clock):
    model = engine.parse(_diagram("due_soon_at(due_on, 3)"), "p", 1)
    step = engine.start(model, {"due_on": "2026-12-15"})
    due = step.next_due
    assert due == datetime(2026, 12, 10, 8, 0, tzinfo=TZ)

    clock.advance(due - clock.now() - timedelta(seconds=1))
    early = engine.fire_due(step)
    assert early.notices == ()
    assert early.next_due == due
    assert engine.load(model, early.state).next_due == due

    clock.advance(timedelta(seconds=1))  # due exactly now: fires
    fired = engine.fire_due(early)
    assert fired.notices == ("task.due_soon",)
    assert fired.next_due is None
    assert engine.fire_due(fired).notices == ()
    # The stored state reloads with the timer spent: firing it again announces nothing.
    assert engine.fire_due(engine.load(model, fired.state)).notices == ()


def test_an_engine_held_at_a_time_fires_only_what_was_due_by_then_D16_4(engine, clock):
    model = engine.parse(_diagram("due_soon_at(due_on, 3)"), "p", 1)
    step = engine.start(model, {"due_on": "2026-12-15"})
    due = step.next_due
    clock.advance(timedelta(days=30))  # the real clock is far past the due date

    with engine.at(due - timedelta(seconds=1)):
        early = engine.fire_due(step)
    assert early.notices == ()
    with engine.at(due) as held:
        assert engine.clock.now() == held == due
        fired = engine.fire_due(early)
    assert fired.notices == ("task.due_soon",)
    assert engine.clock.now() == clock.now()  # let go after the block


def test_a_reminder_armed_after_the_due_date_stays_off_D16_4(engine, clock):
    model = engine.parse(_diagram("due_soon_at(due_on, 3)"), "p", 1)
    clock.advance(datetime(2026, 12, 16, tzinfo=TZ) - clock.now())

    step = engine.start(model, {"due_on": "2026-12-15"})

    assert step.notices == ()
    assert step.next_due is None


def test_a_timer_already_due_at_start_fires_during_the_start(engine):
    model = engine.parse(_diagram('"2026-11-30T08:00:00+07:00"'), "p", 1)
    step = engine.start(model, {})

    assert step.notices == ("task.due_soon",)
    assert step.next_due is None


def test_finishing_the_task_cancels_its_timer(engine, clock):
    model = engine.parse(_diagram('"P3D"', kind="timeDuration"), "p", 1)
    step = engine.perform(engine.start(model, {}), "finish", {})
    clock.advance(timedelta(days=30))

    assert step.completed
    assert step.next_due is None
    assert engine.fire_due(step).notices == ()


def test_a_duration_counts_from_the_injected_clock_when_the_timer_is_armed(engine):
    model = engine.parse(_diagram('"P3D"', kind="timeDuration"), "p", 1)

    assert engine.start(model, {}).next_due == NOW + timedelta(days=3)


def test_a_date_without_an_offset_is_vietnam_time(engine):
    model = engine.parse(_diagram('"2026-12-10T08:00:00"'), "p", 1)

    assert engine.start(model, {}).next_due == datetime(2026, 12, 10, 1, tzinfo=UTC)


def test_a_timer_whose_expression_gives_none_is_off(engine, clock):
    model = engine.parse(_diagram("due_soon_at(due_on, 3)"), "p", 1)
    step = engine.start(model, {"due_on": None})
    clock.advance(timedelta(days=3650))

    assert step.next_due is None
    assert engine.fire_due(step).notices == ()


def test_a_cycle_behind_by_many_periods_fires_once_and_moves_past_now_D16_4(engine, clock):
    model = engine.parse(_diagram("urge_every(due_on, 5)", kind="timeCycle"), "p", 1)
    step = engine.start(model, {"due_on": "2026-12-15"})
    first = datetime(2026, 12, 21, tzinfo=TZ)
    assert step.next_due == first

    clock.advance(first + timedelta(days=12) - clock.now())
    fired = engine.fire_due(step)
    assert fired.notices == ("task.due_soon",)
    assert fired.next_due == first + timedelta(days=15)
    assert engine.load(model, fired.state).next_due == first + timedelta(days=15)
    clock.advance(timedelta(days=3))
    again = engine.fire_due(fired)
    assert again.notices == ("task.due_soon",)


def test_a_timer_expression_giving_no_string_stops_the_step(engine):
    model = engine.parse(_diagram("len(due_on)"), "p", 1)

    with pytest.raises(ProcessError, match="ISO 8601"):
        engine.start(model, {"due_on": "2026-12-15"})


@pytest.mark.parametrize(
    ("timer", "kind", "why"),
    [
        ("P3D", "timeDuration", "ngoặc kép"),
        ('"P3X"', "timeDuration", "P3X"),
        ('"tomorrow"', "timeDate", "tomorrow"),
        ('"R/P0D"', "timeCycle", "0"),
        ('"2026-12-10" + "T08:00"', "timeDate", "ngoặc kép"),
        ("next_monday(due_on)", "timeDate", "next_monday"),
    ],
)
def test_a_timer_that_could_not_be_read_is_refused_at_deploy_naming_it(engine, timer, kind, why):
    # The boundary event that holds the timer is named, not the timer definition's own id.
    with pytest.raises(DiagramError, match=r"\(boundaryEvent, id: remind\)") as refused:
        engine.parse(_diagram(timer, kind=kind), "p", 1)

    assert why in str(refused.value)


@pytest.mark.parametrize("notice", ['"task.exploded"', "name_of_event", '"task." + "overdue"'])
def test_a_notice_must_name_a_known_event_in_quotes(engine, notice):
    with pytest.raises(DiagramError, match="announce"):
        engine.parse(_diagram('"P3D"', kind="timeDuration", notice=notice), "p", 1)


def _ids(elements):
    return [e.element_id for e in elements]


def test_positions_tell_the_waiting_step_the_armed_reminder_and_the_steps_taken(engine, clock):
    model = engine.parse(_diagram('"2026-12-10T08:00:00+07:00"'), "p", 1)
    step = engine.start(model, {})

    waiting = engine.positions(step)
    assert (_ids(waiting.current), _ids(waiting.armed), _ids(waiting.passed)) == (
        ["work"],
        ["remind"],
        ["s"],
    )
    assert engine.positions(engine.load(model, step.state)) == waiting

    clock.advance(step.next_due - clock.now())
    reminded = engine.positions(engine.fire_due(step))
    assert _ids(reminded.current) == ["work"] and reminded.armed == ()
    assert _ids(reminded.passed) == ["s", "remind", "announce", "e_announced"]

    done = engine.positions(engine.perform(engine.fire_due(step), "finish", {}))
    assert done.current == () and _ids(done.passed)[-1] == "e"


EVENT_SUBPROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="work" name="Work">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="actions" value="finish"/>
        <spiffworkflow:property name="role" value="unit"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/>
    <bpmn:subProcess id="reminders" name="Reminders" triggeredByEvent="true">
      <bpmn:startEvent id="due_soon" name="Due soon" isInterrupting="false">
        <bpmn:timerEventDefinition id="t1">
          <bpmn:timeDate>"2026-12-10T08:00:00+07:00"</bpmn:timeDate>
        </bpmn:timerEventDefinition>
      </bpmn:startEvent>
      <bpmn:scriptTask id="announce" name="Announce">
        <bpmn:script>notice = "task.due_soon"</bpmn:script>
      </bpmn:scriptTask>
      <bpmn:endEvent id="reminded"/>
      <bpmn:sequenceFlow id="g1" sourceRef="due_soon" targetRef="announce"/>
      <bpmn:sequenceFlow id="g2" sourceRef="announce" targetRef="reminded"/>
    </bpmn:subProcess>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_event_sub_process_is_armed_by_its_start_not_a_step_waited_at(engine, clock):
    model = engine.parse(EVENT_SUBPROCESS, "p", 1)
    step = engine.start(model, {})

    waiting = engine.positions(step)
    assert (_ids(waiting.current), _ids(waiting.armed)) == (["work"], ["due_soon"])

    clock.advance(step.next_due - clock.now())
    reminded = engine.positions(engine.fire_due(step))
    assert _ids(reminded.current) == ["work"]
    assert {"due_soon", "announce", "reminders"} <= set(_ids(reminded.passed))
