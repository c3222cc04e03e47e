"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live_server.

One chromium per test session (per xdist worker; see Chromium below), a fresh context per test,
against the ``county`` from tests/support.py committed by ``transactional_db``. Set SHOTS_DIR to also
save screenshots of the pages the tests pass through, at 1366×768 and at a 390×844 phone width
(``name-desktop.png``/``name-phone.png`` as the screen shows them, ``-full`` for the whole page);
``overflow.txt`` beside them lists pages wider than the phone screen.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


class Chromium:
    """One Playwright + chromium for the run, started on first use and stopped after the e2e tests.

    Playwright's sync API keeps an asyncio loop running in the test thread while it is started.
    Django would then refuse the ORM calls the tests make between browser steps
    (SynchronousOnlyOperation), so DJANGO_ALLOW_ASYNC_UNSAFE is set — Django's documented switch
    for this case — but only while Playwright runs: the loop also breaks asyncio.run() and
    async_to_sync() for other tests that share the process, so it is stopped (and the switch
    restored) as soon as the next test is not a browser test.
    """

    def __init__(self) -> None:
        self._pw = None
        self._browser = None
        self._env = None

    def browser(self):
        if self._browser is None:
            from playwright.sync_api import expect, sync_playwright

            self._env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            expect.set_options(timeout=TIMEOUT_MS)
            self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
        return self._browser

    def stop(self) -> None:
        if self._pw is None:
            return
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._pw.stop()
            self._pw = self._browser = None
            if self._env is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._env


_CHROMIUM = Chromium()
E2E_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        if nextitem is None or E2E_DIR not in Path(str(nextitem.path)).resolve().parents:
            _CHROMIUM.stop()


@pytest.fixture(scope="session")
def chromium():
    """The session's browser holder; skips only when Debian chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    yield _CHROMIUM
    _CHROMIUM.stop()


@pytest.fixture
def browser(chromium):
    return chromium.browser()


@pytest.fixture
def county(transactional_db, live_server):
    """The small test county, committed so the live server's thread sees it."""
    from support import build_county

    return build_county()


class PageProblems:
    """JavaScript errors and failed static assets seen by a page; a test fails on any."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.items.append(f"JS error: {exc}"))
        page.on("response", self._response)

    def _response(self, response) -> None:
        if (
            response.request.resource_type in {"script", "stylesheet", "image", "font"}
            and response.status >= 400
        ):
            self.items.append(f"{response.status} {response.url}")


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=DESKTOP,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    problems = PageProblems()
    problems.attach(pg)
    yield pg
    context.close()
    assert not problems.items, "browser reported problems:\n" + "\n".join(problems.items)


@pytest.fixture
def login(page):
    """login(username) fills the login form like a user and waits for the landing page."""
    from support import PASSWORD

    def _login(username: str, password: str = PASSWORD, expect_success: bool = True):
        page.goto("/accounts/login/")
        page.get_by_label("账号").fill(username)
        page.get_by_label("密码").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="登录", exact=True).click()
        if expect_success:
            assert "/accounts/login/" not in page.url, f"{username} was not logged in"
        return page

    return _login


@pytest.fixture
def wait_tree(page):
    """Wait for the HTMX-loaded organisation tree in the side pane."""

    def _wait():
        page.locator("#tree ul.tree").first.wait_for(state="visible")
        page.wait_for_load_state("networkidle")
        return page.locator("#tree")

    return _wait


@pytest.fixture
def open_node(page):
    """open_node(org): open a folder in the tree like a user (loading its children by HTMX once)."""

    def _open(org):
        toggle = page.locator(f'#tree button[data-toggle-children="kids-{org.pk}"]')
        toggle.wait_for(state="visible")
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        page.locator(f"#kids-{org.pk}").wait_for(state="visible")
        page.wait_for_load_state("networkidle")
        return toggle

    return _open


@pytest.fixture
def snap(page):
    """snap(name): screenshots at desktop and phone width when SHOTS_DIR is set; else nothing."""
    shots = os.environ.get("SHOTS_DIR")

    def _snap(name: str) -> None:
        if not shots:
            return
        out = Path(shots)
        out.mkdir(parents=True, exist_ok=True)
        page.wait_for_load_state("networkidle")
        before = page.viewport_size or DESKTOP
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=out / f"{name}-desktop.png")
        page.screenshot(path=out / f"{name}-desktop-full.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(150)
        wide = page.evaluate(
            """() => {
                const vw = window.innerWidth;
                const over = [];
                for (const el of document.querySelectorAll('body *')) {
                    const r = el.getBoundingClientRect();
                    if (r.width && r.right > vw + 1 && !el.closest('.table-wrap')) {
                        over.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                                  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\\s+/g, '.') : '') +
                                  ' right=' + Math.round(r.right));
                    }
                }
                return {scroll: document.documentElement.scrollWidth, vw, over: over.slice(0, 8)};
            }"""
        )
        page.screenshot(path=out / f"{name}-phone.png")
        page.screenshot(path=out / f"{name}-phone-full.png", full_page=True)
        with (out / "overflow.txt").open("a", encoding="utf-8") as fh:
            flag = "OVERFLOW" if wide["scroll"] > wide["vw"] else "ok"
            fh.write(
                f"{name}: {flag} scrollWidth={wide['scroll']} vw={wide['vw']} {wide['over']}\n"
            )
        page.set_viewport_size(before)

    return _snap


@pytest.fixture
def full_id_numbers():
    """full_id_numbers() -> every member's plain ID number, to prove a page or file shows none."""

    def _all() -> list[str]:
        from dangjian.core.crypto import provider
        from dangjian.members.models import Member

        encs = Member.objects.values_list("id_number_enc", flat=True)
        return [provider().decrypt(enc) for enc in encs if enc]

    return _all
