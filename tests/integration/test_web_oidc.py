"""The web's production sign-in against a real, certified OpenID provider, not a mock.

tests/oidc_provider/server.js runs node's `oidc-provider` on a free loopback port (installed with
`npm ci` on first use, then kept in tests/oidc_provider/node_modules). A requests.Session plays
the browser at the provider (its own login and consent forms, cookies, redirects); Flask's test
client plays it at the web. Skipped when node or npm is missing, unless REQUIRE_SERVICES=1."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import select
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey

from services.web.oidc import ClaimNames, NotMapped, identity_from_claims, safe_next
from shared.auth_settings import AuthSettings
from shared.auth_tokens import TokenVerifier
from tests.conftest import require_services
from tests.polling import wait_for

HARNESS = Path(__file__).resolve().parents[1] / "oidc_provider"
WEB = "https://web.test"
CALLBACK = f"{WEB}/auth/callback"
SIGNED_OUT = f"{WEB}/signed-out"
CLIENT = {
    "client_id": "nhiemvu-web",
    "client_secret": secrets.token_urlsafe(24),
    "redirect_uris": [CALLBACK],
    "post_logout_redirect_uris": [SIGNED_OUT],
}
ACCOUNTS = {
    # "quan_tri" is not a role of the platform: it must grant nothing.
    "can-bo-so-tc": {
        "name": "Nguyễn Văn An",
        "unit": "SO_TC",
        "roles": ["unit_officer", "quan_tri"],
    },
}
NO_ROLES = "khach"  # any other login: the provider vouches for it, with no unit and no roles
HTTP_TIMEOUT = 10


# -- the provider --------------------------------------------------------------------------------
def _probe_node() -> None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not on PATH (install Debian's nodejs and npm)")


def _install_harness() -> None:
    wanted = json.loads((HARNESS / "package.json").read_text())["dependencies"]["oidc-provider"]
    installed = HARNESS / "node_modules" / "oidc-provider" / "package.json"
    if installed.exists() and json.loads(installed.read_text()).get("version") == wanted:
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=HARNESS,
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    require_services("The OpenID provider (node's oidc-provider)", _probe_node)
    _install_harness()
    env = {
        **os.environ,
        "OIDC_TEST_CLIENT": json.dumps(CLIENT),
        "OIDC_TEST_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    with (
        tempfile.TemporaryFile() as stderr,
        subprocess.Popen(
            ["node", "server.js"],
            cwd=HARNESS,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        ) as proc,
    ):
        try:
            yield _wait_for_provider(proc, stderr)
        finally:
            assert proc.stdin is not None
            proc.stdin.close()  # the harness exits when its standard input closes
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_for_provider(proc: subprocess.Popen[bytes], stderr: Any) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    line = proc.stdout.readline() if ready else b""
    if not line:
        proc.kill()
        stderr.seek(0)
        pytest.fail(f"the OpenID provider did not start: {stderr.read().decode()[-2000:]}")
    issuer = json.loads(line)["issuer"]

    def discovered() -> requests.Response | None:
        answer = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
        return answer if answer.ok else None

    discovery = wait_for(
        discovered,
        timeout=30,
        what="the OpenID provider's discovery document",
        interval=0.1,
        ignore=(requests.RequestException,),
    )
    assert discovery.json()["issuer"] == issuer
    return issuer


# -- the web and the browser ---------------------------------------------------------------------
def web_env(issuer: str, **extra: str) -> dict[str, str]:
    return {
        "NHIEMVU_ENV": "production",
        "WEB_SECRET_KEY": secrets.token_urlsafe(32),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT["client_id"],
        "OIDC_CLIENT_SECRET": CLIENT["client_secret"],
        **extra,
    }


def make_web(env: dict[str, str]) -> Any:
    from services.web.app import create_app

    app = create_app(env)
    app.testing = True
    return app.test_client()


class _Forms(HTMLParser):
    """Every <form> of a page: its action, method and fields (hidden inputs and named buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({**a, "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")


def forms_of(page: requests.Response) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(page.text)
    return parser.forms


def at_provider(browser: requests.Session, url: str) -> requests.Response | str:
    """Follow the provider's redirects: its next page, or the URL that sends the browser back to
    the web (returned as a string, for the web's test client to open)."""
    for _ in range(10):
        if url.startswith(WEB):
            return url
        answer = browser.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        if not answer.is_redirect:
            return answer
        url = urljoin(url, answer.headers["Location"])
    raise AssertionError("the provider redirected too often")


def submit(browser: requests.Session, page: requests.Response, **fields: str) -> Any:
    """Post the page's form as a person would, then follow where it leads."""
    form = forms_of(page)[0]
    action = urljoin(page.url, form["action"])
    answer = browser.post(
        action, data={**form["fields"], **fields}, allow_redirects=False, timeout=HTTP_TIMEOUT
    )
    assert answer.is_redirect, answer.text[:500]
    return at_provider(browser, urljoin(action, answer.headers["Location"]))


def sign_in_at_provider(web: Any, browser: requests.Session, login: str, path: str) -> str:
    """GET path at the web (a /login), sign in and consent at the provider; the callback URL."""
    started = web.get(f"{WEB}{path}")
    assert started.status_code == 302, started.text
    page = at_provider(browser, started.headers["Location"])
    if isinstance(page, str):  # still signed in at the provider, consent given: straight back
        return page
    assert page.status_code == 200 and 'name="login"' in page.text, page.text[:500]
    consent = submit(browser, page, login=login, password="mat-khau-bat-ky")
    if isinstance(consent, str):  # consent already given in this browser
        return consent
    back = submit(browser, consent)
    assert isinstance(back, str) and back.startswith(CALLBACK), back
    return back


def session_of(web: Any) -> dict[str, Any]:
    with web.session_transaction(base_url=WEB) as session:
        return dict(session)


# -- the journey -------------------------------------------------------------------------------
def test_sign_in_with_pkce_maps_claims_and_logout_ends_both_sessions(issuer: str) -> None:
    env = web_env(issuer)
    web, browser = make_web(env), requests.Session()

    started = web.get(f"{WEB}/login?next=/tasks%3Fstatus%3Doverdue")
    assert started.status_code == 302
    authorize = urlsplit(started.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert started.headers["Location"].startswith(f"{issuer}/auth?")
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and "openid" in query["scope"].split()
    assert query["redirect_uri"] == CALLBACK and query["client_id"] == CLIENT["client_id"]
    pending = session_of(web)["oidc_flow"]
    assert pending["next"] == "/tasks?status=overdue" and "code_verifier" not in query
    digest = hashlib.sha256(pending["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]

    login_page = at_provider(browser, started.headers["Location"])
    assert isinstance(login_page, requests.Response)
    consent = submit(browser, login_page, login="can-bo-so-tc", password="mat-khau-bat-ky")
    assert isinstance(consent, requests.Response) and consent.status_code == 200
    back = submit(browser, consent)
    assert isinstance(back, str) and back.startswith(f"{CALLBACK}?")
    assert parse_qs(urlsplit(back).query)["iss"] == [issuer]

    done = web.get(back)
    assert done.status_code == 302, done.text
    assert done.headers["Location"] == "/tasks?status=overdue"
    session = session_of(web)
    assert "oidc_flow" not in session
    assert session["person"] == {
        "sub": "can-bo-so-tc",
        "name": "Nguyễn Văn An",
        "unit": "SO_TC",
        "roles": ["unit_officer"],
    }
    # The token the four services will see: verified with the platform's own settings.
    principal = TokenVerifier(AuthSettings.from_env(env)).verify(session["api_token"])
    assert (principal.sub, principal.name, principal.unit) == (
        "can-bo-so-tc",
        "Nguyễn Văn An",
        "SO_TC",
    )
    assert principal.roles == frozenset({"unit_officer"})
    id_token = session["oidc_id_token"]

    out = web.post(f"{WEB}/logout", data={"csrf_token": session["csrf"]})
    assert out.status_code == 302
    assert "person" not in session_of(web) and "api_token" not in session_of(web)
    end = urlsplit(out.headers["Location"])
    assert f"{end.scheme}://{end.netloc}{end.path}" == f"{issuer}/session/end"
    assert parse_qs(end.query) == {
        "client_id": [CLIENT["client_id"]],
        "post_logout_redirect_uri": [SIGNED_OUT],
        "id_token_hint": [id_token],
    }
    confirm = at_provider(browser, out.headers["Location"])
    assert isinstance(confirm, requests.Response) and confirm.status_code == 200
    assert submit(browser, confirm, logout="yes") == SIGNED_OUT
    signed_out = web.get(SIGNED_OUT)
    assert signed_out.status_code == 200 and "Đã đăng xuất" in signed_out.get_data(as_text=True)

    # The provider's session ended too: signing in again asks for the login, not straight back.
    again = web.get(f"{WEB}/login")
    page = at_provider(browser, again.headers["Location"])
    assert isinstance(page, requests.Response) and 'name="login"' in page.text


def test_a_tampered_state_is_refused(issuer: str) -> None:
    web, browser = make_web(web_env(issuer)), requests.Session()
    back = sign_in_at_provider(web, browser, "can-bo-so-tc", "/login")
    state = parse_qs(urlsplit(back).query)["state"][0]
    tampered = back.replace(f"state={state}", f"state={state[:-2]}xy")

    refused = web.get(tampered)
    assert refused.status_code == 400
    assert "Phiên đăng nhập" in refused.get_data(as_text=True)
    assert "person" not in session_of(web)
    # The pending sign-in was spent: the genuine callback does not work afterwards either.
    assert web.get(back).status_code == 400
    assert "person" not in session_of(web)


def test_a_callback_without_the_pkce_verifier_in_session_is_refused(issuer: str) -> None:
    web, browser = make_web(web_env(issuer)), requests.Session()
    back = sign_in_at_provider(web, browser, "can-bo-so-tc", "/login")
    with web.session_transaction(base_url=WEB) as session:
        flow = dict(session["oidc_flow"])
        del flow["code_verifier"]
        session["oidc_flow"] = flow

    refused = web.get(back)
    assert refused.status_code == 400
    assert "person" not in session_of(web)

    # Another browser (no pending sign-in at all) with the same code and state: refused too.
    stranger = make_web(web_env(issuer))
    assert stranger.get(back).status_code == 400
    assert "person" not in session_of(stranger)

    # And the provider itself will not exchange the code without the verifier (PKCE required).
    code = parse_qs(urlsplit(back).query)["code"][0]
    token = requests.post(
        f"{issuer}/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(CLIENT["client_id"], CLIENT["client_secret"]),
        timeout=HTTP_TIMEOUT,
    )
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"


def test_the_id_token_and_the_response_are_checked(issuer: str) -> None:
    """A nonce that is not this sign-in's, a key that is not the provider's, or an authorization
    response that names another issuer (RFC 9207): each is refused."""
    web, browser = make_web(web_env(issuer)), requests.Session()

    back = sign_in_at_provider(web, browser, "can-bo-so-tc", "/login")
    with web.session_transaction(base_url=WEB) as session:
        session["oidc_flow"] = {**session["oidc_flow"], "nonce": "not-the-one-sent"}
    assert web.get(back).status_code == 400
    assert "person" not in session_of(web)

    # The JWKS the web fetched from discovery, replaced by a key of the same id but not the
    # provider's: the ID token's signature no longer verifies.
    client = web.application.extensions["authlib.integrations.flask_client"].province
    genuine = client.server_metadata["jwks"]["keys"][0]
    impostor = RSAKey.generate_key(2048).as_dict(private=False)
    client.server_metadata["jwks"] = {"keys": [{**impostor, "kid": genuine["kid"]}]}
    back = sign_in_at_provider(web, browser, "can-bo-so-tc", "/login")
    assert web.get(back).status_code == 400
    assert "person" not in session_of(web)

    client.server_metadata["jwks"] = {"keys": [genuine]}
    back = sign_in_at_provider(web, browser, "can-bo-so-tc", "/login")
    mixed_up = back.replace(f"iss={quote(issuer, safe='')}", "iss=https%3A%2F%2Fidp.example")
    assert mixed_up != back
    assert web.get(mixed_up).status_code == 400
    assert "person" not in session_of(web)


def test_a_person_without_unit_or_roles_gets_a_vietnamese_403_page(issuer: str) -> None:
    web, browser = make_web(web_env(issuer)), requests.Session()
    back = sign_in_at_provider(web, browser, NO_ROLES, "/login")

    refused = web.get(back)
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "chưa được phân vai trò" in text and "Văn phòng UBND tỉnh" in text
    assert f"{NO_ROLES}@thanhhoa.gov.vn" in text
    assert "person" not in session_of(web) and "api_token" not in session_of(web)


def test_the_offices_mapping_table_fills_absent_claims_and_next_stays_on_site(
    issuer: str, tmp_path: Path
) -> None:
    table = tmp_path / "role-map.json"
    table.write_text(
        json.dumps(
            {f"{NO_ROLES.upper()}@ThanhHoa.gov.vn": {"unit": "SO_XD", "roles": ["unit_head"]}}
        ),
        encoding="utf-8",
    )
    env = web_env(issuer, OIDC_ROLE_MAP_FILE=str(table))
    web, browser = make_web(env), requests.Session()
    back = sign_in_at_provider(web, browser, NO_ROLES, "/login?next=//evil.example/phishing")

    done = web.get(back)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    person = session_of(web)["person"]
    assert (person["unit"], person["roles"]) == ("SO_XD", ["unit_head"])
    principal = TokenVerifier(AuthSettings.from_env(env)).verify(session_of(web)["api_token"])
    assert (principal.unit, principal.roles) == ("SO_XD", frozenset({"unit_head"}))


# -- the pieces, without a provider ----------------------------------------------------------------
def test_claims_map_by_configured_names_and_unknown_roles_grant_nothing() -> None:
    names = ClaimNames(unit="nhiemvu.unit", roles="https://thanhhoa.gov.vn/roles")
    claims = {
        "sub": "a1",
        "preferred_username": "tran.b",
        "nhiemvu": {"unit": " SO_YT "},
        "https://thanhhoa.gov.vn/roles": "unit_head, qlvb agency admin",
    }
    assert identity_from_claims(claims, names) == {
        "sub": "a1",
        "name": "tran.b",
        "unit": "SO_YT",
        "roles": ["unit_head"],  # qlvb and agency are machines' roles, never a person's
    }
    with pytest.raises(NotMapped, match="chưa được gán đơn vị"):
        identity_from_claims({"sub": "a2", "roles": ["unit_officer"]}, ClaimNames("unit", "roles"))
    office = identity_from_claims({"sub": "a3", "roles": ["office"]}, ClaimNames("unit", "roles"))
    assert office["unit"] is None and office["roles"] == ["office"]


def test_an_unreachable_provider_gives_a_vietnamese_503_page_not_a_crash() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    web = make_web(web_env(f"http://127.0.0.1:{closed_port}"))
    page = web.get(f"{WEB}/login")
    assert page.status_code == 503
    assert "Không kết nối được hệ thống đăng nhập" in page.get_data(as_text=True)
    assert "oidc_flow" not in session_of(web)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/tasks?status=overdue", "/tasks?status=overdue"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("tasks", "/"),
        (None, "/"),
    ],
)
def test_next_is_only_a_path_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
