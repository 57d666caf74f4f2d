"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Playwright cannot download its own browsers here, so we launch /usr/bin/chromium.
The live server serves static files through the staticfiles handler, so the
compiled stylesheet in static/build/ must exist: run `npm ci && npm run build`.
Every test here is marked `browser` (skipped without Chromium outside CI).
The shared fixtures are here; the shared checks and sign-in helpers are in helpers.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django then refuses
# ORM calls from it (SynchronousOnlyOperation) although nothing here is async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BUILT_CSS = ROOT / "static" / "build" / "application.css"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db, council):
    """The live server's base URL, with a council (the header's name) in the database."""
    if not BUILT_CSS.exists():
        pytest.fail("static/build/application.css is missing: run `npm ci && npm run build`")
    _warm(live_server.url)
    return live_server.url


_warmed: set[str] = set()


def _warm(url: str) -> None:
    """The first request to a new live server imports the views and compiles the templates,
    which on a busy machine can outlast the browser's 10 s: make it once, here, unhurried
    (each pytest-xdist worker has its own live server)."""
    if url in _warmed:
        return
    from urllib.request import urlopen

    with urlopen(url + "/", timeout=120) as response:  # noqa: S310 - the test's own live server
        response.read()
    _warmed.add(url)


def _open_page(chromium, *, java_script: bool = True):
    """A page in a fresh browser context (its own cookies) whose script errors and
    failed loads are collected in page.js_errors."""
    context = chromium.new_context(
        locale="en-GB", viewport={"width": 1280, "height": 900}, java_script_enabled=java_script
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on("console", lambda msg: page.js_errors.append(msg.text) if msg.type == "error" else None)
    return context, page


@pytest.fixture
def page(chromium):
    context, page = _open_page(chromium)
    yield page
    context.close()


@pytest.fixture
def new_page(chromium):
    """new_page(java_script=True) -> a page in a fresh browser context (its own cookies)."""
    contexts = []

    def make(*, java_script: bool = True):
        context, page = _open_page(chromium, java_script=java_script)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def published_tasks(monkeypatch):
    """Posting a need or an offer announces it to Celery after commit: record it, publish nothing
    (the real worker is tested in matching/tests/test_celery.py)."""
    sent: list[str] = []
    monkeypatch.setattr("platform_core.services.send_task_safely", lambda name, *a, **kw: sent.append(name) or True)
    return sent


@pytest.fixture
def shopping(council):
    from platform_core.models import SafeguardingTier
    from platform_core.tests.factories import ServiceCategoryFactory

    return ServiceCategoryFactory(
        council=council, name="Shopping", slug="shopping", safeguarding_tier=SafeguardingTier.OPEN, price_cap_pence=1500
    )


@pytest.fixture
def transport(council):
    from platform_core.models import SafeguardingTier
    from platform_core.tests.factories import ServiceCategoryFactory

    return ServiceCategoryFactory(
        council=council,
        name="Transport",
        slug="transport",
        safeguarding_tier=SafeguardingTier.ID_CHECKED,
        price_cap_pence=2000,
    )


@pytest.fixture
def axe():
    """axe(page) -> the violations axe-core finds on the page, as dicts."""
    if not AXE_JS.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci`")
    source = AXE_JS.read_text()

    def run(page, impacts=("serious", "critical")) -> list[dict]:
        # evaluate() goes through the DevTools protocol, which the page's CSP does not block.
        page.evaluate(source)
        results = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
        )
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]],
            }
            for v in results["violations"]
            if v["impact"] in impacts
        ]

    return run


@pytest.fixture
def newcomer(council):
    """A resident who has signed up but not yet told us about themself (the root
    conftest's `resident_user` already has a profile)."""
    from platform_core.models import User
    from platform_core.tests.factories import UserFactory

    return UserFactory(role=User.Role.RESIDENT, council=council, full_name="Rose Tyler")
