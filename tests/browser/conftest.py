"""Browser tests: Playwright driving the machine's own Chromium against the running system.

Every test under tests/browser is marked `browser`. Playwright's own browser download is not used:
the tests drive Debian's `chromium` (`CHROMIUM_PATH`, else /usr/bin/chromium or `chromium` on
PATH), headless, with `--no-sandbox` (CI runs as root). With no browser the tests are skipped with
the reason, unless REQUIRE_BROWSER=1 (CI sets it), in which case they fail.

Fixtures:
- `web_system` (session): `nhiemvu serve` in a subprocess, as `make run` starts it (demo data
  included), on a free port with a temporary DATA_DIR; yields its base URL.
- `browser` (session); `page` (a fresh context per test, 1280×900); `phone_page` (360×740, touch).
  Both pages fail their test on an uncaught script error or a Content-Security-Policy refusal, and
  save a screenshot `FAILED-<test>.png` when the test failed.

Helpers (import them from this module): `shot(page, name)`, `axe_check(page, name)`,
`sign_in(page, base_url, role, unit)`, `api_token(role, unit)`. Artefacts go to
var/artifacts/{screenshots,axe}/ (ARTIFACTS_DIR overrides var/artifacts).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from services.demo import demo_documents
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from tests.polling import WaitTimeout, wait_for

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR") or ROOT / "var" / "artifacts")
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_RESULTS = ARTIFACTS / "axe"
DEMO_TASKS = sum(len(document["tasks"]) for document in demo_documents(date.today()))
SECRET = "browser-secret-0123456789-0123456789-abcdef"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
FAILING_IMPACTS = ("serious", "critical")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


# -- finding the browser ---------------------------------------------------------------------------
def find_chromium() -> str | None:
    """CHROMIUM_PATH if set (it must exist), else Debian's chromium, else `chromium` on PATH."""
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright is not installed ({exc}); run make install"
    if find_chromium() is None:
        where = os.environ.get("CHROMIUM_PATH") or " or ".join(CHROMIUM_CANDIDATES)
        return f"no Chromium found at {where} (apt-get install chromium, or set CHROMIUM_PATH)"
    return None


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder `browser`; skip them all when there is no browser."""
    missing = _missing_browser()
    for item in items:
        if HERE not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if missing and not _browser_required():
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {missing}"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so that page fixtures know whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium_path() -> str:
    missing = _missing_browser()
    if missing:
        if _browser_required():
            pytest.fail(f"{missing} (REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(f"browser tests skipped: {missing}")
    path = find_chromium()
    assert path is not None
    return path


# -- the system under test -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


@pytest.fixture(scope="session")
def web_system(chromium_path: str) -> Iterator[str]:
    """The whole embedded system as `make run` serves it (APIs and web, demo data), on a free port
    with its own DATA_DIR; yields the base URL, e.g. http://127.0.0.1:41234."""
    workdir = Path(tempfile.mkdtemp(prefix="nv-browser-"))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "NHIEMVU_ENV": "development",
        "DATA_DIR": str(workdir / "var"),
        "PORT": str(port),
        "WEB_API_URL": base_url,
        "JWT_SECRET": SECRET,
        "BUS_NAMESPACE": f"browser{uuid.uuid4().hex[:8]}",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        # the code of this checkout, whatever the venv's editable install points at
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    log_path = workdir / "serve.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "nhiemvu"), "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise WaitTimeout(f"nhiemvu serve ended with {process.returncode}")
            return _ready(f"{base_url}/readyz")

        try:
            wait_for(ready, 120, f"nhiemvu serve on {base_url}", interval=0.2)
        except WaitTimeout as stopped:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
            pytest.fail(f"nhiemvu serve did not become ready on {base_url} ({stopped}):\n{tail}")
        # Ready means serving; the demo's tasks reach workflow through the bus after that.
        wait_for(
            lambda: _demo_tasks_assigned(base_url),
            60,
            "the demo's tasks assigned in workflow",
            interval=0.2,
        )
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _demo_tasks_assigned(base_url: str) -> bool:
    answer = requests.get(
        f"{base_url}/api/workflow/tasks?status=assigned",
        headers={"Authorization": f"Bearer {api_token('office', 'VP_UBND')}"},
        timeout=5,
    )
    return answer.ok and answer.json()["total"] >= DEMO_TASKS


def api_token(role: str, unit: str | None, *, name: str | None = None) -> str:
    """A bearer token that `web_system`'s APIs accept, to prepare data without the browser."""
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    return mint_token(
        settings,
        sub=f"{role}.{unit}.{uuid.uuid4().hex[:6]}",
        name=name or f"{role} {unit}",
        unit=unit,
        roles=[role],
    )


# -- the browser -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def playwright_instance(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Any, chromium_path: str) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path,
        headless=True,
        args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=vi-VN"],
        # Chromium draws date fields in its own UI language, which it takes from LANGUAGE (with
        # Debian's chromium-l10n installed): dd/mm/yyyy, as a Vietnamese user's browser shows.
        # LANG stays a UTF-8 locale the machine has: without one, Chromium cannot write a
        # download's Vietnamese name and calls it "download".
        env={**os.environ, "LANG": "C.UTF-8", "LANGUAGE": "vi"},
    )
    try:
        yield browser
    finally:
        browser.close()


def _watch(page: Any) -> list[str]:
    """Record what must never happen on our pages: uncaught script errors and CSP refusals."""
    problems: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", on_console)
    page.problems = problems
    return problems


def _page(browser: Any, request: pytest.FixtureRequest, **options: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = _watch(page)
    try:
        yield page
        call = getattr(request.node, "report_call", None)
        failed_shot = f"FAILED-{_slug(request.node.name)}"
        if call is not None and call.failed:
            shot(page, failed_shot)
        else:  # a screenshot of an earlier failure would mislead
            (SCREENSHOTS / f"{failed_shot}.png").unlink(missing_ok=True)
        if call is not None and call.passed and problems:
            pytest.fail("the page reported problems:\n  " + "\n  ".join(problems), pytrace=False)
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies), 1280×900, Vietnamese locale."""
    yield from _page(browser, request, viewport=DESKTOP)


@pytest.fixture
def phone_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh context on a 360×740 touch phone screen (commune officers use phones)."""
    yield from _page(browser, request, viewport=PHONE, is_mobile=True, has_touch=True)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]


# -- helpers ---------------------------------------------------------------------------------------
def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of the page as var/artifacts/screenshots/<name>.png; returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_check(
    page: Any,
    name: str,
    *,
    context: Any = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the vendored axe-core on the page as it is now. Writes the full result to
    var/artifacts/axe/<name>.json, fails (AssertionError) on any serious or critical violation,
    listing each with its id, help and targets, and returns the result.

    The script is evaluated through the browser's debugging protocol, so the page's own
    Content-Security-Policy (no inline scripts) stays on and does not stop it."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;void 0")
    result: dict[str, Any] = page.evaluate(
        """async ([context, options]) => {
            const result = await window.axe.run(context || document, options || {});
            return JSON.parse(JSON.stringify(result));
        }""",
        [context, options or {"resultTypes": ["violations", "incomplete"]}],
    )
    AXE_RESULTS.mkdir(parents=True, exist_ok=True)
    (AXE_RESULTS / f"{_slug(name)}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    failing = [v for v in result.get("violations", []) if v.get("impact") in FAILING_IMPACTS]
    if failing:
        lines = [f"axe-core: {len(failing)} serious or critical violation(s) on {name!r}:"]
        for violation in failing:
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                f" <{violation.get('helpUrl', '')}>"
            )
            for node in violation.get("nodes", [])[:10]:
                lines.append(f"    at {node.get('target')}: {node.get('failureSummary', '')!r}")
        raise AssertionError("\n".join(lines))
    return result


def _choose(page: Any, field: Any, value: str) -> None:
    """Set a form field to `value`: a <select> by option value, anything else by typing."""
    tag = field.evaluate("element => element.tagName.toLowerCase()")
    if tag == "select":
        field.select_option(value=value, force=not field.is_visible())
    else:
        field.fill(value, force=not field.is_visible())


def sign_in(page: Any, base_url: str, role: str, unit: str) -> None:
    """Sign in through the development login form (`GET /login`): fields `role` and `unit`
    (the unit chosen by its code, the option's value) and the form's submit button."""
    page.goto(f"{base_url.rstrip('/')}/login")
    form = page.locator("form", has=page.locator("[name=role]")).first
    _choose(page, form.locator("[name=unit]").first, unit)
    _choose(page, form.locator("[name=role]").first, role)
    with page.expect_navigation():
        form.locator("[type=submit]").first.click()
    if page.url.split("?")[0].rstrip("/").endswith("/login"):
        message = page.locator("body").inner_text()[:1000]
        raise AssertionError(f"signing in as {role} of {unit} failed; the page says:\n{message}")
