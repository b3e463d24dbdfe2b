"""Admin pages in a real browser: Debian's headless Chromium, driven by Playwright, against pytest-django's live server.

Chromium comes from the distribution (`apt-get install chromium`, done by scripts/with-services.sh and .ci/run when
they run as root), never from `playwright install`, which downloads browser builds. Every run gets a fresh profile,
and the switches below keep Chromium from calling home: on a closed network those connections are refused and only
slow it down. Screenshots go to var/screenshots/ in the working tree, where they stay after the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from renos.roles import OFFICE, roles_apply
from tests.factories import UserFactory

CHROMIUM = Path(os.environ.get("RENOS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "kodeord-123"  # what UserFactory sets
TIMEOUT_MS = 10_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium against the live server (needs chromium)")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium per test module; each test gets its own context (cookies, storage) from it."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's package. Install it as "
            "root with `apt-get install -y chromium` (make test does so when run as root), or set RENOS_CHROMIUM "
            "to where it is.",
            pytrace=False,
        )
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM calls from a thread
    # with a running loop. The test code is synchronous throughout, so the check has nothing to protect here.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # launch() starts Chromium on a new, empty user-data directory of its own and removes it afterwards.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Session:
    """A browser tab on the live server, with what the page logged as errors."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"{path}: {response.status if response else 'no response'}"

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        """Through the admin's own login form, as a person would."""
        index = reverse("admin:index")
        self.open(f"{reverse('admin:login')}?next={index}")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("#login-form [type=submit]")
        self.page.wait_for_url(self.base_url + index)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def _record(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        # Chromium asks for /favicon.ico on its own, whatever the page links; the admin has no icon to serve.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.errors.append(f"{message.text} ({url})")


@pytest.fixture
def browsing(chromium: Browser, live_server) -> Iterator[Session]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, timezone_id="Europe/Copenhagen")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    session = Session(page, live_server.url)
    page.on("console", session._record)
    page.on("pageerror", lambda error: session.errors.append(f"uncaught: {error}"))
    yield session
    context.close()


@pytest.fixture
def office_user(seeded_catalogue):
    """A member of the office staff (the Kontor group), as the roles give it: no superuser shortcuts."""
    roles_apply()
    user = UserFactory(username="mette", first_name="Mette", is_staff=True)
    user.groups.add(Group.objects.get(name=OFFICE))
    return user
