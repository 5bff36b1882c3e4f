"""Browser tests: a real Chromium (Debian's /usr/bin/chromium, never a downloaded one) driven by
Playwright against pytest-django's live server.

They are opt-in, chosen by an environment variable rather than a command-line option: an option
would be known to pytest only when this directory is named on the command line (pytest reads
`pytest_addoption` from initial conftests only), so `pytest --browser` from the repository root
would fail, while an environment variable works however pytest is started. Without it every
test marked `browser` is skipped, so `make test` and a plain `pytest` stay fast and need no browser.

    RUN_BROWSER_TESTS=1 .venv/bin/python -m pytest tests/browser -m browser -q -p no:xdist

Screenshots of every screen go to $SCREENSHOT_DIR (default: artifacts/screenshots/ at the
repository root, ignored by git); a failing test also leaves FAILED-<test>.png there.
"""

import os
import re
from pathlib import Path

import pytest

PASSWORD = "correct horse battery"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
REPO_ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    in_browser = [item for item in items if item.get_closest_marker("browser")]
    if os.environ.get("RUN_BROWSER_TESTS") != "1":
        skip = pytest.mark.skip(reason="browser test: run with RUN_BROWSER_TESTS=1 (see tests/browser/conftest.py)")
        for item in in_browser:
            item.add_marker(skip)
        return
    # Run them last: once the session's browser is up, this process allows async-unsafe ORM calls
    # (see `browser`), and no other test should run, or start a subprocess, in that state.
    chosen = set(in_browser)
    items[:] = [item for item in items if item not in chosen] + in_browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so the page fixture can tell a failed test.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR") or REPO_ROOT / "artifacts" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("FAILED-*.png"):  # from an earlier run: they would point at fixed failures
        stale.unlink()
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, so Django would refuse
    # the ORM calls the fixtures make here ("You cannot call this from an async context").
    # Only this thread's fixtures are affected, and only while the browser is up.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def live_cast(transactional_db, live_server, cast):
    """The shared cast (tests/conftest.py), committed so the live server's thread sees it."""
    return cast


@pytest.fixture
def new_page(request, browser, live_server, screenshot_dir):
    """Open a page in a fresh browser context (its own cookies). Chromium asks for English, as
    most of our users' browsers do: the site must still answer in Vietnamese.

    Every page fails the test on a JavaScript error, a missing static file or anything the
    Content-Security-Policy blocked."""
    contexts = []
    problems = []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-US")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"blocked: {message.text}") if "Content Security Policy" in message.text else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                problems.append(f"{response.status} {response.url}")
                if "/static/" in response.url and response.status >= 400
                else None
            ),
        )
        return page

    yield open_page

    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for number, context in enumerate(contexts):
        if failed:
            for page in context.pages:
                name = re.sub(r"[^\w.-]+", "_", request.node.name)
                page.screenshot(path=screenshot_dir / f"FAILED-{name}-{number}.png", full_page=True)
        context.close()
    assert not problems, problems


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def shoot(screenshot_dir):
    """Save a full-page screenshot of what the user sees now."""

    def save(page, name: str):
        page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)

    return save


def log_in(page, username: str, password: str = PASSWORD):
    """Log in through the form, by its labels as a person reads them (Django's own Vietnamese).

    Roles with two-step sign-in go on as a person would: the first time, set up the authenticator
    with the key shown on the page (the code computed as the phone would) and pass the backup
    codes; later, give one of those backup codes (a code of the app works once per 30 seconds)."""
    from base64 import b32decode

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_static.models import StaticToken

    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.locator("main form").get_by_role("button").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/two-factor/setup/" in page.url:
        key = b32decode(page.locator("#two-factor-key").inner_text().replace(" ", "").replace("\n", ""))
        page.locator("input[name=code]").fill(f"{TOTP(key).token():06d}")
        page.locator("main form").get_by_role("button").click()
        page.wait_for_url(lambda url: "/accounts/two-factor/backup-codes/" in url)
        page.locator("main a.btn-primary").click()
    elif "/accounts/two-factor/verify/" in page.url:
        token = StaticToken.objects.filter(device__user__username=username).first()
        page.locator("input[name=code]").fill(token.token)
        page.locator("main form").get_by_role("button").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
