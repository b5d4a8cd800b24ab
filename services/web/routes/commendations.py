"""The Office's commendation and discipline proposals (Đ21): their list (the Office, the leaders
and Sở Nội vụ), the Office's "open one for a period" on reporting's candidates (docs/counting.md,
"Khen thưởng và kỷ luật (Đ21)"), and what a proposal's page offers: the Office removes or adds a
candidate with a reason and sends the lists to Sở Nội vụ, Sở Nội vụ gives its opinion, the
Office records the result for each candidate.

A proposal is a workflow case (`/api/workflow/commendations`); its page is the cases' page
(`/cases/commendation/<id>`, routes/diagrams.py), which shows the lists and these forms."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from services.web import context
from services.web.api_client import ApiError

bp = Blueprint("commendations", __name__)
API = "/commendations"
KIND = "commendation"
HOME_AFFAIRS = "SO_NV"  # Sở Nội vụ, whose opinion the Office seeks (Đ21.4)


def _concerned() -> Any:
    who = context.person()
    if who is None or not (who.is_office or who.is_leader or who.unit == HOME_AFFAIRS):
        abort(403, description="Trang này dành cho Văn phòng, lãnh đạo UBND tỉnh và Sở Nội vụ.")
    return who


def _page(case_id: str) -> str:
    return url_for("diagrams.case_detail", kind=KIND, case_id=case_id)


def _refused(exc: ApiError) -> None:
    if exc.status not in (403, 409, 422):
        raise exc
    problems = [text for texts in exc.field_errors().values() for text in texts]
    flash(" ".join([exc.message, *problems]), "error")


@bp.get("/commendations")
@context.signed_in
def proposal_list() -> Any:
    _concerned()
    found = context.api().get("workflow", API, limit=50)
    return render_template("commendation_list.html", proposals=found["items"])


@bp.post("/commendations")
@context.signed_in
def open_proposal() -> Any:
    """The Office opens the period's proposals on the candidates of reporting's rule."""
    period = request.form.get("period", "").strip()
    api = context.api()
    try:
        found = api.get("reporting", "/commendation-candidates", period=period)
        opened = api.post("workflow", API, {"period": period, "candidates": found["items"]})
    except ApiError as exc:
        _refused(exc)
        return redirect(url_for("commendations.proposal_list"), code=303)
    return redirect(_page(opened["items"][0]["id"]), code=303)


def _act(case_id: str, action: str, body: dict[str, Any], done: str) -> Any:
    try:
        context.api().post("workflow", f"{API}/{case_id}/actions/{action}", body)
    except ApiError as exc:
        _refused(exc)
        return redirect(_page(case_id), code=303)
    flash(done, "success")
    return redirect(_page(case_id), code=303)


def _case(case_id: str) -> dict[str, Any]:
    found: dict[str, Any] = context.api().get("workflow", f"{API}/{case_id}")
    return found


def _editable(candidate: dict[str, Any]) -> dict[str, Any]:
    """A candidate as the case's schema takes it back."""
    keys = ("key", "subject", "unit", "name", "sub", "proposal", "origin", "reason", "figures")
    return {key: candidate[key] for key in keys if candidate.get(key) is not None}


@bp.post("/cases/commendation/<case_id>/remove")
@context.signed_in
def remove(case_id: str) -> Any:
    """Đ21: a candidate taken off the lists, with the Office's reason."""
    data = _case(case_id)["data"]
    key = request.form.get("key", "")
    reason = request.form.get(f"reason-{request.form.get('row', '')}", "").strip()
    if not reason:
        flash("Hãy nêu lý do bỏ đối tượng khỏi danh sách.", "error")
        return redirect(_page(case_id), code=303)
    gone = [c for c in data["candidates"] if c["key"] == key]
    if not gone:
        abort(404)
    body = {
        "candidates": [_editable(c) for c in data["candidates"] if c["key"] != key],
        "removed": [
            *[r for r in data.get("removed") or [] if r["key"] != key],
            *(
                [{"key": key, "name": gone[0]["name"], "reason": reason}]
                if key in {c["key"] for c in data.get("prefilled") or []}
                else []
            ),
        ],
    }
    return _act(case_id, "save", body, "Đã bỏ đối tượng khỏi danh sách.")


@bp.post("/cases/commendation/<case_id>/add")
@context.signed_in
def add(case_id: str) -> Any:
    """Đ21: a unit or an officer the Office adds, with its reason."""
    data = _case(case_id)["data"]
    form = {name: request.form.get(name, "").strip() for name in request.form}
    subject, unit = form.get("subject", ""), form.get("unit", "")
    sub = form.get("sub") or None
    names = context.directory().names(context.api())
    name = form.get("name") or (names.get(unit, unit) if subject == "unit" else "")
    candidate = {
        "key": f"officer:{unit}:{sub}" if subject == "officer" else f"unit:{unit}",
        "subject": subject,
        "unit": unit,
        "name": name,
        "sub": sub if subject == "officer" else None,
        "proposal": form.get("proposal", ""),
        "reason": form.get("reason") or None,
    }
    body = {
        "candidates": [*[_editable(c) for c in data["candidates"]], candidate],
        "removed": [r for r in data.get("removed") or [] if r["key"] != candidate["key"]],
    }
    return _act(case_id, "save", body, "Đã thêm đối tượng vào danh sách.")


@bp.post("/cases/commendation/<case_id>/send")
@context.signed_in
def send(case_id: str) -> Any:
    note = request.form.get("note", "").strip() or None
    return _act(case_id, "send", {"note": note}, "Đã gửi Sở Nội vụ xin ý kiến.")


@bp.post("/cases/commendation/<case_id>/answer")
@context.signed_in
def answer(case_id: str) -> Any:
    opinion = request.form.get("opinion", "").strip()
    if not opinion:
        flash("Hãy nhập ý kiến của Sở Nội vụ.", "error")
        return redirect(_page(case_id), code=303)
    return _act(case_id, "answer", {"opinion": opinion}, "Đã gửi ý kiến.")


@bp.post("/cases/commendation/<case_id>/decide")
@context.signed_in
def decide(case_id: str) -> Any:
    data = _case(case_id)["data"]
    results = [
        {
            "key": c["key"],
            "result": request.form.get(f"result-{index}", ""),
            "note": request.form.get(f"note-{index}", "").strip() or None,
        }
        for index, c in enumerate(data["candidates"])
    ]
    body = {
        "results": results,
        "decision_number": request.form.get("decision_number", "").strip() or None,
    }
    return _act(case_id, "decide", body, "Đã ghi nhận kết quả khen thưởng, kỷ luật.")
