"""Email: Vietnamese Jinja2 templates per event type (plain text and HTML) and SMTP sending."""

from __future__ import annotations

import json
import smtplib
import ssl
import unicodedata
from email.header import Header
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import jinja2

from services.notify.config import ChannelSettings
from services.notify.webhooks import DeliveryError

TEMPLATES = Path(__file__).parent / "templates"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def render(name: str, context: dict[str, Any]) -> dict[str, str]:
    """Subject, text and HTML of an email; `name` is an event type or "digest"."""
    found = {t for t in _ENV.list_templates() if t.startswith("email/")}
    base = f"email/{name}" if f"email/{name}.txt.j2" in found else "email/_default"
    text = _ENV.get_template(f"{base}.txt.j2").render(**context)
    html = _ENV.get_template(f"{base}.html.j2").render(**context)
    subject = context.get("subject") or context["title"]
    return {"subject": _nfc(f"[Nhiệm vụ] {subject}"), "text": _nfc(text), "html": _nfc(html)}


def payload(to: str, rendered: dict[str, str]) -> str:
    return json.dumps({"to": to, **rendered}, ensure_ascii=False)


class _Utf8(str):
    """A credential that smtplib's `.encode("ascii")` turns into UTF-8 (RFC 4616, RFC 4954)."""

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return str.encode(self, "utf-8", errors)


class _SMTP(smtplib.SMTP):
    """smtplib.SMTP whose AUTH LOGIN and PLAIN take non-ASCII user names and passwords: the
    standard one raises UnicodeEncodeError on "Mật khẩu" instead of authenticating."""

    def auth(self, mechanism: str, authobject: Any, *, initial_response_ok: bool = True) -> Any:
        def utf8(challenge: bytes | None = None) -> Any:
            answer = authobject(challenge)
            return None if answer is None else _Utf8(answer)

        return super().auth(mechanism, utf8, initial_response_ok=initial_response_ok)


def send(settings: ChannelSettings, stored: str, message_id_domain: str = "nhiemvu.local") -> None:
    content = json.loads(stored)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = content["to"]
    # Encoded here: Python's own folding of a long non-ASCII header drops the space between two
    # encoded words (CPython gh-144156), which turned "kết quả thực hiện" into "kết quảthực hiện".
    message.set_raw("Subject", Header(content["subject"], "utf-8", header_name="Subject").encode())
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    message.set_content(content["text"])
    message.add_alternative(content["html"], subtype="html")
    try:
        with _SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                # Verified against the system's CAs, or SMTP_CA_FILE's (a private CA): never off.
                cafile = settings.smtp_ca_file or None
                smtp.starttls(context=ssl.create_default_context(cafile=cafile))
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        # Never the password: only the server's answer and the error's kind.
        raise DeliveryError(f"SMTP {type(exc).__name__}: {str(exc)[:300]}") from exc
