"""What the browser tests share: an app served by uvicorn on a free loopback port, Debian's headless Chromium,
and a fresh page per test that fails the test if the page's own script throws.

A test module imports the ``browser`` and ``page`` fixtures from here and defines ``base_url`` with ``serve_index``
(or ``serve``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect, sync_playwright

from cyberlex.api.main import create_app
from cyberlex.corpus.catalog import Catalog

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1366, "height": 768}
PATIENCE_MS = 15_000  # two shared cores: a search can take seconds while other tests load models

expect.set_options(timeout=PATIENCE_MS)


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """The app's base URL while uvicorn serves it from a background thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def serve_index(built: AbstractContextManager[tuple], catalog: Catalog) -> Iterator[str]:
    """The app over the index a test module builds (``api_index.small_index``, ``legal_index.legal_index``), served:
    its base URL."""
    with built as (settings, searcher, *_):
        with serve(create_app(settings, searcher, catalog)) as url:
            yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport=LAPTOP)
    context.set_default_timeout(PATIENCE_MS)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == [], f"the page's script failed: {errors}"
