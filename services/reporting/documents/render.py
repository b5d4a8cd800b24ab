"""A template filled with a context (docxtpl), safely: the template is Jinja2 the Office may
upload, so it runs in Jinja2's sandbox (no attribute of Python's internals, no import) with
every value escaped for the document's XML."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml.etree import XMLSyntaxError

from shared.errors import ValidationFailed


class TemplateBroken(ValidationFailed):
    """A template that does not render (422), with what people can do about it."""


def render(template: bytes, context: Mapping[str, Any]) -> bytes:
    """The DOCX of `template` filled with `context`; TemplateBroken when it cannot be."""
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(dict(context), jinja_env=SandboxedEnvironment(), autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except TemplateError as exc:
        raise _broken(
            "Lỗi cú pháp hoặc tên trường trong các trường {{ … }}, {% … %} của mẫu; hãy giữ "
            f"nguyên các trường như trong mẫu đang dùng (chi tiết kỹ thuật: {exc})."
        ) from exc
    except (zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as exc:
        raise _broken(f"Tệp không phải văn bản Word (DOCX) đọc được: {exc}") from exc
    return out.getvalue()


def _broken(detail: str) -> TemplateBroken:
    return TemplateBroken(
        "Mẫu văn bản không dùng được: không tạo được văn bản từ mẫu.", {"file": [detail]}
    )
