"""DOCX to PDF with LibreOffice headless (`soffice --headless --convert-to pdf`, Debian's
libreoffice-writer-nogui): each conversion in its own temporary directory with a private
LibreOffice profile (two soffice processes sharing one profile wait on each other's lock or
fail), under a timeout, one at a time per process (each soffice takes a few hundred MB).

Without soffice on the PATH (or SOFFICE naming it elsewhere), a PDF answers 503 and the DOCX
still works.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

from shared.errors import Unavailable

DEFAULT_TIMEOUT = 60.0
_ONE_AT_A_TIME = threading.Lock()


class PdfUnavailable(Unavailable):
    """503: LibreOffice is not installed here, or it failed."""


def soffice(env: Mapping[str, str] = os.environ) -> str | None:
    """The soffice program to run (SOFFICE, else the one on the PATH), or None."""
    configured = env.get("SOFFICE", "").strip()
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes, *, program: str | None, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The PDF of `docx`, converted by `program` (from `soffice()`)."""
    if program is None:
        raise PdfUnavailable(
            "Máy chủ chưa cài LibreOffice nên chưa tạo được bản PDF; hãy tải bản DOCX."
        )
    with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="nhiemvu-pdf-") as work:
        folder = Path(work)
        source = folder / "van-ban.docx"
        source.write_bytes(docx)
        command = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        try:
            subprocess.run(
                command,
                cwd=folder,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
                env={**os.environ, "HOME": str(folder)},
            )
        except (subprocess.TimeoutExpired, OSError) as exc:
            raise PdfUnavailable(
                "Không chuyển được văn bản sang PDF (LibreOffice không trả lời kịp); hãy thử "
                "lại hoặc tải bản DOCX."
            ) from exc
        produced = folder / "van-ban.pdf"
        if not produced.is_file():
            raise PdfUnavailable(
                "Không chuyển được văn bản sang PDF; hãy thử lại hoặc tải bản DOCX."
            )
        return produced.read_bytes()
