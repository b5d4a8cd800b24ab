"""The file store: the bytes of documents' files and of the attachments units send with progress,
results and answers (Đ5.2a, Đ6.2a), behind one interface.

A file is kept once, named by the SHA-256 of its content (`<root>/ab/cd/abcd…`), whoever sends it
and however often: the services keep what people call it (name, size, type, hash) in their own
tables and read the bytes from here; nothing is copied anywhere else. The root is a directory
under DATA_DIR in development and a mounted volume in production (`FILE_STORE_DIR`). Every file is
size-limited (`MAX_FILE_BYTES`) and its type is read from its content, never from its name or the
type a client claims: PDF, Word and Excel (DOC, XLS, DOCX, XLSX), OpenDocument text, PNG and JPEG;
anything else is refused (422, in Vietnamese).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shared.config import env_int, env_str
from shared.errors import DomainError, NotFound, ValidationFailed

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
ALLOWED_LABEL = "PDF, DOC, DOCX, XLS, XLSX, ODT, PNG, JPEG"

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
MEDIA_TYPES = (PDF, DOC, DOCX, XLS, XLSX, ODT, PNG, JPEG)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
# The main part each Office Open XML package declares in its [Content_Types].xml.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.ms-word.document.macroenabled.main+xml": None,  # .docm: macros, refused
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_CONTENT_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml is a few kilobytes
_HASH = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


class FileTooLarge(DomainError):
    """Answered 413 (shared.http_edge.STATUS_OF)."""

    title = "Tệp quá lớn"


class FileRefused(ValidationFailed):
    """A file whose content is not one of the accepted types (422)."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    name: str


def detect_type(data: bytes, name: str = "") -> str | None:
    """The media type read from the content (magic bytes; for a ZIP, its declared parts), or None
    when it is not one of MEDIA_TYPES. The old binary Word and Excel share one container (OLE), so
    the name's extension tells them apart there and only there."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_OLE):
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        return {"doc": DOC, "xls": XLS}.get(extension)
    if data.startswith(_ZIP):
        return _zip_type(data)
    return None


def _zip_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                # ODF: an uncompressed first entry naming the type.
                with archive.open("mimetype") as entry:
                    declared = entry.read(200).decode("ascii", "replace").strip()
                return ODT if declared == ODT else None
            if "[Content_Types].xml" not in names:
                return None
            with archive.open("[Content_Types].xml") as entry:
                content_types = entry.read(_CONTENT_TYPES_LIMIT).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return None
    lowered = content_types.lower()
    found = {media for main, media in _OOXML_MAIN.items() if main in lowered}
    if None in found or len(found) != 1:
        return None
    return found.pop()


def clean_name(name: str) -> str:
    """A file name as people read it: NFC, without a path or control characters, at most 200
    characters (the extension kept)."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip().strip(".") or "tep"
    if len(base) > 200:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 199 - len(extension)] + dot + extension) if dot else base[:200]
    return base


def too_large(max_bytes: int) -> FileTooLarge:
    megabytes = max_bytes / (1024 * 1024)
    shown = f"{megabytes:g} MB" if megabytes >= 1 else f"{max_bytes} byte"
    return FileTooLarge(f"Tệp vượt quá dung lượng cho phép ({shown}).", max_bytes=max_bytes)


class FileStore:
    """Content-addressed files under `root`, each at most `max_bytes`."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    @classmethod
    def from_env(cls, env: Mapping[str, str], data_dir: Path) -> FileStore:
        """FILE_STORE_DIR (default `<DATA_DIR>/files`; a mounted volume in production, shared by
        the services that keep files) and MAX_FILE_BYTES (default 20 MB)."""
        root = Path(env_str(env, "FILE_STORE_DIR", str(Path(data_dir) / "files")))
        return cls(root, env_int(env, "MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))

    def check(self, data: bytes, name: str, field: str = "file") -> StoredFile:
        """The file's description if it may be kept: 413 when too large, 422 when its content is
        not an accepted type or it is empty."""
        if len(data) > self.max_bytes:
            raise too_large(self.max_bytes)
        shown = clean_name(name)
        if not data:
            raise FileRefused("Tệp rỗng.", {field: ["Tệp không có nội dung."]})
        media_type = detect_type(data, shown)
        if media_type is None:
            message = f"Chỉ nhận tệp {ALLOWED_LABEL}; nội dung tệp {shown} không thuộc loại nào."
            raise FileRefused("Định dạng tệp không được chấp nhận.", {field: [message]})
        return StoredFile(hashlib.sha256(data).hexdigest(), len(data), media_type, shown)

    def put(self, data: bytes, name: str, field: str = "file") -> StoredFile:
        """Check and keep the file; the same content is written once (its hash names it)."""
        stored = self.check(data, name, field)
        path = self.path(stored.sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: a reader never sees half a file, two writers of the
            # same content leave one.
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return stored

    def path(self, sha256: str) -> Path:
        if not _HASH.match(sha256):
            raise NotFound("Không tìm thấy tệp.")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def read(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFound("Không tìm thấy nội dung tệp.") from exc
