"""Reports as official documents, as PDF (services/reporting/documents/pdf.py): each kind's
shipped template filled with its sample, converted by LibreOffice headless, read back with
pdftotext (the title, the figures, the signature block), its first page drawn with pdftoppm into
var/artifacts/documents/<kind>.png to be looked at (docs/documents.md shows them).

Without LibreOffice or poppler the tests are skipped with the reason, unless REQUIRE_SERVICES=1,
in which case they fail."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from services.reporting.documents import pdf
from services.reporting.documents.registry import KINDS, shipped
from services.reporting.documents.render import render
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR") or ROOT / "var" / "artifacts") / "documents"
TODAY = date(2026, 12, 31)


def _docx(kind: str) -> bytes:
    found = KINDS[kind]
    return render(shipped(kind), found.context(found.sample, TODAY))


def _pdf_tools() -> str:
    program = pdf.soffice()
    missing = [
        name
        for name, found in (
            ("soffice (libreoffice-writer-nogui)", program),
            ("pdftotext (poppler-utils)", shutil.which("pdftotext")),
            ("pdftoppm (poppler-utils)", shutil.which("pdftoppm")),
        )
        if not found
    ]
    if missing:
        skip_or_fail("not installed: " + ", ".join(missing))
    assert program is not None
    return program


def _pdf_text(kind: str, tmp_path: Path) -> str:
    """The kind's sample as PDF: its text (pdftotext -layout), its first page drawn into
    var/artifacts/documents/<kind>.png."""
    program = _pdf_tools()
    body = pdf.to_pdf(_docx(kind), program=program)
    assert body.startswith(b"%PDF-")
    source = tmp_path / f"{kind}.pdf"
    source.write_bytes(body)
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(ARTIFACTS / kind),
        ],
        check=True,
        timeout=60,
    )
    assert (ARTIFACTS / f"{kind}.png").stat().st_size > 10_000  # a page with something on it
    return " ".join(text.split())  # words as read, whatever the line breaks


@pytest.mark.parametrize(
    ("kind", "title", "figures", "signer"),
    [
        pytest.param(
            "unit_report",
            "Tình hình, kết quả thực hiện nhiệm vụ",
            ("Hoàn thành đúng hạn 1.234", "Tỷ lệ hoàn thành đúng hạn 99,3%"),
            "THỦ TRƯỞNG CƠ QUAN",
            id="D18_1",
        ),
        pytest.param(
            "office_report",
            "Đánh giá tình hình thực hiện nhiệm vụ",
            ("Sở Tài chính 1.234 5 7 2 1 1 1.250 99,3%",),
            "CHÁNH VĂN PHÒNG",
            id="D18_2",
        ),
        pytest.param(
            "inspection_report",
            "Kết quả kiểm tra: Kiểm tra việc thực hiện nhiệm vụ quý IV năm 2026",
            ("Đã thực hiện đúng nhiệm vụ được giao", "Hoàn thành 20/20 nhiệm vụ."),
            "TỔ TRƯỞNG TỔ CÔNG TÁC",
            id="D15_3",
        ),
        pytest.param(
            "monthly_account",
            "tháng 11 năm 2026",
            ("Lượt đôn đốc 42", "Việc xin ý kiến chỉ đạo 3"),
            "TỔ TRƯỞNG",
            id="D10_1d",
        ),
        pytest.param(
            "annual_report",
            "Kết quả triển khai thực hiện Quy chế",
            (
                "giao 5.261 nhiệm vụ; tỷ lệ hoàn thành đúng hạn 96,9%",
                "Sở Tài chính 2.810 70 120 20 40 12 3.072 96,9%",
                "Tổng cộng 4.810 120 210 35 64 22 5.261 96,9%",
                "(Điều 15 khoản 3): 1 đã thực hiện đúng nhiệm vụ được giao",
            ),
            "CHÁNH VĂN PHÒNG",
            id="D20_1",
        ),
    ],
)
def test_each_report_reads_back_from_its_pdf_D18_1_D18_2_D15_3_D10_1d_D20_1(
    kind: str, title: str, figures: tuple[str, ...], signer: str, tmp_path: Path
) -> None:
    text = _pdf_text(kind, tmp_path)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BÁO CÁO", title, *figures):
        assert expected in text, expected
    for expected in ("Nơi nhận:", signer, "(Ký, ghi rõ họ tên, đóng dấu)"):
        assert expected in text, expected


def test_without_libreoffice_a_pdf_is_refused_in_vietnamese_and_docx_still_works() -> None:
    with pytest.raises(pdf.PdfUnavailable) as refused:
        pdf.to_pdf(_docx("unit_report"), program=None)
    assert "LibreOffice" in refused.value.detail and "DOCX" in refused.value.detail
    assert pdf.soffice({"SOFFICE": "/nonexistent/soffice"}) is None
