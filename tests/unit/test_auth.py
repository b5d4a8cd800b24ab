"""Identity and unit scoping (docs/contracts.md, Roles and scoping): tokens in, Principal out,
access decided."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared import auth, auth_settings, auth_tokens
from shared.auth import (
    Principal,
    principal_from_header,
    require_roles,
    require_unit_access,
    unit_scope,
)
from shared.auth_settings import AuthConfigError, AuthSettings
from shared.auth_tokens import TokenVerifier, mint_token
from shared.errors import Forbidden, Unauthorized

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
HS = AuthSettings(
    mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
)


def officer_token(settings: AuthSettings = HS, **overrides: Any) -> str:
    claims: dict[str, Any] = {
        "sub": "u-42",
        "name": "Nguyễn Văn An",
        "unit": "SO_TC",
        "roles": ["unit_officer"],
    }
    claims.update(overrides)
    return mint_token(settings, **claims)


def principal(roles: set[str], unit: str | None = None) -> Principal:
    return Principal(sub="x", name="X", unit=unit, roles=frozenset(roles))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rs_settings(key: rsa.RSAPrivateKey) -> AuthSettings:
    return replace(HS, mode="rs256", secret=None, public_key=public_pem(key))


# --- HS256 -----------------------------------------------------------------------------------


def test_hs256_token_round_trips_into_the_same_principal() -> None:
    got = TokenVerifier(HS).verify(officer_token())
    assert got == Principal(
        sub="u-42", name="Nguyễn Văn An", unit="SO_TC", roles=frozenset({"unit_officer"})
    )


def test_expired_token_is_refused() -> None:
    token = officer_token(now=datetime.now(UTC) - timedelta(hours=2), ttl_seconds=3600)
    with pytest.raises(Unauthorized, match="hết hạn"):
        TokenVerifier(HS).verify(token)


def test_token_expired_within_the_leeway_is_still_accepted() -> None:
    token = officer_token(now=datetime.now(UTC) - timedelta(seconds=3610), ttl_seconds=3600)
    assert TokenVerifier(HS).verify(token).sub == "u-42"


def test_token_without_exp_is_accepted() -> None:
    token = officer_token(ttl_seconds=None)
    assert "exp" not in jwt.decode(token, options={"verify_signature": False})
    assert TokenVerifier(HS).verify(token).sub == "u-42"


def test_token_signed_with_another_secret_is_refused() -> None:
    token = officer_token(replace(HS, secret="another-secret-that-is-also-long-enough"))
    with pytest.raises(Unauthorized):
        TokenVerifier(HS).verify(token)


def test_garbage_token_is_refused_with_a_vietnamese_detail() -> None:
    with pytest.raises(Unauthorized) as caught:
        TokenVerifier(HS).verify("not.a.jwt")
    assert caught.value.detail == "Token không hợp lệ."
    assert unicodedata.is_normalized("NFC", caught.value.detail)


def test_issuer_is_not_checked_when_not_configured() -> None:
    token = officer_token(replace(HS, issuer="https://sso.example.vn"))
    assert TokenVerifier(HS).verify(token).sub == "u-42"


def test_token_from_another_issuer_is_refused_when_issuer_is_configured() -> None:
    verifier = TokenVerifier(replace(HS, issuer="https://sso.thanhhoa.gov.vn"))
    with pytest.raises(Unauthorized, match="iss"):
        verifier.verify(officer_token(replace(HS, issuer="https://evil.example")))
    with pytest.raises(Unauthorized, match="iss"):
        verifier.verify(officer_token())


def test_token_with_an_audience_is_accepted_when_no_audience_is_configured() -> None:
    token = officer_token(replace(HS, audience="some-other-app"))
    assert TokenVerifier(HS).verify(token).sub == "u-42"


def test_audience_is_checked_when_configured() -> None:
    ours = replace(HS, audience="nhiemvu")
    assert TokenVerifier(ours).verify(officer_token(ours)).sub == "u-42"
    with pytest.raises(Unauthorized, match="aud"):
        TokenVerifier(ours).verify(officer_token(replace(HS, audience="some-other-app")))
    with pytest.raises(Unauthorized, match="aud"):
        TokenVerifier(ours).verify(officer_token())


def test_token_without_roles_is_refused() -> None:
    token = jwt.encode({"sub": "u-1", "name": "A"}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized, match="roles"):
        TokenVerifier(HS).verify(token)


def test_token_without_sub_is_refused() -> None:
    token = jwt.encode({"roles": ["office"]}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized, match="sub"):
        TokenVerifier(HS).verify(token)


def test_unknown_roles_are_ignored_and_a_missing_unit_is_allowed() -> None:
    claims = {"sub": "lanh-dao", "roles": ["leader", "superuser"], "unit": None}
    got = TokenVerifier(HS).verify(jwt.encode(claims, SECRET, algorithm="HS256"))
    assert got.roles == frozenset({"leader"})
    assert got.unit is None
    assert got.name == "lanh-dao"


def test_name_is_normalised_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Lê Thị Hằng")
    got = TokenVerifier(HS).verify(officer_token(name=decomposed))
    assert got.name == "Lê Thị Hằng"


def test_minting_refuses_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="superuser"):
        officer_token(roles=["superuser"])


# --- RS256 and JWKS --------------------------------------------------------------------------


def test_rs256_token_verifies_against_the_configured_public_key(rsa_key: rsa.RSAPrivateKey) -> None:
    settings = rs_settings(rsa_key)
    token = officer_token(settings, private_key=private_pem(rsa_key))
    assert TokenVerifier(settings).verify(token).unit == "SO_TC"


def test_hs256_token_is_refused_when_rs256_is_configured(rsa_key: rsa.RSAPrivateKey) -> None:
    settings = rs_settings(rsa_key)
    verifier = TokenVerifier(settings)
    with pytest.raises(Unauthorized):
        verifier.verify(officer_token())
    # The classic confusion attack: HMAC keyed with the public key that the server trusts.
    with pytest.raises(Unauthorized):
        verifier.verify(hs256_signed_with(str(settings.public_key)))


def hs256_signed_with(key: str) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"sub": "attacker", "roles": ["office"]}).encode())
    signature = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


@pytest.fixture
def jwks_server(rsa_key: rsa.RSAPrivateKey) -> Iterator[tuple[str, list[str]]]:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True)
    body = json.dumps({"keys": [{**jwk, "kid": "key-2026", "use": "sig", "alg": "RS256"}]})
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", hits
    finally:
        server.shutdown()
        server.server_close()


def test_rs256_token_verifies_against_a_jwks_url_and_the_keys_are_cached(
    rsa_key: rsa.RSAPrivateKey,
    jwks_server: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    url, hits = jwks_server
    settings = replace(HS, mode="rs256", secret=None, jwks_url=url)
    verifier = TokenVerifier(settings)
    token = officer_token(settings, private_key=private_pem(rsa_key), key_id="key-2026")
    assert verifier.verify(token).sub == "u-42"
    assert verifier.verify(token).sub == "u-42"
    assert len(hits) == 1
    stranger = officer_token(settings, private_key=private_pem(rsa_key), key_id="unknown")
    with pytest.raises(Unauthorized):
        verifier.verify(stranger)


def test_the_webs_own_key_and_the_providers_jwks_are_trusted_side_by_side(
    rsa_key: rsa.RSAPrivateKey,
    jwks_server: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    url, _ = jwks_server
    web_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings = replace(
        HS,
        mode="rs256",
        secret=None,
        public_key=public_pem(web_key),
        jwks_url=url,
        public_key_id="nhiemvu-web",
    )
    verifier = TokenVerifier(settings)
    # The web's token names its key; a machine client's names the provider's (in the JWKS).
    web = officer_token(settings, private_key=private_pem(web_key), key_id="nhiemvu-web")
    client = officer_token(settings, private_key=private_pem(rsa_key), key_id="key-2026")
    assert verifier.verify(web).unit == verifier.verify(client).unit == "SO_TC"
    # Neither key stands in for the other.
    forged = officer_token(settings, private_key=private_pem(rsa_key), key_id="nhiemvu-web")
    with pytest.raises(Unauthorized):
        verifier.verify(forged)
    unlisted = officer_token(settings, private_key=private_pem(web_key), key_id="key-2026")
    with pytest.raises(Unauthorized):
        verifier.verify(unlisted)


# --- Authorization header --------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "   ", "Basic dXNlcjpwdw==", "Bearer", "Bearer a b"])
def test_missing_or_malformed_authorization_header_is_unauthorized(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        principal_from_header(TokenVerifier(HS), header)


def test_bearer_scheme_is_case_insensitive() -> None:
    assert principal_from_header(TokenVerifier(HS), f"bearer {officer_token()}").sub == "u-42"


def test_flask_request_is_authenticated_from_its_authorization_header() -> None:
    flask = pytest.importorskip("flask")
    app = flask.Flask(__name__)
    headers = {"Authorization": f"Bearer {officer_token()}"}
    with app.test_request_context("/api/workflow/tasks", headers=headers):
        assert auth.authenticate_request(TokenVerifier(HS)).unit == "SO_TC"
    with app.test_request_context("/api/workflow/tasks"), pytest.raises(Unauthorized):
        auth.authenticate_request(TokenVerifier(HS))


# --- Roles and unit scoping ------------------------------------------------------------------


def test_actor_for_the_audit_trail_carries_the_strongest_role() -> None:
    actor = principal({"office", "office_lead"}, unit="VP_UBND").to_actor()
    assert actor == {"sub": "x", "name": "X", "role": "office_lead", "unit": "VP_UBND"}
    assert principal({"office"}).is_office
    assert not principal({"leader"}).is_office


def test_require_roles_refuses_a_caller_with_none_of_them() -> None:
    require_roles(principal({"office"}), "office", "office_lead")
    with pytest.raises(Forbidden, match="Văn phòng UBND tỉnh"):
        require_roles(principal({"unit_officer"}, unit="SO_TC"), "office", "office_lead")


def test_unit_officer_sees_own_and_coordinating_tasks_but_not_other_units() -> None:
    officer = principal({"unit_officer"}, unit="SO_TC")
    require_unit_access(officer, "SO_TC", write=True)
    require_unit_access(officer, "SO_XD", ["SO_TC"])
    with pytest.raises(Forbidden):
        require_unit_access(officer, "SO_XD", ["SO_TC"], write=True)
    with pytest.raises(Forbidden):
        require_unit_access(officer, "SO_XD", ["SO_YT"])
    assert unit_scope(officer) == frozenset({"SO_TC"})


def test_office_sees_and_changes_every_task() -> None:
    office = principal({"office"}, unit="VP_UBND")
    require_unit_access(office, "SO_XD", write=True)
    assert unit_scope(office) is None


def test_leader_reads_every_task_but_may_not_write() -> None:
    leader = principal({"leader"})
    require_unit_access(leader, "SO_XD")
    with pytest.raises(Forbidden):
        require_unit_access(leader, "SO_XD", write=True)
    assert unit_scope(leader) is None


def test_roles_without_a_unit_scope_see_no_tasks() -> None:
    for caller in (principal({"inspector"}), principal({"unit_officer"}, unit=None)):
        assert unit_scope(caller) == frozenset()
        with pytest.raises(Forbidden):
            require_unit_access(caller, "SO_TC")


# --- Settings from the environment -----------------------------------------------------------


def test_development_falls_back_to_the_default_secret() -> None:
    settings = AuthSettings.from_env({})
    assert (settings.mode, settings.secret) == ("hs256", auth_settings.DEV_SECRET)
    assert settings.leeway_seconds == 30


def test_production_without_a_secret_fails_clearly() -> None:
    with pytest.raises(AuthConfigError, match="JWT_SECRET"):
        AuthSettings.from_env({"NHIEMVU_ENV": "production"})
    with pytest.raises(AuthConfigError, match="JWT_SECRET"):
        AuthSettings.from_env(
            {
                "NHIEMVU_ENV": "production",
                "JWT_ALGORITHM": "HS256",
                "JWT_SECRET": auth_settings.DEV_SECRET,
            }
        )


def test_production_accepts_a_long_secret_and_never_shows_it() -> None:
    env = {"NHIEMVU_ENV": "production", "JWT_SECRET": SECRET, "JWT_ISSUER": "sso"}
    settings = AuthSettings.from_env(env)
    assert (settings.secret, settings.issuer, settings.audience) == (SECRET, "sso", None)
    assert SECRET not in repr(settings)


def test_rs256_settings_read_the_public_key_from_env_or_file(
    rsa_key: rsa.RSAPrivateKey, tmp_path: Any
) -> None:
    pem = public_pem(rsa_key)
    one_line = pem.strip().replace("\n", "\\n")
    from_env = AuthSettings.from_env({"NHIEMVU_ENV": "production", "JWT_PUBLIC_KEY": one_line})
    assert (from_env.mode, from_env.public_key, from_env.secret) == ("rs256", pem.strip(), None)
    (tmp_path / "jwt.pem").write_text(pem)
    env = {"JWT_ALGORITHM": "RS256", "JWT_PUBLIC_KEY_FILE": str(tmp_path / "jwt.pem")}
    from_file = AuthSettings.from_env(env)
    token = officer_token(from_file, private_key=private_pem(rsa_key))
    assert TokenVerifier(from_file).verify(token).sub == "u-42"


def test_rs256_without_any_key_source_fails_clearly() -> None:
    settings = AuthSettings.from_env({"JWT_ALGORITHM": "RS256"})
    with pytest.raises(AuthConfigError, match="JWT_JWKS_URL"):
        TokenVerifier(settings)
    with pytest.raises(AuthConfigError, match="ES256"):
        AuthSettings.from_env({"JWT_ALGORITHM": "ES256"})


# --- Verified tokens kept --------------------------------------------------------------------


class _Clock:
    """`time.time` as shared.auth_tokens reads it, moved by the test; PyJWT reads the real one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.now(UTC).timestamp()
        monkeypatch.setattr(auth_tokens.time, "time", lambda: self.now)


def _decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens PyJWT checks in full from now on."""
    seen: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(auth_tokens.jwt, "decode", counted)
    return seen


def test_a_verified_token_is_answered_from_memory_until_its_exp_and_leeway(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock(monkeypatch)
    decodes = _decodes(monkeypatch)
    issued = datetime.fromtimestamp(clock.now, UTC)
    token = officer_token(now=issued, ttl_seconds=60)
    verifier = TokenVerifier(HS)
    assert verifier.verify(token) == verifier.verify(token)
    assert decodes == [token]
    exp = int(issued.timestamp()) + 60
    clock.now = exp + HS.leeway_seconds - 0.001  # the full check would still accept it
    assert verifier.verify(token).sub == "u-42"
    assert decodes == [token]
    clock.now = exp + HS.leeway_seconds  # the first instant PyJWT refuses it: checked in full

    def expired(token: str, *args: Any, **kwargs: Any) -> Any:
        decodes.append(token)  # PyJWT reads the real time: what it says at `clock.now`
        raise jwt.ExpiredSignatureError("Signature has expired")

    monkeypatch.setattr(auth_tokens.jwt, "decode", expired)
    for _ in range(2):
        with pytest.raises(Unauthorized, match="hết hạn"):
            verifier.verify(token)
    assert decodes == [token, token, token]


def test_a_token_without_exp_is_checked_again_after_the_verified_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock(monkeypatch)
    decodes = _decodes(monkeypatch)
    token = officer_token(ttl_seconds=None)
    verifier = TokenVerifier(HS)
    verifier.verify(token)
    clock.now += auth_tokens.VERIFIED_SECONDS - 1
    verifier.verify(token)
    assert len(decodes) == 1
    clock.now += 1
    verifier.verify(token)
    assert len(decodes) == 2


def test_a_refused_token_is_never_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    decodes = _decodes(monkeypatch)
    token = officer_token(now=datetime.now(UTC) - timedelta(hours=2), ttl_seconds=3600)
    verifier = TokenVerifier(HS)
    for _ in range(2):
        with pytest.raises(Unauthorized, match="hết hạn"):
            verifier.verify(token)
    forged = jwt.encode({"sub": "x", "roles": ["office"]}, "another-secret-of-32-bytes-or-more!")
    for _ in range(2):
        with pytest.raises(Unauthorized):
            verifier.verify(forged)
    assert decodes == [token, token, forged, forged]


def test_the_verified_tokens_kept_are_bounded_least_recently_used_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(auth_tokens, "VERIFIED_TOKENS", 2)
    decodes = _decodes(monkeypatch)
    first, second, third = (officer_token(sub=f"u-{n}") for n in range(3))
    verifier = TokenVerifier(HS)
    verifier.verify(first)
    verifier.verify(second)
    verifier.verify(first)  # kept, and now the most recently used
    verifier.verify(third)  # drops `second`
    verifier.verify(first)
    verifier.verify(second)
    assert decodes == [first, second, third, second]
