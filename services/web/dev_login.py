"""Development sign-in: pick a role and a unit, no password. Registered only when
NHIEMVU_ENV is not production and no OpenID provider is configured (app.py)."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, render_template, request

from services.web import context, labels
from services.web.api_client import ApiClient
from services.web.session import sign_in
from services.web.tokens import mint_api_token


def install(app: Flask) -> None:
    app.add_url_rule("/login", "login", login, methods=["GET"])
    app.add_url_rule("/login", "login_post", login_post, methods=["POST"])


def _units() -> list[Any]:
    settings = context.settings()
    # The units are read with a one-minute token of the sign-in page itself.
    token = mint_api_token(
        settings,
        sub="web.dev-login",
        name="Trang đăng nhập",
        unit=None,
        roles=["office"],
        ttl_seconds=60,
    )
    reader = ApiClient(settings, context.current_app_http(), token)
    return context.directory().active(reader)


def login() -> Any:
    return render_template(
        "login.html",
        units=_units(),
        roles=labels.SIGN_IN_ROLES,
        next=context.safe_next(request.args.get("next")),
        errors={},
        selected={"role": "unit_officer", "unit": ""},
    )


def login_post() -> Any:
    role = request.form.get("role", "")
    unit_code = request.form.get("unit", "").strip()
    target = context.safe_next(request.form.get("next"))
    units = {u.code: u for u in _units()}
    errors: dict[str, list[str]] = {}
    if role not in labels.SIGN_IN_ROLES:
        errors["role"] = ["Chọn một vai trò."]
    if unit_code not in units:
        errors["unit"] = ["Chọn một đơn vị trong danh sách."]
    if errors:
        page = render_template(
            "login.html",
            units=list(units.values()),
            roles=labels.SIGN_IN_ROLES,
            next=target,
            errors=errors,
            selected={"role": role, "unit": unit_code},
        )
        return page, 422
    unit = units[unit_code]
    role_label = labels.SIGN_IN_ROLES[role]
    identity = {
        "sub": f"{role}.{unit.code}".lower(),
        "name": f"Chuyên viên {unit.name}"
        if role_label == unit.name
        else f"{role_label} · {unit.name}",
        "unit": unit.code,
        "roles": [role],
    }
    settings = context.settings()
    token = mint_api_token(settings, **identity, ttl_seconds=settings.session_minutes * 60)
    sign_in(identity, token)
    flash(f"Đã đăng nhập: {identity['name']}.", "success")
    return redirect(target)
