"""With Welsh chosen, nothing a resident sees or receives is left in English.

Two nets, so a string is caught however it was left out:

1. **Every lookup has Welsh.** While the resident journey is walked in Welsh,
   every gettext lookup (templates, forms, models' choices, services' errors,
   Django's and allauth's own words) is recorded; a msgid the Welsh catalogue
   does not translate fails the test, with its text. This catches a string
   that was marked for translation but never translated (a new page of
   another helper's, a new error message).
2. **No English words outside the catalogue.** Each page is rendered in English
   and in Welsh; a piece of text (or an aria-label, a title, a hint) that is
   the same in both must be made of the world's own data (names, references,
   postcodes, the category the council named) or of the few words Welsh
   shares with English. This catches a string that was never marked at all.

The walk is every page of the resident's namespaces, taken from the URL
resolver: a new resident page without a row here fails
`test_every_resident_page_is_walked_in_welsh`. Notifications: every kind a
resident can receive is sent to a Welsh resident who chose e-mail and text,
and the in-app notice, e-mail and text are checked the same way.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real

from matching.models import Match
from matching.tests.factories import ArrangementFactory, ExclusionFactory, MatchFactory, VisitFactory
from platform_core.models import Language, Notification
from platform_core.notifications import kind_list, notify
from platform_core.notifications.kinds import Audience
from platform_core.tests.factories import ApiTokenFactory, ServiceCategoryFactory
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import ContactPreference, Need
from residents.tests.factories import (
    ConsentRecordFactory,
    NeedFactory,
    ReferralFactory,
    ReferrerFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db

# Words Welsh writes as English does (checked by a Welsh speaker, not guessed).
SAME_IN_WELSH = {"Beta", "Help", "Convene", "English", "Cymraeg", "CSV", "JSON", "API", "DBS", "GOV.UK", "999"}

# Pages of these namespaces are the resident's (and, with the referrers' work, the referrer's).
RESIDENT_NAMESPACES = ("residents", "matching", "concerns", "referrals")
# Pages a resident never sees, and why.
NOT_RESIDENT_PAGES = {
    "matching:accept": "the provider's answer (a POST)",
    "matching:done": "the provider's 'done' (a POST)",
    "matching:provider_visits": "the provider's list of visits",
    "matching:visits_export": "the provider's CSV",
    "matching:hours_export": "the provider's CSV",
    "matching:visit_record": "the provider records a visit",
    "matching:confirm": "a POST that redirects",
    "matching:complete": "a POST that redirects",
    "matching:message": "a POST that redirects",
    "matching:review": "a POST that redirects",
    "matching:exclusion_remove": "a POST that redirects",
    "referrals:resident_data": "a JSON download",
}


class Lookups:
    """Records every gettext lookup made while Welsh is active that the Welsh catalogue cannot answer."""

    def __init__(self, monkeypatch) -> None:
        self.missing: dict[str, str] = {}
        self.where = ""
        catalog = trans_real.translation("cy")._catalog
        trans = translation._trans

        def has(key) -> bool:
            found = catalog.get(key)
            return bool(found)

        def check(msgid: str, key) -> None:
            if translation.get_language() == "cy" and re.search(r"[A-Za-z]", msgid) and not has(key):
                self.missing.setdefault(msgid, self.where)

        real = {name: getattr(trans, name) for name in ("gettext", "ngettext", "pgettext", "npgettext")}

        def gettext(message):
            check(message, message)
            return real["gettext"](message)

        def ngettext(singular, plural, number):
            check(singular, (singular, 0))
            return real["ngettext"](singular, plural, number)

        def pgettext(context, message):
            check(f"{message} (context: {context})", f"{context}\x04{message}")
            return real["pgettext"](context, message)

        def npgettext(context, singular, plural, number):
            check(f"{singular} (context: {context})", (f"{context}\x04{singular}", 0))
            return real["npgettext"](context, singular, plural, number)

        for name, function in (
            ("gettext", gettext),
            ("ngettext", ngettext),
            ("pgettext", pgettext),
            ("npgettext", npgettext),
        ):
            monkeypatch.setattr(trans, name, function, raising=False)

    def report(self) -> str:
        return "\n".join(f"  {msgid!r}  (on {where})" for msgid, where in sorted(self.missing.items()))


class _Text(HTMLParser):
    """The words a person reads or hears: text nodes and the attributes read out."""

    SPOKEN = {"aria-label", "title", "alt", "placeholder"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self._skip += 1
        for name, value in attrs:
            if value and (name in self.SPOKEN or name.startswith("data-i18n")):
                self.pieces.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self.pieces.append(data)


def words(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    return {" ".join(p.split()) for p in parser.pieces if re.search(r"[A-Za-z]", p)}


def english_left(english: set[str], welsh: set[str], data: list[str]) -> list[str]:
    """Pieces the same in both languages that are not made of the world's data."""
    left = []
    for piece in sorted(english & welsh):
        rest = piece
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        for word in SAME_IN_WELSH:
            rest = re.sub(rf"\b{re.escape(word)}\b", " ", rest)
        if re.search(r"[A-Za-z]{2,}", rest):
            left.append(piece)
    return left


@pytest.fixture
def welsh_world(council, kingston_postcodes):
    council.welsh_enabled = True
    council.contact_email = "help@kingston.example.org"
    council.save(update_fields=["welsh_enabled", "contact_email"])
    shopping = ServiceCategoryFactory(council=council, name="Shopping", slug="shopping")
    ServiceCategoryFactory(council=council, name="Befriending", slug="befriending")
    resident = ResidentFactory(
        council=council,
        user__full_name="Megan Pritchard",
        user__email="megan@example.org",
        address_line_1="12 Heol y Felin",
        postcode="KT1 1EU",
        contact_preference=ContactPreference.BOTH,
        phone="+447700900123",
    )
    provider = ProviderFactory(council=council, name="Kingston Helpers", description="Local volunteers since 2019.")
    offer = OfferFactory(provider=provider, title="Weekly shop", categories=[shopping])

    def need(title: str, **kwargs) -> Need:
        return NeedFactory(resident=resident, council=council, category=shopping, title=title, **kwargs)

    open_need = need("Shop for the week", description="Bread, milk and tea.")
    draft = need("Lift to the clinic", status=Need.Status.DRAFT, description="Tuesday morning.")
    weekly_draft = need("Weekly chat", status=Need.Status.DRAFT, weekly=True)
    proposed = MatchFactory(need=need("Help with bags"), offer=offer)
    accepted = MatchFactory(need=need("Prescription pick-up"), offer=offer, accepted=True)
    confirmed = MatchFactory(need=need("Garden tidy"), offer=offer, confirmed=True)
    completed = MatchFactory(need=need("Chat on the phone"), offer=offer, completed=True)
    weekly = MatchFactory(need=need("Tuesday shopping", weekly=True), offer=offer, confirmed=True)
    # The member who attends, named on accepting (ADR 0023): the resident reads their first
    # name and the checks they hold ("DBS checked (enhanced), ID checked") in Welsh.
    helper = ProviderMemberFactory(provider=provider, user__full_name="Dafydd Jones")
    EvidenceFactory(provider=provider, member=helper, kind="dbs", reference="001234567890", status="accepted")
    EvidenceFactory(provider=provider, member=helper, kind="id_check", reference="PASS1234", status="accepted")
    Match.objects.filter(pk__in=[accepted.pk, confirmed.pk, weekly.pk]).update(attending_member=helper)
    ArrangementFactory(match=weekly)
    visit = VisitFactory(match=weekly)
    ExclusionFactory(match=completed)
    referrer = ReferrerFactory(council=council, user__full_name="Siân Roberts")
    referral = ReferralFactory(referrer=referrer, resident__user__full_name="Gwilym Evans")
    ConsentRecordFactory(resident=referral.resident, recorded_by=referrer.user)
    NeedFactory(resident=referral.resident, council=council, category=shopping, title="Pension collection")
    # A personal API token (the account's tokens pages are the resident's too).
    token = ApiTokenFactory(user=resident.user, name="Taenlen gartref")
    objects = {
        "token": token,
        "need": open_need,
        "draft": draft,
        "weekly_draft": weekly_draft,
        "proposed": proposed,
        "accepted": accepted,
        "confirmed": confirmed,
        "completed": completed,
        "weekly": weekly,
        "visit": visit,
        "referrer": referrer,
        "referral": referral,
    }
    data = [
        council.name,
        council.short_name,
        council.contact_email,
        "Shopping",
        "Befriending",
        resident.user.full_name,
        resident.user.email,
        resident.address_line_1,
        resident.postcode,
        "KT1",
        provider.name,
        provider.description,
        "Dafydd",
        "Taenlen gartref",
        "Taenlen waith",
        *[
            str(getattr(provider, f.attname))
            for f in provider._meta.concrete_fields
            if f.get_internal_type() == "CharField"
        ],
        offer.title,
        *[n.title for n in Need.objects.filter(resident=resident)],
        *[n.description for n in Need.objects.filter(resident=resident)],
        *[n.reference for n in Need.objects.all()],
        *[n.postcode for n in Need.objects.all()],
        *[n.title for n in Need.objects.all()],
        referrer.user.full_name,
        referrer.organisation,
        referrer.role,
        referral.resident.user.full_name,
        referral.resident.address_line_1,
        referral.resident.postcode,
        referrer.council.name,
    ]
    return resident, objects, data


def _pages(objects) -> list[tuple[str, str, dict | None]]:
    """(url name, url, POST data or None): every page of the journey, and the error states a person meets."""
    need, draft = objects["need"].reference, objects["draft"].reference
    match = {k: objects[k].pk for k in ("proposed", "accepted", "confirmed", "completed", "weekly")}
    pages = [
        ("residents:dashboard", reverse("residents:dashboard"), None),
        ("residents:profile", reverse("residents:profile"), None),
        ("residents:profile", reverse("residents:profile"), {"full_name": ""}),
        ("residents:need_new", reverse("residents:need_new"), None),
        ("residents:need_new", reverse("residents:need_new"), {}),
        ("residents:need_detail", reverse("residents:need_detail", args=[need]), None),
        ("residents:need_detail", reverse("residents:need_detail", args=[draft]), None),
        ("residents:need_confirmation", reverse("residents:need_confirmation", args=[need]), None),
        ("residents:need_cancel", reverse("residents:need_cancel", args=[need]), None),
        ("residents:need_cancel", reverse("residents:need_cancel", args=[need]), {"reason": ""}),
        ("matching:dashboard", reverse("matching:dashboard"), None),
        ("matching:dashboard", reverse("matching:dashboard") + "?past=resident", None),
        ("matching:visits_pause", reverse("matching:visits_pause", args=[match["weekly"]]), None),
        ("matching:visits_pause", reverse("matching:visits_pause", args=[match["weekly"]]), {}),
        ("matching:visits_end", reverse("matching:visits_end", args=[match["weekly"]]), None),
        ("matching:visits", reverse("matching:visits", args=[match["weekly"]]), None),
        ("matching:visit_dispute", reverse("matching:visit_dispute", args=[objects["visit"].pk]), None),
        ("matching:visit_dispute", reverse("matching:visit_dispute", args=[objects["visit"].pk]), {}),
        ("concerns:mine", reverse("concerns:mine"), None),
        ("matching:exclude", reverse("matching:exclude", args=[match["confirmed"]]), None),
        ("matching:exclusions", reverse("matching:exclusions"), None),
        ("concerns:raise", reverse("concerns:raise", args=[match["confirmed"]]), None),
        ("concerns:raise", reverse("concerns:raise", args=[match["confirmed"]]), {"description": ""}),
        ("concerns:report", reverse("concerns:report", args=["offer", objects["proposed"].offer_id]), None),
        ("notifications", reverse("notifications"), None),
        ("account_data", reverse("account_data"), None),
        ("account_erase", reverse("account_erase"), None),
        ("account_erase", reverse("account_erase"), {}),
        ("accessibility", reverse("accessibility"), None),
        ("start", reverse("start"), None),
        ("account_tokens", reverse("account_tokens"), None),
        ("account_tokens", reverse("account_tokens"), {}),
        ("account_tokens", reverse("account_tokens"), {"name": "Taenlen waith", "hours": 24}),
        ("account_token_revoke", reverse("account_token_revoke", args=[objects["token"].token_key]), None),
    ]
    for step in ("category", "what", "when", "times", "where", "preferences", "check"):
        pages.append((f"residents:need_{step}", reverse(f"residents:need_{step}", args=[draft]), None))
        if step not in ("check", "preferences"):  # preferences are all optional: {} is a valid answer
            pages.append((f"residents:need_{step}", reverse(f"residents:need_{step}", args=[draft]), {}))
    weekly_draft = objects["weekly_draft"].reference
    for step in ("times", "repeat"):
        pages.append((f"residents:need_{step}", reverse(f"residents:need_{step}", args=[weekly_draft]), None))
        pages.append((f"residents:need_{step}", reverse(f"residents:need_{step}", args=[weekly_draft]), {}))
    for state, pk in match.items():
        pages.append(("matching:detail", reverse("matching:detail", args=[pk]), None))
        if state in ("proposed", "accepted"):
            pages.append(("matching:decline", reverse("matching:decline", args=[pk]), None))
            pages.append(("matching:decline", reverse("matching:decline", args=[pk]), {}))
        if state in ("accepted", "confirmed"):
            pages.append(("matching:cancel", reverse("matching:cancel", args=[pk]), None))
            pages.append(("matching:cancel", reverse("matching:cancel", args=[pk]), {}))
    return pages


ANONYMOUS_PAGES = [
    "start",
    "accessibility",
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
    "claim",
]
ANONYMOUS_POSTS = {
    "account_login": {"login": "nobody@example.org", "password": "wrong"},
    "account_signup": {},
    "claim": {},
}


def _render(client, pages) -> dict[tuple[str, str], str]:
    seen = {}
    for name, url, post in pages:
        response = client.post(url, post) if post is not None else client.get(url)
        assert response.status_code in (200, 400), f"{name} {url}: {response.status_code}"
        seen[(url, "post" if post is not None else "get")] = response.content.decode()
    return seen


def _walk(client, user, pages, lookups: Lookups | None, language: str) -> dict:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    if lookups is not None:
        rendered = {}
        for page in pages:
            lookups.where = page[1]
            rendered.update(_render(client, [page]))
        return rendered
    return _render(client, pages)


def _referrer_pages(objects) -> list[tuple[str, str, dict | None]]:
    """What a referrer sees: their people, a new person, a person's page, their code, erasure, posting for them."""
    pk = objects["referral"].resident.pk
    return [
        ("referrals:dashboard", reverse("referrals:dashboard"), None),
        ("referrals:apply", reverse("referrals:apply"), None),
        ("referrals:apply", reverse("referrals:apply"), {}),
        ("referrals:resident_new", reverse("referrals:resident_new"), None),
        ("referrals:resident_new", reverse("referrals:resident_new"), {}),
        ("referrals:resident_detail", reverse("referrals:resident_detail", args=[pk]), None),
        ("referrals:claim_code", reverse("referrals:claim_code", args=[pk]), None),
        ("referrals:claim_code", reverse("referrals:claim_code", args=[pk]), {}),
        ("referrals:resident_erase", reverse("referrals:resident_erase", args=[pk]), None),
        ("referrals:resident_erase", reverse("referrals:resident_erase", args=[pk]), {}),
        ("residents:need_new_for", reverse("residents:need_new_for", args=[pk]), None),
    ]


def test_every_referrer_page_is_in_welsh_with_no_english_left(client, welsh_world, monkeypatch):
    _resident, objects, data = welsh_world
    referrer = objects["referrer"].user
    pages = _referrer_pages(objects)
    english = _walk(client, referrer, pages, None, Language.ENGLISH)
    lookups = Lookups(monkeypatch)
    welsh = _walk(client, referrer, pages, lookups, Language.WELSH)
    assert not lookups.missing, "Strings with no Welsh translation:\n" + lookups.report()
    left = {key: english_left(words(english[key]), words(html), data) for key, html in welsh.items()}
    left = {key: pieces for key, pieces in left.items() if pieces}
    assert not left, f"English left on Welsh pages: {left}"


def test_every_resident_page_is_walked_in_welsh(welsh_world):
    walked = {name for name, _url, _post in [*_pages(welsh_world[1]), *_referrer_pages(welsh_world[1])]}
    names: set[str] = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace in RESIDENT_NAMESPACES and entry.name:
                names.add(f"{namespace}:{entry.name}")

    walk(get_resolver().url_patterns, None)
    missing = sorted(names - walked - set(NOT_RESIDENT_PAGES))
    assert not missing, f"Resident pages not walked in Welsh (add them to _pages): {missing}"


def test_every_resident_page_is_in_welsh_with_no_english_left(client, welsh_world, monkeypatch):
    resident, objects, data = welsh_world
    pages = _pages(objects)
    english = _walk(client, resident.user, pages, None, Language.ENGLISH)
    lookups = Lookups(monkeypatch)
    welsh = _walk(client, resident.user, pages, lookups, Language.WELSH)
    assert not lookups.missing, "Strings with no Welsh translation:\n" + lookups.report()
    left = {}
    for key, html in welsh.items():
        assert '<html lang="cy"' in html, key
        pieces = english_left(words(english[key]), words(html), data)
        if pieces:
            left[key] = pieces
    assert not left, "English left on Welsh pages (mark these for translation):\n" + "\n".join(
        f"  {url} {method}: {pieces}" for (url, method), pieces in left.items()
    )


def test_the_pages_before_signing_in_are_in_welsh(client, welsh_world, monkeypatch):
    data = welsh_world[2]
    pages = [(name, reverse(name), None) for name in ANONYMOUS_PAGES]
    pages += [(name, reverse(name), post) for name, post in ANONYMOUS_POSTS.items()]
    english = _render(client, pages)
    client.post(reverse("language_switch"), {"language": "cy", "next": "/"})
    lookups = Lookups(monkeypatch)
    welsh = {}
    for page in pages:
        lookups.where = page[1]
        welsh.update(_render(client, [page]))
    assert not lookups.missing, "Strings with no Welsh translation:\n" + lookups.report()
    for key, html in welsh.items():
        assert '<html lang="cy"' in html, key
        assert not english_left(words(english[key]), words(html), data), key


def _sent(settings) -> list[str]:
    texts = [
        p.read_text("utf-8").split("\n\n", 1)[1]
        for p in sorted(Path(settings.NOTIFICATIONS_FILE_PATH).glob("*-sms-*.txt"))
    ]
    emails = [f"{m.subject}\n{m.body}" for m in mail.outbox]
    return texts + emails


RESIDENT_KINDS = [kind for kind in kind_list() if kind.audience == Audience.RESIDENT]


def test_residents_receive_notifications_of_many_kinds():
    assert len(RESIDENT_KINDS) >= 8


@pytest.mark.parametrize("kind", RESIDENT_KINDS, ids=lambda k: k.code)
def test_every_notification_a_resident_receives_is_in_welsh(
    kind, welsh_world, settings, monkeypatch, tasks_inline, django_capture_on_commit_callbacks
):
    resident, objects, data = welsh_world
    match = objects["weekly"]
    arrangement = match.arrangement
    arrangement.paused_from = timezone.localdate() + timedelta(days=8)
    arrangement.paused_until = timezone.localdate() + timedelta(days=15)
    arrangement.ended_on = timezone.localdate() + timedelta(days=30)
    arrangement.save()
    world = {
        "visit": objects["visit"],
        "arrangement": arrangement,
        "count": 3,
        "match": match,
        "need": match.need,
        "offer": match.offer,
        "reason": "Please say which day suits you.",
        "code": "ABCD-2345",
        "expires": timezone.now() + timedelta(hours=72),
        "starts_at": timezone.now() + timedelta(days=1),
        "ends_at": timezone.now() + timedelta(days=1, hours=2),
    }
    data = [*data, world["reason"]]
    args = {name: world[name] for name in kind.params}

    with translation.override("en-gb"):
        english = kind.render(**args)
    resident.user.language = Language.WELSH
    resident.user.save(update_fields=["language"])
    lookups = Lookups(monkeypatch)
    lookups.where = kind.code
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind=kind, user=resident.user, url="/matches/1/", **args)
    notice = Notification.objects.get(user=resident.user, kind=kind.code)
    assert notice.language == "cy"
    sent = _sent(settings)
    assert len(sent) == 2, "an e-mail and a text"
    assert not lookups.missing, "Strings with no Welsh translation:\n" + lookups.report()
    assert not english_left({english}, {notice.message}, data), "the notice is the English one"
    with translation.override("cy"):
        welsh = kind.render(**args)
    assert all(welsh[:60] in body for body in sent), "the e-mail and the text carry the Welsh words"
    assert not any(english[:60] in body for body in sent), "no English words went out"
    assert any("Mewngofnodwch i Convene" in body for body in sent), "the e-mail's own words are Welsh"


REFERRER_KINDS = [kind for kind in kind_list() if kind.audience == Audience.REFERRER]


@pytest.mark.parametrize("kind", REFERRER_KINDS, ids=lambda k: k.code)
def test_every_notice_a_referrer_receives_has_welsh_words(kind, welsh_world, monkeypatch):
    """Referrers receive their own notices (approved, refused, withdrawn, ...): each
    has a Welsh translation of its own words."""
    objects = welsh_world[1]
    referrer = objects["referrer"]
    referrer.decision_reason = "Gadawodd y feddygfa"
    world = {"referrer": referrer, "message": "Neges", "reason": "Rheswm"}
    args = {name: world[name] for name in kind.params}
    with translation.override("en-gb"):
        english = kind.render(**args)
    lookups = Lookups(monkeypatch)
    lookups.where = kind.code
    with translation.override("cy"):
        welsh = kind.render(**args)
    assert not lookups.missing, "Strings with no Welsh translation:\n" + lookups.report()
    assert welsh != english
