"""The browser for the tests: headless Debian chromium driven by Playwright for Python, in one place.

Where chromium is and how it is launched, when a browser test skips, the bundled site built with
``mkdocs build --strict`` and served on localhost, a page that records what must never happen (a dialog,
a request leaving the site, a script error) and fails the test on it, and the moves a visitor makes in
Material's search box and in the dispatcher's lookup.

Needs ``apt-get install chromium fonts-noto-cjk`` and ``pip install playwright`` (no browser download:
Playwright drives the Debian chromium through ``executable_path``). A browser test module::

    import chromium
    chromium.require("jieba")                  # module-level skips, before anything needs them

    @pytest.fixture(scope="module")
    def server(tmp_path_factory):
        with chromium.serve(chromium.build_site(tmp_path_factory.mktemp("site") / "site")) as url:
            yield url

    @pytest.fixture
    def page(browser, server):                 # browser: the conftest fixture, chromium.launch() per module
        with chromium.watched_page(browser, server) as pg:
            yield pg
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socketserver
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if Path(p).exists()), None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
NO_CHROMIUM = "chromium is not installed (apt-get install chromium fonts-noto-cjk)"
NO_PLAYWRIGHT = "playwright is not installed (pip install playwright)"


def require(*modules: str) -> None:
    """Skip the calling test module (at import) unless chromium, Playwright, mkdocs-material, the bundled
    city and the ``modules`` named are all there."""
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM, allow_module_level=True)
    pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    for name in modules:
        pytest.importorskip(name)
    if not (ROOT / "lists" / "boundaries").is_dir():
        pytest.skip("the bundled sample city is not there", allow_module_level=True)


@contextlib.contextmanager
def launch():
    """Chromium, headless, for the time of the block; the test skips when it cannot start here."""
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)
    with sync_api.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # noqa: BLE001 — a chromium that cannot start here is an environment problem
            pytest.skip(f"chromium could not be started: {exc}")
        try:
            yield browser
        finally:
            browser.close()


def build_site(site: Path, cwd: Path = ROOT) -> Path:
    """``mkdocs build --strict`` of the repository at ``cwd`` (the bundled one by default) into ``site``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=cwd,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return site


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """The folder ``site`` served on a free port of 127.0.0.1 for the time of the block; its URL."""
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def watched_page(browser, server: str, *, console_errors: bool = True):
    """A new page (1280×900, zh-CN) that records in ``page.dialogs``, ``page.outside`` and ``page.errors``
    every dialog (dismissed), every request leaving ``server`` and every script error (and console error,
    unless ``console_errors`` is False); when the block ends, each must be empty."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.dialogs, page.outside, page.errors = [], [], []

    def dialog(d):
        page.dialogs.append(f"{d.type}: {d.message} @ {page.url}")
        d.dismiss()
    page.on("dialog", dialog)
    page.on("request", lambda r: page.outside.append(r.url)
            if not r.url.startswith(server) and not r.url.startswith(("data:", "blob:")) else None)
    page.on("pageerror", lambda e: page.errors.append(f"{e} @ {page.url}"))
    if console_errors:
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    yield page
    assert page.dialogs == [], f"dialogs opened: {page.dialogs}"
    assert page.outside == [], f"requests outside the site: {page.outside}"
    assert page.errors == [], f"browser errors: {page.errors}"
    context.close()


# ---- what a visitor does --------------------------------------------------------------------------
def open_search(page) -> None:
    """Material's search box opened (the page already loaded)."""
    page.locator("label.md-search__icon, .md-search__input").first.click()


def type_search(page, query: str) -> None:
    """``query`` typed into the open search box after what is there."""
    page.locator("input.md-search__input").focus()
    page.keyboard.insert_text(query)
    page.keyboard.press("End")          # Material searches on keyup; inserting text fires none


def open_lookup(page, server: str, timeout: int = 10000) -> None:
    """The dispatcher's lookup page, once its data is loaded."""
    page.goto(server + "lookup/")
    page.locator("#pk-lookup[data-loaded]").wait_for(state="attached", timeout=timeout)


def ask_lookup(page, query: str, timeout: int = 5000) -> None:
    """``query`` put to the open lookup page; returns once it has answered (its status line is written)."""
    page.evaluate("() => { document.getElementById('pk-lookup-status').textContent = ''; }")
    page.locator("#pk-lookup-input").fill(query)
    page.wait_for_function("() => document.getElementById('pk-lookup-status').textContent !== ''", timeout=timeout)
