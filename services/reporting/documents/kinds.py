"""What a kind of official document is: its name, its title for people, the articles it answers,
its context function (the data a client sends → the values its template prints) and a sample
of that data (an uploaded template must render with it before it replaces the current one).

Adding a kind is one module with its `KIND` (a context function and a sample) listed in
`services/reporting/documents/registry.py`, and one template
(`services/reporting/documents/templates/<name>.docx`, its body in `shipped.BODIES`).

Every context has the parts the layout of Nghị định 30/2020 prints (`head`): governing body,
issuer, number and symbol, place and date, summary, addressees, recipients ("Nơi nhận"), the
signer's titles and name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

GOVERNING_BODY = "UBND TỈNH THANH HÓA"
PLACE = "Thanh Hóa"
OFFICE = "VĂN PHÒNG UBND TỈNH THANH HÓA"
TO_THE_COMMITTEE = ("Ủy ban nhân dân tỉnh", "Chủ tịch Ủy ban nhân dân tỉnh")
FIGURE_ROWS = (
    ("completed_on_time", "Hoàn thành đúng hạn"),
    ("completed_late", "Hoàn thành quá hạn"),
    ("in_progress_on_time", "Đang thực hiện trong hạn"),
    ("in_progress_overdue", "Đang thực hiện quá hạn"),
    ("undated_completed", "Không thời hạn — đã hoàn thành"),
    ("undated_in_progress", "Không thời hạn — đang thực hiện"),
)

Context = dict[str, Any]


@dataclass(frozen=True)
class DocumentKind:
    name: str  # "unit_report": the template's file name and the API's path segment
    label: str  # what people call it, in Vietnamese
    articles: str  # "Đ18.1"
    context: Callable[[Mapping[str, Any], date], Context]  # (data, today) → template values
    sample: Mapping[str, Any]  # data an uploaded template must render with
    filename: Callable[[Mapping[str, Any]], str]  # the download's name, without extension


def head(
    *,
    issuer: str,
    symbol: str,
    on: date,
    summary: str,
    recipients: Sequence[str],
    signer_titles: Sequence[str],
    number: str | None = None,
    governing_body: str | None = GOVERNING_BODY,
    addressees: Sequence[str] = (),
    signer_name: str | None = None,
) -> Context:
    """The parts of the layout every document prints; the number and symbol is left for the
    clerk ("Số:      /BC-VP") until the document has one."""
    return {
        "governing_body": governing_body or "",
        "issuer": issuer.upper(),
        "number": f"Số: {number}" if number else f"Số:      /{symbol}",
        "place_date": f"{PLACE}, ngày {on.day:02d} tháng {on.month:02d} năm {on.year}",
        "summary": summary,
        "addressees": "; ".join(addressees),
        "recipients": list(recipients),
        "signer_titles": list(signer_titles),
        "signer_name": signer_name or "",
    }


def reviewed_report(
    data: Mapping[str, Any], today: date, *, summary: str, recipients: Sequence[str]
) -> Context:
    """What the Office's reviewed reports to the People's Committee and its Chairman share (the
    evaluation of a period, Đ16.2; the annual report, Đ20.1): issued by the Office with the
    number it gave, dated the day its leader approved it, signed by its Chief; the stored
    report's figures by unit and by assigning leader, and the Office's own work."""
    report = data.get("report") or {}
    totals = report.get("totals") or {}
    return {
        **head(
            issuer=OFFICE,
            symbol="BC-VP",
            number=data.get("number"),
            on=day(data, "on", today),
            governing_body=None,
            summary=summary,
            addressees=TO_THE_COMMITTEE,
            recipients=recipients,
            signer_titles=("CHÁNH VĂN PHÒNG",),
        ),
        "total": number(totals.get("total")),
        "on_time_rate": percent(totals.get("on_time_rate")),
        "by_unit": counts(report.get("units") or [], totals),
        "by_leader": counts(report.get("leaders") or [], totals),
        "office": office_work(report.get("office") or {}),
    }


def day(data: Mapping[str, Any], key: str, today: date) -> date:
    """The date `data[key]` (ISO), or `today` when it has none."""
    found = data.get(key)
    return date.fromisoformat(str(found)[:10]) if found else today


def lines(text: Any) -> list[str]:
    """Narrative text as the paragraphs of its non-empty lines."""
    return [chunk.strip() for chunk in str(text or "").splitlines() if chunk.strip()]


def number(value: Any) -> str:
    """1234 as "1.234", the Vietnamese way."""
    return f"{int(value or 0):,}".replace(",", ".")


def percent(rate: Any) -> str:
    """0.9929 as "99,3%"; "—" when there is no rate."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.1f}".replace(".", ",") + "%"


def decimal(value: Any) -> str:
    """2.5 as "2,5"; "—" when there is none."""
    return "—" if value is None else str(value).replace(".", ",")


def vn_date(value: Any) -> str:
    """An ISO date as 18/12/2026 ("" when there is none)."""
    if not value:
        return ""
    return f"{date.fromisoformat(str(value)[:10]):%d/%m/%Y}"


def figures(counts: Mapping[str, Any]) -> list[dict[str, str]]:
    """The national categories, their total and the on-time rate, as rows label/value."""
    found = [{"label": label, "value": number(counts.get(key))} for key, label in FIGURE_ROWS]
    found.append({"label": "Tổng số nhiệm vụ", "value": number(counts.get("total"))})
    found.append(
        {"label": "Tỷ lệ hoàn thành đúng hạn", "value": percent(counts.get("on_time_rate"))}
    )
    return found


def counts(rows: Sequence[Mapping[str, Any]], totals: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of figures (by unit, by assigning leader) in the national categories, then their
    total and on-time rate, and a last row "Tổng cộng" of `totals`: `{name, counts}`."""

    def line(name: str, row: Mapping[str, Any]) -> dict[str, Any]:
        found = [number(row.get(key)) for key, _ in FIGURE_ROWS]
        found += [number(row.get("total")), percent(row.get("on_time_rate"))]
        return {"name": name, "counts": found}

    return [*(line(str(row.get("name") or ""), row) for row in rows), line("Tổng cộng", totals)]


def office_work(office: Mapping[str, Any]) -> list[str]:
    """The Office's own figures of a stored report (`office`: its intake of documents, Đ6.1, and
    how long units' results waited for its confirmation) as paragraphs."""
    intake = office.get("intake") or []
    released = sum(int(m.get("released") or 0) for m in intake)
    on_time = sum(int(m.get("on_time") or 0) for m in intake)
    rate = on_time / released if released else None
    lag = office.get("confirmation_lag") or {}
    lag_totals = lag.get("totals") or {}
    return [
        f"Chuyển văn bản giao nhiệm vụ vào Hệ thống (Điều 6 khoản 1): {number(released)} văn "
        f"bản, {number(on_time)} đúng hạn ({percent(rate)}).",
        f"Xác nhận kết quả của đơn vị: {number(lag_totals.get('decided'))} kết quả đã xử lý "
        f"({number(lag_totals.get('confirmed'))} xác nhận, {number(lag_totals.get('rework'))} "
        f"trả lại); thời gian chờ trung vị {decimal(lag_totals.get('median_days'))} ngày làm "
        f"việc; {number(len(lag.get('waiting') or []))} kết quả chờ quá "
        f"{lag.get('wait_days') or '—'} ngày làm việc.",
    ]


def task_line(item: Mapping[str, Any]) -> str:
    """A task as "12/UBND-KTTC: Rà soát …" (its document's number, then its content)."""
    return f"{item.get('document_number') or ''}: {item.get('content') or ''}".strip(": ")
