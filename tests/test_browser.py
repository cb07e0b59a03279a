"""The built handbook in a real browser: Debian's chromium, headless, driven by Playwright.

The handbook is built (as ``make handbook`` does) into a temporary directory and served from a
local ``http.server`` on 127.0.0.1. The test follows a quote's link to its passage anchor and the
passage's "quoted in" link back, checks that no page logs a console error and that phone-width
pages do not scroll sideways, and saves screenshots of a source page and a commentary page
(desktop and phone width) under ``build/test-artifacts/``.

Playwright only drives the browser: it never downloads one (``playwright install`` is not used).
When chromium is missing (``make test`` installs it through ``make browser-deps`` when it can),
the test is skipped with a loud reason.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_handbook import REPO, Handbook, shared_handbook  # same directory, pytest's rootdir import

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "build" / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
COMMENTARY = "commentary/contingent.html"


def find_chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Handbook, str]]:
    """The handbook, built and served on a free loopback port: (handbook, base URL)."""
    book = shared_handbook(tmp_path_factory)
    assert book.returncode == 0, book.log
    handler = functools.partial(_QuietHandler, directory=str(book.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield book, f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless chromium context with a throw-away profile; console errors are collected."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright (the `test` extra) is not installed"
    )
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(
            "BROWSER TEST SKIPPED: no chromium on this machine "
            "(run `make browser-deps` as root, or `apt-get install chromium`)"
        )
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        context.errors = []  # type: ignore[attr-defined]
        try:
            yield context
        finally:
            context.close()


def open_page(context, url: str, viewport: dict[str, int]):
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.on(
        "console",
        lambda msg: (
            context.errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: context.errors.append(f"{page.url}: {exc}"))
    page.on(
        "response",
        lambda r: context.errors.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None,
    )
    page.goto(url)
    page.wait_for_load_state("load")
    return page


_TARGET_ON_SCREEN = """() => {
    const el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!el) return false;
    const box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
}"""


def target_of(page) -> dict:
    """The element the URL's fragment names: its id, classes and whether it is on screen."""
    # The theme may scroll smoothly: give it a moment to bring the target on screen; a target
    # that never shows up is reported by the assertions on the facts returned below.
    with contextlib.suppress(Exception):
        page.wait_for_function(_TARGET_ON_SCREEN, timeout=5_000)
    return page.evaluate(
        """() => {
            const id = decodeURIComponent(location.hash.slice(1));
            const el = document.getElementById(id);
            if (!el) return {id, found: false};
            const box = el.getBoundingClientRect();
            return {id, found: true, classes: Array.from(el.classList),
                    visible: box.bottom > 0 && box.top < window.innerHeight};
        }"""
    )


def screenshot(page, name: str) -> Path:
    """Save what the page shows, once the scroll to its fragment (if any) has settled."""
    if "#" in page.url:
        target_of(page)
        page.evaluate(
            """() => {
                const el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
                if (el) el.scrollIntoView({block: "start", behavior: "instant"});
            }"""
        )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def test_quote_link_to_passage_and_quoted_in_back(served, browser):
    _book, base = served
    page = open_page(browser, base + COMMENTARY, DESKTOP)
    quote_link = page.locator(".karabakh-quote .karabakh-attribution a[href*='sources/']").first
    href = quote_link.get_attribute("href")
    assert href and "#" in href
    quote_link.click()
    page.wait_for_url("**/sources/**#*")
    passage = target_of(page)
    assert passage["found"], f"{page.url}: the quote's target anchor does not exist"
    assert {"karabakh-passage", "karabakh-sentence"} & set(passage["classes"]), passage
    assert passage["visible"], "the browser did not scroll to the passage"

    # The passage (or the paragraph holding the sentence) lists this page under "quoted in".
    paragraph = page.locator(f"#{passage['id']}").locator(
        "xpath=ancestor-or-self::*[contains(concat(' ', @class, ' '), ' karabakh-passage ')]"
    )
    back = paragraph.locator(".karabakh-quoted-in a[href*='contingent']").first
    assert back.count() == 1, "the quoted passage has no 'quoted in' link to the commentary page"
    back.click()
    page.wait_for_url("**/commentary/contingent.html#*")
    quote = target_of(page)
    assert quote["found"], f"{page.url}: the 'quoted in' link's anchor does not exist"
    assert {"karabakh-quote", "karabakh-q"} & set(quote["classes"]), quote
    page.close()


def test_screenshots_desktop_and_phone(served, browser):
    _book, base = served
    shots = []
    for name, rel in (
        ("source", "sources/legiec-2020.html#legiec-2020-p4"),
        ("commentary", COMMENTARY),
    ):
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page = open_page(browser, base + rel, viewport)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 1, f"{rel} scrolls sideways by {overflow}px at {label} width"
            shots.append(screenshot(page, f"handbook-{name}-{label}.png"))
            page.close()
    for shot in shots:
        assert shot.stat().st_size > 10_000, f"{shot} looks empty"


def test_no_console_errors(served, browser):
    _book, base = served
    for rel in (
        "index.html",
        "sources/anggraeni-2022.html",
        "commentary/term.html",
        "commentary/turkey.html",
        "guide/index.html",
    ):
        open_page(browser, base + rel, DESKTOP).close()
    assert browser.errors == [], "\n".join(browser.errors)


def test_pages_fit_a_phone_screen(served, browser):
    """No page scrolls sideways at phone width (wide tables and code scroll inside themselves)."""
    book, base = served
    pages = sorted(
        p.relative_to(book.out).as_posix()
        for p in book.out.glob("**/*.html")
        if p.parent.name in {"sources", "commentary", "references", "guide"}
        or (p.name == "index.html" and p.parent == book.out)
    )
    assert len(pages) >= 15
    wide = []
    for rel in pages:
        page = open_page(browser, base + rel, PHONE)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            wide.append(f"{rel}: {overflow}px")
        page.close()
    assert wide == [], "pages wider than a phone screen:\n" + "\n".join(wide)
