"""Reports as official documents (services/reporting/documents/): each kind's shipped template
filled with its sample, in the layout of Nghị định 30/2020 — issuing body, number, Quốc hiệu and
Tiêu ngữ, place and date, title, body, "Nơi nhận", signature block — read back with python-docx
(the PDFs: tests/integration/test_documents_pdf.py)."""

from __future__ import annotations

import copy
import io
from datetime import date
from typing import Any

import pytest
from docx import Document

from services.reporting.documents.registry import KINDS, shipped
from services.reporting.documents.render import TemplateBroken, render

TODAY = date(2026, 12, 31)
NATIONAL = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]


def _docx(kind: str, data: dict[str, Any] | None = None) -> bytes:
    found = KINDS[kind]
    return render(shipped(kind), found.context(data or found.sample, TODAY))


def _read(body: bytes) -> tuple[list[str], list[list[list[str]]], Any]:
    document = Document(io.BytesIO(body))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]
    return paragraphs, tables, document


def _layout(body: bytes) -> tuple[list[str], list[list[list[str]]], list[str], list[str]]:
    """The parts every document has, checked; returns paragraphs, tables, the letterhead's left
    cell and the signature's right cell, as lines."""
    paragraphs, tables, document = _read(body)
    left, right = tables[0][0]
    assert right.splitlines()[:2] == NATIONAL
    assert right.splitlines()[-1].startswith("Thanh Hóa, ngày ")
    assert paragraphs[0] == "BÁO CÁO"
    to, signer = tables[-1][0]
    assert to.splitlines()[0] == "Nơi nhận:" and to.splitlines()[-1] == "- Lưu: VT."
    assert signer.splitlines()[1] == "(Ký, ghi rõ họ tên, đóng dấu)"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 30  # Nghị định 30/2020: left 30–35 mm
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert not any("{{" in p or "{%" in p for p in paragraphs)  # every tag filled
    signed = [found for found in signer.splitlines() if found]  # less the room to sign
    return paragraphs, tables, left.splitlines(), signed


def test_a_unit_s_report_renders_in_the_layout_of_decree_30_2020_D18_1() -> None:
    paragraphs, tables, left, signer = _layout(_docx("unit_report"))
    assert left == ["UBND TỈNH THANH HÓA", "SỞ TÀI CHÍNH", "Số:      /BC-"]
    assert tables[0][0][1].splitlines()[-1] == "Thanh Hóa, ngày 18 tháng 12 năm 2026"
    assert paragraphs[1].startswith("Tình hình, kết quả")
    assert paragraphs[1].endswith("giao quý IV năm 2026")
    parts = [p for p in paragraphs if p[:3] in ("I. ", "II.", "III", "IV.")]
    assert [p.split(".")[0] for p in parts] == ["I", "II", "III", "IV"]
    assert "Hoàn thành 1.234 nhiệm vụ" in paragraphs  # the narrative, a paragraph per line
    figures, explained = tables[1], tables[2]
    assert ["Hoàn thành đúng hạn", "1.234"] in figures
    assert ["Tổng số nhiệm vụ", "1.249"] in figures
    assert ["Tỷ lệ hoàn thành đúng hạn", "99,3%"] in figures
    assert explained[1] == [
        "1",
        "12/UBND-KTTC: Rà soát vốn đầu tư công",
        "Đang thực hiện quá hạn",
        "Chờ ý kiến Bộ Tài chính",
    ]
    assert tables[-1][0][0].splitlines() == ["Nơi nhận:", "- Văn phòng UBND tỉnh;", "- Lưu: VT."]
    assert signer == ["THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên, đóng dấu)"]


def test_a_report_without_listed_tasks_says_so_D17_4() -> None:
    data = copy.deepcopy(KINDS["unit_report"].sample)
    data["case"]["data"]["explanations"] = []
    paragraphs, tables, _, _ = _layout(_docx("unit_report", data))
    assert "Đơn vị không có nhiệm vụ phải giải trình trong kỳ." in paragraphs
    assert len(tables) == 3  # letterhead, figures, signature: no table of explanations


def test_the_offices_report_renders_in_the_layout_of_decree_30_2020_D16_2() -> None:
    paragraphs, tables, left, signer = _layout(_docx("office_report"))
    assert left == ["VĂN PHÒNG UBND TỈNH THANH HÓA", "Số:      /BC-VP"]
    assert tables[0][0][1].splitlines()[-1] == "Thanh Hóa, ngày 23 tháng 12 năm 2026"
    assert paragraphs[1].endswith("giao quý IV năm 2026")
    assert "Kính gửi: Ủy ban nhân dân tỉnh; Chủ tịch Ủy ban nhân dân tỉnh." in paragraphs
    assert signer == ["CHÁNH VĂN PHÒNG", "(Ký, ghi rõ họ tên, đóng dấu)"]


def test_its_sections_carry_the_offices_assessment_against_the_direction_D8_1a() -> None:
    paragraphs, _, _, _ = _layout(_docx("office_report"))
    parts = [p.split(".")[0] for p in paragraphs if p[:2] in ("I.", "II", "IV", "V.", "VI")]
    assert parts == ["I", "II", "III", "IV", "V", "VI"]
    sections = KINDS["office_report"].sample["case"]["data"]
    for key in ("progress", "quality", "effectiveness", "difficulties", "proposals"):
        assert sections[key] in paragraphs
    assert any(p.startswith("3. Về hiệu quả so với yêu cầu chỉ đạo") for p in paragraphs)


def test_its_figures_by_unit_and_by_assigning_leader_and_the_overdue_list_D18_2() -> None:
    paragraphs, tables, _, _ = _layout(_docx("office_report"))
    by_unit = next(t for t in tables if t[0][0] == "Đơn vị")
    assert by_unit[1][0] == "Sở Tài chính" and by_unit[1][1] == "1.234"
    assert by_unit[-1][0] == "Tổng cộng" and by_unit[-1][-2:] == ["1.250", "99,3%"]
    by_leader = next(t for t in tables if t[0][0] == "Người giao")
    assert [row[0] for row in by_leader[1:]] == [
        "Chủ tịch UBND tỉnh",
        "Phó Chủ tịch UBND tỉnh Trần Thị B",
        "Tổng cộng",
    ]
    tasks = [t for t in tables if t[0][:2] == ["TT", "Nhiệm vụ"]]
    assert tasks[0][1] == [
        "1",
        "12/UBND-KTTC: Rà soát vốn đầu tư công",
        "Sở Tài chính",
        "20/11/2026",
    ]
    assert tasks[1][1][3] == "Không thời hạn"  # the undated tasks still in progress
    assert "Đã hoàn thành 1 nhiệm vụ; đang thực hiện 1 nhiệm vụ." in paragraphs


def test_it_says_which_units_reported_and_what_they_explained_D18_1_D17_4() -> None:
    paragraphs, tables, _, _ = _layout(_docx("office_report"))
    assert any("1 gửi đúng hạn, 1 gửi chậm hạn, 1 không gửi báo cáo" in p for p in paragraphs)
    late = next(t for t in tables if t[0][0] == "Đơn vị chưa gửi đúng hạn")
    assert late[1:] == [["Sở Xây dựng", "Chậm hạn"], ["Xã A", "Không gửi"]]
    explained = next(
        t for t in tables if t[0] == ["TT", "Đơn vị", "Nhiệm vụ", "Lý do", "Giải trình"]
    )
    assert explained[1:] == [
        [
            "1",
            "Sở Tài chính",
            "12/UBND-KTTC: Rà soát vốn đầu tư công",
            "Đang thực hiện quá hạn",
            "Chờ ý kiến Bộ Tài chính",
        ]
    ]
    assert any("10 văn bản, 9 đúng hạn (90,0%)" in p for p in paragraphs)  # Đ6.1
    assert any("trung vị 2,5 ngày làm việc" in p for p in paragraphs)


def test_a_numbered_report_shows_its_number_and_symbol_D16_2() -> None:
    data = {**KINDS["office_report"].sample, "number": "125/BC-VP"}
    _, _, left, _ = _layout(_docx("office_report", data))
    assert left[-1] == "Số: 125/BC-VP"


def test_an_inspection_report_has_a_conclusion_for_each_inspected_unit_D15_3() -> None:
    paragraphs, tables, left, signer = _layout(_docx("inspection_report"))
    assert left == ["VĂN PHÒNG UBND TỈNH THANH HÓA", "Số:      /BC-VP"]
    assert paragraphs[1] == "Kết quả kiểm tra: Kiểm tra việc thực hiện nhiệm vụ quý IV năm 2026"
    assert signer[0] == "TỔ TRƯỞNG TỔ CÔNG TÁC"
    assert tables[1][1:] == [
        ["1", "Sở Tài chính", "Đã thực hiện đúng nhiệm vụ được giao"],
        ["2", "Xã A", "Chưa thực hiện nhiệm vụ được giao"],
    ]
    assert "a) Đánh giá: Cập nhật chậm tình hình thực hiện." in paragraphs  # Đ15.3a
    assert "b) Kết luận: Chưa thực hiện nhiệm vụ được giao. Còn 3 nhiệm vụ chưa thực hiện." in (
        paragraphs
    )  # Đ15.3b, with what was not done …
    for found in ("Tính chất: Chậm triển khai", "Nguyên nhân: Thiếu cán bộ theo dõi"):
        assert f"- {found}" in paragraphs  # … its nature, level, cause and responsibility
    assert "c) Kiến nghị: Bố trí cán bộ theo dõi trong tháng 12." in paragraphs  # Đ15.3c
    assert "- Các cơ quan, đơn vị, địa phương được kiểm tra;" in tables[-1][0][0]  # Đ15.2


def test_a_unit_s_own_inspection_report_is_issued_by_the_unit_D15_1() -> None:
    data = copy.deepcopy(KINDS["inspection_report"].sample)
    data["case"]["kind"] = "unit_inspection"
    data["issuer"] = "Sở Tài chính"
    _, tables, left, signer = _layout(_docx("inspection_report", data))
    assert left == ["UBND TỈNH THANH HÓA", "SỞ TÀI CHÍNH", "Số:      /BC-"]
    assert signer[0] == "THỦ TRƯỞNG CƠ QUAN"
    assert "- Văn phòng UBND tỉnh (để theo dõi, tổng hợp);" in tables[-1][0][0]  # Đ15.1


def test_the_working_groups_monthly_account_D10_1d() -> None:
    paragraphs, tables, left, signer = _layout(_docx("monthly_account"))
    assert left == ["UBND TỈNH THANH HÓA", "TỔ CÔNG TÁC CỦA CHỦ TỊCH UBND TỈNH", "Số:      /BC-TCT"]
    assert paragraphs[1].endswith("giao tháng 11 năm 2026")
    assert ["Lượt đôn đốc", "42"] in tables[1] and ["Cuộc kiểm tra", "1"] in tables[1]
    assert tables[2][1] == [
        "1",
        "Kiểm tra việc thực hiện nhiệm vụ quý IV năm 2026",
        "Đã báo cáo kết quả kiểm tra",
    ]
    assert "2. Kiểm tra: 1 cuộc." in paragraphs
    assert not any(p.startswith("BÁO CÁO KẾT QUẢ") for p in paragraphs)  # no second title
    assert signer == ["TỔ TRƯỞNG", "(Ký, ghi rõ họ tên, đóng dấu)", "Nguyễn Văn A"]


def test_the_annual_report_renders_in_the_layout_of_decree_30_2020_D20_1() -> None:
    paragraphs, tables, left, signer = _layout(_docx("annual_report"))
    assert left == ["VĂN PHÒNG UBND TỈNH THANH HÓA", "Số:      /BC-VP"]
    assert tables[0][0][1].splitlines()[-1] == "Thanh Hóa, ngày 15 tháng 01 năm 2027"
    assert paragraphs[1].startswith("Kết quả triển khai thực hiện Quy chế")
    assert paragraphs[1].endswith("giao năm 2026")
    assert "Kính gửi: Ủy ban nhân dân tỉnh; Chủ tịch Ủy ban nhân dân tỉnh." in paragraphs
    assert "- Sở Nội vụ;" in tables[-1][0][0].splitlines()
    assert signer == ["CHÁNH VĂN PHÒNG", "(Ký, ghi rõ họ tên, đóng dấu)"]
    data = {**KINDS["annual_report"].sample, "number": "15/BC-VP"}
    _, _, numbered, _ = _layout(_docx("annual_report", data))
    assert numbered[-1] == "Số: 15/BC-VP"


def test_the_annual_report_counts_the_years_tasks_by_unit_and_by_assigning_leader_D20_1() -> None:
    paragraphs, tables, _, _ = _layout(_docx("annual_report"))
    part = paragraphs.index("I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ UBND TỈNH, CHỦ TỊCH UBND TỈNH GIAO")
    assert paragraphs[part + 1] == (
        "Năm 2026, Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh giao 5.261 nhiệm vụ; tỷ "
        "lệ hoàn thành đúng hạn 96,9%."
    )
    by_unit = next(t for t in tables if t[0][0] == "Đơn vị")
    assert by_unit[1] == ["Sở Tài chính", "2.810", "70", "120", "20", "40", "12", "3.072", "96,9%"]
    assert by_unit[-1][0] == "Tổng cộng" and by_unit[-1][-2:] == ["5.261", "96,9%"]
    by_leader = next(t for t in tables if t[0][0] == "Người giao")
    assert [row[0] for row in by_leader[1:]] == [
        "UBND tỉnh",
        "Chủ tịch UBND tỉnh",
        "Phó Chủ tịch UBND tỉnh Trần Thị B",
        "Tổng cộng",
    ]


def test_the_annual_report_gives_the_offices_intake_and_confirmation_D20_1_D6_1() -> None:
    paragraphs, _, _, _ = _layout(_docx("annual_report"))
    assert "3. Công tác theo dõi, đôn đốc của Văn phòng" in paragraphs
    assert any("1.420 văn bản, 1.391 đúng hạn (98,0%)" in p for p in paragraphs)  # Đ6.1
    assert any(
        "4.870 kết quả đã xử lý (4.702 xác nhận, 168 trả lại); thời gian chờ trung vị 1,5 ngày" in p
        for p in paragraphs
    )


def test_the_annual_report_counts_the_years_inspections_and_their_conclusions_D20_1() -> None:
    paragraphs, tables, _, _ = _layout(_docx("annual_report"))
    assert "II. CÔNG TÁC KIỂM TRA (Điều 10 đến Điều 15)" in paragraphs
    assert any(
        p.startswith("Kế hoạch kiểm tra năm được phê duyệt: 3 cuộc. Đã kết thúc 2")
        for p in paragraphs
    )
    assert any(
        "1 đã thực hiện đúng nhiệm vụ được giao, 1 chưa thực hiện, 0 thực hiện không đúng" in p
        for p in paragraphs
    )  # Đ15.3b
    held = next(t for t in tables if t[0][:2] == ["TT", "Đơn vị được kiểm tra"])
    assert held[1] == [
        "1",
        "Sở Tài chính, Xã A",
        "Tổ công tác kiểm tra — Thường xuyên, định kỳ theo kế hoạch",
        "10/06/2026",
        "Sở Tài chính: Đã thực hiện đúng nhiệm vụ được giao; Xã A: Chưa thực hiện nhiệm vụ "
        "được giao",
    ]
    assert held[2][-1] == "Chưa có báo cáo kết quả"


def test_the_annual_report_carries_the_feedback_handled_and_the_offices_sections_D20_1() -> None:
    paragraphs, _, _, _ = _layout(_docx("annual_report"))
    assert "III. TIẾP NHẬN, XỬ LÝ PHẢN HỒI (Điều 16 khoản 6, Điều 17)" in paragraphs
    assert any(
        p.startswith("Văn phòng tiếp nhận 57 phản hồi của các đơn vị; đã xử lý 55")
        and "1 xử lý quá hạn; còn 2" in p
        for p in paragraphs
    )
    headings = [p for p in paragraphs if p[:3] in ("IV.", "V. ", "VI.", "VII")]
    assert [h.split(".")[0] for h in headings] == ["IV", "V", "VI", "VII"]
    sections = KINDS["annual_report"].sample["case"]["data"]
    for key in ("training", "difficulties", "proposals"):
        assert sections[key] in paragraphs
    for line in sections["assessment"].splitlines():  # a paragraph per line
        assert line in paragraphs


def test_an_annual_report_with_nothing_yet_still_renders_D20_1() -> None:
    paragraphs, tables, _, _ = _layout(_docx("annual_report", {"case": {"data": {"year": 2027}}}))
    assert paragraphs[1].endswith("giao năm 2027")
    assert any(p.startswith("Văn phòng tiếp nhận 0 phản hồi") for p in paragraphs)
    assert next(t for t in tables if t[0][0] == "Đơn vị")[1][0] == "Tổng cộng"
    assert not any(t[0][:2] == ["TT", "Đơn vị được kiểm tra"] for t in tables)


def test_values_are_written_as_text_not_as_the_documents_markup() -> None:
    data = copy.deepcopy(KINDS["unit_report"].sample)
    data["case"]["data"]["results"] = "A & B <w:p> {{ 7*7 }}"
    paragraphs, _, _ = _read(_docx("unit_report", data))
    assert "A & B <w:p> {{ 7*7 }}" in paragraphs  # escaped, and never evaluated


def test_a_template_cannot_reach_pythons_internals() -> None:
    template = _template_saying("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateBroken) as refused:
        render(template, {})
    assert refused.value.detail.startswith("Mẫu văn bản không dùng được")


def test_a_template_with_a_syntax_error_is_refused_in_vietnamese() -> None:
    with pytest.raises(TemplateBroken) as refused:
        render(_template_saying("{% for x in %}"), {})
    assert "Lỗi cú pháp" in refused.value.errors["file"][0]
    with pytest.raises(TemplateBroken):
        render(b"PK\x03\x04 not a document", {})


def _template_saying(text: str) -> bytes:
    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
