"""The periodic reports (Đ18): the list, generating one for a period, one report with its Đ21
ranking (and the rule that orders it), its Đ17.4 list and the Office's figures, its XLSX, and
publishing it (Đ16.2); and the Đ17.4 list of any period as it stands now.

Leaders and the Office read reports; only the Office generates and publishes them (the API
decides; the pages only leave out the buttons a person could not use)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from services.web import context, periods
from services.web.api_client import ApiError

bp = Blueprint("reports", __name__)
PAGE_SIZE = 20
EXPLANATIONS_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reader() -> None:
    who = context.person()
    assert who is not None
    if not (who.is_office or who.is_leader):
        abort(403, description="Báo cáo định kỳ dành cho lãnh đạo và Văn phòng UBND tỉnh.")


@bp.get("/reports")
@context.signed_in
def report_list() -> Any:
    _reader()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    answer = context.api().get(
        "reporting", "/reports", limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    today = context.today()
    return render_template(
        "report_list.html",
        reports=answer["items"],
        total=answer["total"],
        page=page,
        pages=max((answer["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        period=periods.Period(_last_quarter(today.year, today.month)),
        options=periods.options(today),
        errors={},
    )


def _last_quarter(year: int, month: int) -> str:
    """The quarter a report is most often made for: the one that ended last."""
    quarter = (month - 1) // 3
    return f"{year - 1}-Q4" if quarter == 0 else f"{year}-Q{quarter}"


@bp.post("/reports")
@context.office_only
def generate() -> Any:
    today = context.today()
    chosen = periods.read(request.form, today)
    if chosen.error:
        flash(chosen.error, "error")
        return redirect(url_for("reports.report_list"))
    body = {"period": chosen.api_args() if chosen.custom else chosen.period}
    try:
        made = context.api().post("reporting", "/reports", body)
    except ApiError as exc:
        if exc.status != 422:
            raise
        messages = [m for found in exc.field_errors().values() for m in found]
        flash("Không lập được báo cáo: " + (" ".join(messages) or exc.message), "error")
        return redirect(url_for("reports.report_list"))
    flash(f"Đã lập báo cáo {chosen.label}.", "success")
    return redirect(url_for("reports.report_detail", report_id=made["id"]))


@bp.get("/reports/<report_id>")
@context.signed_in
def report_detail(report_id: str) -> Any:
    _reader()
    report = context.api().get("reporting", f"/reports/{report_id}")
    return render_template("report_detail.html", report=report)


@bp.get("/reports/<report_id>.xlsx")
@context.signed_in
def report_xlsx(report_id: str) -> Any:
    _reader()
    content, disposition = context.api().get_file("reporting", f"/reports/{report_id}.xlsx")
    response = Response(content, mimetype=XLSX)
    if disposition:
        response.headers["Content-Disposition"] = disposition
    return response


@bp.post("/reports/<report_id>/publish")
@context.office_only
def publish(report_id: str) -> Any:
    """Đ16.2: the Office's leader publishes (the API refuses its staff)."""
    report = context.api().post("reporting", f"/reports/{report_id}/publish")
    flash(
        "Đã công bố kết quả báo cáo trên trang công khai (Điều 16 khoản 2).",
        "success",
    )
    return redirect(url_for("reports.report_detail", report_id=report["id"]))


@bp.get("/explanations")
@context.signed_in
def explanations() -> Any:
    """The Đ17.4 list of a period as it stands now: a unit's people see their unit's (the API
    decides), leaders and the Office every unit's."""
    today = context.today()
    chosen = periods.read(request.args, today)
    if chosen.error:
        flash(chosen.error, "error")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    answer = context.api().get(
        "reporting",
        "/explanations",
        limit=EXPLANATIONS_PAGE,
        offset=(page - 1) * EXPLANATIONS_PAGE,
        **chosen.api_args(),
    )
    return render_template(
        "explanations.html",
        tasks=answer["items"],
        total=answer["total"],
        page=page,
        pages=max((answer["total"] + EXPLANATIONS_PAGE - 1) // EXPLANATIONS_PAGE, 1),
        period=chosen,
        options=periods.options(today, chosen.period),
        kept=chosen.query(),
    )
