"""The file store (shared/files.py): types read from content, one copy per content, size limit."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from shared import files
from shared.errors import NotFound

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64


def package(entries: dict[str, str], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo("mimetype"), stored_first)
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def content_types(main: str) -> str:
    return f'<Types><Override PartName="/x.xml" ContentType="{main}"/></Types>'


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"%PDF-1.7\n...", "a.pdf", files.PDF),
        (b"\x89PNG\r\n\x1a\n....", "a.png", files.PNG),
        (b"\xff\xd8\xff\xe0....", "a.jpg", files.JPEG),
        (OLE, "bien-ban.doc", files.DOC),
        (OLE, "SO-LIEU.XLS", files.XLS),
        (package({"[Content_Types].xml": content_types(WORD_MAIN)}), "x.bin", files.DOCX),
        (package({"[Content_Types].xml": content_types(EXCEL_MAIN)}), "x", files.XLSX),
        (package({"content.xml": "<x/>"}, stored_first=files.ODT), "a.odt", files.ODT),
    ],
)
def test_the_type_is_read_from_the_content(data: bytes, name: str, expected: str) -> None:
    assert files.detect_type(data, name) == expected


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00", "setup.pdf"),  # an executable named as a PDF
        (b"<svg onload=alert(1)>", "a.png"),
        (OLE, "macro.ppt"),  # OLE, but neither Word nor Excel
        (package({"a.txt": "x"}), "a.docx"),  # a ZIP, but not an Office package
        (
            package(
                {
                    "[Content_Types].xml": content_types(
                        "application/vnd.ms-word.document.macroenabled.main+xml"
                    )
                }
            ),
            "a.docx",
        ),  # a .docm: macros
        (
            package({"x": "y"}, stored_first="application/vnd.oasis.opendocument.spreadsheet"),
            "a.ods",
        ),  # a spreadsheet, not a text
        (b"PK\x03\x04garbage", "a.xlsx"),
    ],
)
def test_other_content_has_no_type(data: bytes, name: str) -> None:
    assert files.detect_type(data, name) is None


def test_a_file_is_kept_once_under_its_hash(tmp_path: Path) -> None:
    store = files.FileStore(tmp_path / "files", max_bytes=1000)
    data = b"%PDF-1.4 same"
    first = store.put(data, "../../etc/Báo cáo.pdf")
    second = store.put(data, "khac.pdf")
    assert first.sha256 == second.sha256 == hashlib.sha256(data).hexdigest()
    assert first.name == "Báo cáo.pdf"  # no path, NFC
    kept = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert kept == [store.path(first.sha256)] and store.read(first.sha256) == data


def test_size_limit_and_refusals_name_the_field_in_vietnamese(tmp_path: Path) -> None:
    store = files.FileStore(tmp_path, max_bytes=10)
    with pytest.raises(files.FileTooLarge, match="dung lượng cho phép"):
        store.put(b"%PDF-" + b"x" * 10, "a.pdf")
    with pytest.raises(files.FileRefused) as refused:
        store.put(b"hello", "a.txt", field="attachments[0]")
    assert "Chỉ nhận tệp" in refused.value.errors["attachments[0]"][0]
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_a_hash_that_is_not_one_is_not_found(tmp_path: Path) -> None:
    store = files.FileStore(tmp_path)
    with pytest.raises(NotFound):
        store.read("../../etc/passwd")
    with pytest.raises(NotFound):
        store.read("0" * 64)


def test_the_store_is_configured_from_the_environment(tmp_path: Path) -> None:
    default = files.FileStore.from_env({}, tmp_path)
    assert default.root == tmp_path / "files" and default.max_bytes == 20 * 1024 * 1024
    mounted = files.FileStore.from_env(
        {"FILE_STORE_DIR": "/srv/nhiemvu-files", "MAX_FILE_BYTES": "5000"}, tmp_path
    )
    assert mounted.root == Path("/srv/nhiemvu-files") and mounted.max_bytes == 5000
