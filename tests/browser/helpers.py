"""What the browser journeys share: signing in, the checks every page passes, and the
words a refused form leaves in the console. The shared fixtures (a fresh page, the
published tasks, the categories) are in conftest.py beside this file.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.utils import timezone

from platform_core.models import User
from platform_core.permissions import is_privileged
from platform_core.tests.factories import PASSWORD
from platform_core.tests.two_factor import sign_in_with_two_factor


def sign_in(page, site: str, user: User) -> None:
    """Through the real sign-in form."""
    page.goto(site + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def sign_in_with_cookie(page, site: str, user: User) -> None:
    """A session made by the test client goes into the browser: force_login, or
    for officers and staff a real sign-in with a TOTP code (force_login records no second factor)."""
    client = Client()
    if is_privileged(user):
        sign_in_with_two_factor(client, user)
    else:
        client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])


# What axe-core leaves to judgement (or rates below serious) but GOV.UK pages must get right:
# one h1, headings that never skip a level on the way down, links whose text tells
# them apart, and tables with a caption and headers scoped to their column or row.
STRUCTURE_JS = """() => {
  const problems = [];
  const h1s = document.querySelectorAll('h1');
  if (h1s.length !== 1) problems.push(`${h1s.length} h1 elements`);
  let previous = 1;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (level > previous + 1) problems.push(`h${level} after h${previous}: ${h.textContent.trim()}`);
    previous = level;
  }
  const links = {};
  for (const a of document.querySelectorAll('a[href]')) {
    const name = a.textContent.replace(/\\s+/g, ' ').trim();
    (links[name] = links[name] || new Set()).add(a.getAttribute('href'));
  }
  for (const [name, hrefs] of Object.entries(links)) {
    if (hrefs.size > 1) problems.push(`links named "${name}" go to ${[...hrefs].join(', ')}`);
  }
  for (const table of document.querySelectorAll('table')) {
    const caption = table.querySelector('caption');
    const name = (caption && caption.textContent.trim()) || table.getAttribute('aria-label') || '';
    if (!name) problems.push(`table without a caption: ${table.querySelector('th')?.textContent.trim()}`);
    for (const th of table.querySelectorAll('thead th')) {
      if (th.getAttribute('scope') !== 'col') problems.push(`column header without scope: ${th.textContent.trim()}`);
    }
    for (const th of table.querySelectorAll('tbody th')) {
      if (th.getAttribute('scope') !== 'row') problems.push(`row header without scope: ${th.textContent.trim()}`);
    }
  }
  return problems;
}"""


def script_errors(page) -> list[str]:
    """What the browser logged as errors, less a refused form's 400: every refused form is
    answered 400 (ADR 0012), which Chromium logs as a failed load, sometimes after the page
    has rendered. That is no script error."""
    return [e for e in page.js_errors if "the server responded with a status of 400" not in e]


def accessible(page, axe, what: str = "") -> None:
    """axe-core finds nothing serious or critical, the structure is sound, and no script failed."""
    where = what or page.url
    violations = axe(page)
    assert violations == [], f"{where}: {violations}"
    assert page.evaluate(STRUCTURE_JS) == [], where
    assert script_errors(page) == [], f"{where}: {script_errors(page)}"


def heading_is(page, text: str) -> None:
    """The page's h1 (waiting for the next page to load after a click)."""
    from playwright.sync_api import expect

    expect(page.locator("h1")).to_have_text(text)


def question(page, heading: str, *, error: bool = False) -> None:
    """A question page: its h1, and a <title> that is the same words (prefixed "Error: " once)."""
    heading_is(page, heading)
    title = page.title().rsplit(" – ", 1)[0]
    assert title == (f"Error: {heading}" if error else heading), page.title()


def form_refused(page) -> None:
    """A form sent back with its errors: the page again, with its error summary."""
    page.locator(".govuk-error-summary").wait_for()


def help_date():
    return timezone.localdate() + timedelta(days=9)
