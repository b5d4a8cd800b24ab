"""Email: Vietnamese Jinja2 templates per event type (plain text and HTML) and SMTP sending."""

from __future__ import annotations

import json
import smtplib
import ssl
import unicodedata
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


def send(settings: ChannelSettings, stored: str, message_id_domain: str = "nhiemvu.local") -> None:
    content = json.loads(stored)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = content["to"]
    message["Subject"] = content["subject"]
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    message.set_content(content["text"])
    message.add_alternative(content["html"], subtype="html")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        # Never the password: only the server's answer and the error's kind.
        raise DeliveryError(f"SMTP {type(exc).__name__}: {str(exc)[:300]}") from exc
