"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live_server.

One browser per test session (per xdist worker), a fresh context per test. Set SHOTS_DIR to also
save screenshots of the pages the tests pass through, at 1366×768 and at a 390×844 phone width
(``name-desktop.png``/``name-phone.png`` as the screen shows them, ``-full`` for the whole page);
``overflow.txt`` beside them lists pages wider than the phone screen.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop running in this thread, so Django would refuse the
# ORM calls the tests make (SynchronousOnlyOperation). The calls are ordinary blocking ones made
# between browser steps; this is Django's documented switch for exactly that case.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

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


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


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
