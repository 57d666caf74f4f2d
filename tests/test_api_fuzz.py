"""Property-based fuzzing of the whole API from its published OpenAPI schema (schemathesis).

Every operation in /api/schema/ is called with generated requests, valid and
invalid, as four actors: anonymous, a resident, a provider member and a council
officer who has passed two-factor. Every response must be below 500 and must
conform to the published schema: its status code is documented for the
operation, its content type and body match what is documented.

The requests go through Django's real WSGI stack in-process (middleware, CSRF,
session and token authentication, throttling), on PostgreSQL, inside the test's
transaction. Path parameters are drawn both from what the schema allows and from
the ids of objects the actor really owns, so the fuzzing reaches the services,
not only the 404s. The run is bounded (FUZZ_EXAMPLES, default 12, examples per
operation and generation mode, half that for anonymous: about 3,600 requests;
derandomised so CI is repeatable): about 85 s of CPU (docs/security.md has the
measured figure). FUZZ_EXAMPLES=100 FUZZ_RANDOM=1 runs a longer, random search.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.slow]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
RANDOM = os.environ.get("FUZZ_RANDOM", "") == "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ACTORS = ["anonymous", "resident", "provider", "officer"]


@pytest.fixture
def _in_process_wsgi(officer_client) -> Iterator[None]:
    """Django's WSGI handler closes "old" connections around each request; inside
    a test's transaction that would close it. The test client does the same dance,
    and connects the handler again after each of its requests: so this runs after
    `officer_client` has signed in (a real sign-in, with its code, through the client)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def _generous_throttles(settings):
    """Throttling has its own tests (tests/test_throttling.py); here it would only
    turn the fuzzing of an operation into a run of 429s."""
    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(framework["DEFAULT_THROTTLE_RATES"], "100000/min")
    settings.REST_FRAMEWORK = framework


@pytest.fixture
def world(council, resident, provider, provider_member, officer):
    """The root conftest's actors, with something of their own in every state the
    API shows: open and draft needs, a proposal and a confirmed match (contact
    details and a conversation), a concern, a report and evidence waiting for the
    council, so every list the fuzzing reads has rows to hold to the schema."""
    from marketplace.models import TargetType
    from marketplace.services import moderation, safeguarding
    from matching import services as match_services
    from matching.tests.factories import MatchFactory, VisitFactory
    from platform_core.models import SafeguardingTier
    from platform_core.tests.factories import ServiceCategoryFactory
    from providers.tests.factories import EvidenceFactory, OfferFactory
    from residents.models import Need
    from residents.tests.factories import NeedFactory

    category = ServiceCategoryFactory(
        council=council, name="Shopping", slug="shopping", safeguarding_tier=SafeguardingTier.OPEN
    )
    need = NeedFactory(resident=resident, category=category)
    draft = NeedFactory(resident=resident, category=category, status=Need.Status.DRAFT, posted_at=None)
    member = provider_member.user
    offer = OfferFactory(provider=provider, categories=[category], capacity=3)
    evidence = EvidenceFactory(provider=provider)

    proposed = MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer)
    confirmed = MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer, confirmed=True)
    match_services.message_send(match=confirmed, user=resident.user, body="Thank you, see you on Tuesday")
    # Ongoing help: a confirmed weekly match with its visits, one of them past (so it can be recorded).
    weekly = match_services.match_confirm(
        match=match_services.match_accept(
            match=MatchFactory(need=NeedFactory(resident=resident, category=category, weekly=True), offer=offer),
            user=member,
        ),
        user=resident.user,
    )
    past = VisitFactory(match=weekly)
    concern = safeguarding.concern_raise(user=resident.user, match=confirmed, description="They did not come.")
    moderation.report_create(
        reporter=resident.user, target_type=TargetType.OFFER, target_id=offer.pk, reason="Phone 07700 900123"
    )
    return {
        "users": {"resident": resident.user, "provider": member, "officer": officer},
        "ids": {
            "reference": [need.reference, draft.reference],
            "id": [provider.pk, offer.pk, proposed.pk, confirmed.pk, concern.pk, evidence.pk, weekly.pk, past.pk],
            "member_pk": [provider_member.pk],
        },
    }


def _session_auth(user) -> tuple[dict, dict]:
    """Cookies and headers of a signed-in browser session, CSRF token included."""
    client = Client()
    client.force_login(user)
    csrf = _get_new_csrf_string()
    cookies = {
        django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        django_settings.CSRF_COOKIE_NAME: csrf,
    }
    return cookies, {"X-CSRFToken": csrf}


@pytest.fixture(params=ACTORS)
def actor(request, world, officer_client) -> dict:
    name = request.param
    if name == "anonymous":
        cookies, headers = {}, {}
    elif name == "officer":
        # The officer's session as the shared fixture makes it: signed in with two-factor done.
        csrf = _get_new_csrf_string()
        cookies = {
            django_settings.SESSION_COOKIE_NAME: officer_client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            django_settings.CSRF_COOKIE_NAME: csrf,
        }
        headers = {"X-CSRFToken": csrf}
    else:
        cookies, headers = _session_auth(world["users"][name])
    return {"name": name, "cookies": cookies, "headers": headers, "ids": world["ids"]}


@pytest.fixture
def api_schema(_in_process_wsgi, _generous_throttles, actor):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    known = actor["ids"]

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        names = {p.name for p in context.operation.path_parameters}
        if not names or not names <= set(known):
            return strategy
        real = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
        return st.one_of(strategy, real)

    return schema


def _fuzz(operation, mode, hooks, actor, seen: Counter) -> str | None:
    """Run one operation in one generation mode; the failure, shrunk, or None."""

    @hypothesis_settings(
        # Anonymous requests stop at the door (403) whatever they carry: fewer suffice.
        max_examples=EXAMPLES // 2 if actor["name"] == "anonymous" else EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode, hooks=hooks))
    def run(case):
        response = case.call_and_validate(cookies=actor["cookies"], headers=actor["headers"], checks=CHECKS)
        seen[(case.method.upper() in {"GET", "HEAD"}, response.status_code)] += 1

    try:
        run()
    except Unsatisfiable:
        return None  # nothing to generate in this mode (no parameters or body to make invalid)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - every failure (an exception group) is collected and reported together
        return f"{operation.label} ({mode.value}, {actor['name']}):\n{exc}"
    return None


def test_the_api_answers_every_generated_request_below_500_and_as_documented(api_schema, actor):
    failures: list[str] = []
    operations = 0
    seen: Counter = Counter()  # (is a read, status) -> responses
    for result in api_schema.get_all_operations():
        operation = result.ok()  # a schema that cannot be read fails here, loudly
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = _fuzz(operation, mode, api_schema.hooks, actor, seen)
            if failure:
                failures.append(failure)
    print(f"{actor['name']}: {sum(seen.values())} responses", sorted(seen.items()))
    assert operations >= 45  # every operation of the published schema was fuzzed
    assert not failures, f"{len(failures)} failing operations:\n\n" + "\n\n".join(failures)
    # The fuzzing went past the door: signed-in actors read their own objects and
    # their writes reached the rules (refused with 400s), so sessions and CSRF worked;
    # residents and providers (who have things to write) also wrote some.
    if actor["name"] != "anonymous":
        assert any(read and 200 <= status < 300 for read, status in seen), seen
        assert seen[(False, 400)] > 0, seen
    if actor["name"] in {"resident", "provider"}:
        assert any(not read and 200 <= status < 300 for read, status in seen), seen
