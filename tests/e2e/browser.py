"""A real browser for the console's tests: Debian's Chromium, driven by Playwright.

Playwright's own browser download cannot be reached here, so it drives the system's Chromium (`make chromium`
installs it). Every test saves a screenshot under tests/screenshots/ (gitignored) for people to look at.
"""

import atexit
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


@dataclass
class PageWatch:
    """What a page did besides rendering: every request's origin, and every console error (a CSP violation is one)."""

    origins: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


_shared: list[Any] = []
"""(playwright, browser): one per test process, since Playwright's sync API runs one driver per thread."""


def _close_shared() -> None:
    if _shared:
        playwright, browser = _shared
        browser.close()
        playwright.stop()


def launch_browser() -> Iterator[Any]:
    """The process's Chromium (started on first use, closed at exit), for every test module that needs one."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium package) first")
    if not _shared:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _shared.extend([playwright, playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)])
        atexit.register(_close_shared)
    yield _shared[1]


def watch(page: object) -> PageWatch:
    watched = PageWatch()

    def on_request(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        watched.requests.append(url)
        parts = urlsplit(url)
        if parts.scheme in {"http", "https"}:
            watched.origins.add(f"{parts.scheme}://{parts.netloc}")

    def on_console(message: object) -> None:
        if message.type == "error":  # type: ignore[attr-defined]
            watched.errors.append(message.text)  # type: ignore[attr-defined]

    page.on("request", on_request)  # type: ignore[attr-defined]
    page.on("console", on_console)  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: watched.errors.append(str(error)))  # type: ignore[attr-defined]
    return watched


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
