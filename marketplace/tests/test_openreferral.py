"""The Open Referral UK (HSDS 3.0) feed at /openreferral/."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from marketplace.openreferral import ids, serialisers
from marketplace.openreferral import selectors as oruk_selectors
from platform_core.availability import DayPart, slot_of
from platform_core.models import SafeguardingTier
from platform_core.tests.factories import ServiceCategoryFactory
from providers.models import Offer, Provider
from providers.selectors import offer_list_in_market
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory

SCHEMA_DIR = Path(__file__).parent / "oruk_schema"
PAGE_FIELDS = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"]


def _load(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text())


_REGISTRY = Registry().with_resources(
    [(name, Resource.from_contents(_load(name), default_specification=DRAFT202012)) for name in ["taxonomy_term.json"]]
)


def validate(instance: dict, schema: dict) -> None:
    Draft202012Validator(schema, registry=_REGISTRY, format_checker=FormatChecker()).validate(instance)


def page_schema(item_schema: dict) -> dict:
    page = _load("openapi.json")["components"]["schemas"]["Page"]
    return {
        "allOf": [page],
        "type": "object",
        "required": PAGE_FIELDS,
        "properties": {"contents": {"type": "array", "items": item_schema}},
    }


def get_json(client, path: str, status: int = 200) -> dict:
    response = client.get(f"/openreferral{path}")
    assert response.status_code == status, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def feed(council, other_council):
    shopping = ServiceCategoryFactory(council=council, name="Shopping", slug="shopping", position=1)
    personal = ServiceCategoryFactory(
        council=council, name="Personal care", slug="personal-care", safeguarding_tier=SafeguardingTier.REGULATED_CARE
    )
    ServiceCategoryFactory(council=council, name="Retired", slug="retired", is_active=False)
    sutton_lifts = ServiceCategoryFactory(council=other_council, name="Lifts", slug="lifts")
    charity = ProviderFactory(council=council, name="Kingston Good Neighbours", website="https://kgn.example.org")
    offer = OfferFactory(
        provider=charity,
        title="Weekly shopping",
        categories=[shopping, personal],
        weekly_slots=[slot_of(0, DayPart.MORNING), slot_of(2, DayPart.MORNING), slot_of(4, DayPart.EVENING)],
        languages=["en", "pl"],
        cost_type=Offer.CostType.PER_HOUR,
        price_pence=1250,
    )
    sutton = OfferFactory(
        provider=ProviderFactory(council=other_council, postcode="SM1 1EA", latitude=51.3618, longitude=-0.1945),
        title="Lifts to the GP",
        categories=[sutton_lifts],
    )
    return {"shopping": shopping, "personal": personal, "charity": charity, "offer": offer, "sutton": sutton}


def service_ids(client, query: str = "") -> set[str]:
    return {s["id"] for s in get_json(client, f"/services?per_page=100{query}")["contents"]}


# ---------------------------------------------------------------- shape and schema


def test_the_api_root_says_which_hsds_version_and_profile_it_follows(client, db):
    data = get_json(client, "/")
    assert data["version"] == "3.0"
    assert data["profile"].startswith("https://")


def test_the_services_page_validates_against_the_oruk_schema(client, feed):
    data = get_json(client, "/services")
    validate(data, page_schema(_load("service_list.json")))
    assert data["total_items"] == 2
    assert {s["name"] for s in data["contents"]} == {"Weekly shopping", "Lifts to the GP"}


def test_the_full_services_page_validates_against_the_full_service_schema(client, feed):
    data = get_json(client, "/services?full=true")
    validate(data, page_schema(_load("service.json")))
    assert all("schedules" in s for s in data["contents"])


def test_a_service_validates_and_maps_the_offer(client, feed):
    offer = feed["offer"]
    data = get_json(client, f"/services/{ids.oruk_id('service', offer.pk)}")
    validate(data, _load("service.json"))
    assert data["organization"]["name"] == "Kingston Good Neighbours"
    assert data["organization"]["website"] == "https://kgn.example.org"
    assert data["service_areas"][0]["extent"] == "KT1"
    location = data["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"]) == (51.41, -0.3)
    assert {(s["byday"], s["opens_at"], s["closes_at"]) for s in data["schedules"]} == {
        ("MO,WE", "08:00:00", "12:00:00"),
        ("FR", "17:00:00", "21:00:00"),
    }
    assert data["cost_options"][0]["amount"] == 12.5
    assert data["cost_options"][0]["amount_description"] == "per hour"
    assert [(lang["name"], lang["code"]) for lang in data["languages"]] == [("English", "en"), ("Polish", "pl")]
    # Personal care is REGULATED; the DBS-cleared charity is not linked to it.
    assert [a["taxonomy_term"]["name"] for a in data["attributes"]] == ["Shopping"]
    assert data["attributes"][0]["taxonomy_term_id"] == ids.oruk_id("taxonomy_term", feed["shopping"].pk)


def test_optional_fields_are_left_out_rather_than_null(client, feed):
    text = json.dumps([get_json(client, p) for p in ["/services?full=1", "/service_at_locations", "/taxonomies"]])
    assert "null" not in text
    assert '""' not in text
    assert "[]" not in text.replace('"contents": []', "")


def test_an_offer_without_slots_is_available_any_day(client, feed):
    Offer.objects.filter(pk=feed["offer"].pk).update(weekly_slots=[], cost_type="free", price_pence=0)
    data = get_json(client, f"/services/{ids.oruk_id('service', feed['offer'].pk)}")
    assert data["schedules"][0]["byday"] == "MO,TU,WE,TH,FR,SA,SU"
    assert data["cost_options"][0]["amount"] == 0


def test_the_service_at_locations_page_validates_and_links_services(client, feed):
    data = get_json(client, "/service_at_locations")
    validate(data, page_schema(_load("service_at_location_list.json")))
    assert {sal["service_id"] for sal in data["contents"]} == service_ids(client)
    one = get_json(client, f"/service_at_locations/{data['contents'][0]['id']}")
    validate(one, _load("service_at_location_list.json"))


def test_taxonomies_are_one_per_council_and_validate(client, feed, council):
    data = get_json(client, "/taxonomies")
    validate(data, page_schema(_load("taxonomy.json")))
    assert data["total_items"] == 2
    one = get_json(client, f"/taxonomies/{ids.oruk_id('taxonomy', council.pk)}")
    validate(one, _load("taxonomy.json"))
    assert [t["name"] for t in one["taxonomy_terms"]] == ["Personal care", "Shopping"]


def test_taxonomy_terms_are_the_active_categories_and_validate(client, feed, council):
    data = get_json(client, "/taxonomy_terms")
    validate(data, page_schema(_load("taxonomy_term.json")))
    assert {t["name"] for t in data["contents"]} == {"Shopping", "Personal care", "Lifts"}
    kingston = get_json(client, f"/taxonomy_terms?taxonomy_id={ids.oruk_id('taxonomy', council.pk)}")
    assert {t["name"] for t in kingston["contents"]} == {"Shopping", "Personal care"}
    one = get_json(client, f"/taxonomy_terms/{ids.oruk_id('taxonomy_term', feed['shopping'].pk)}")
    validate(one, _load("taxonomy_term.json"))
    assert one["taxonomy_id"] == ids.oruk_id("taxonomy", council.pk)


# ---------------------------------------------------------------- what is published


def test_ids_are_stable_uuids_between_requests(client, feed):
    first = get_json(client, "/services?full=1")
    second = get_json(client, "/services?full=1")
    assert first == second
    assert ids.oruk_id("service", feed["offer"].pk) in service_ids(client)
    for service in first["contents"]:
        assert uuid.UUID(service["id"]).version == 5


def test_an_unverified_or_suspended_providers_offer_never_appears(client, feed, council):
    unverified = OfferFactory(provider=ProviderFactory(council=council, verification_status="submitted"))
    suspended = OfferFactory(provider=ProviderFactory(council=council, is_suspended=True))
    expired = OfferFactory(provider=ProviderFactory(council=council, verification_status="expired"))
    published = service_ids(client)
    for offer in (unverified, suspended, expired):
        service_id = ids.oruk_id("service", offer.pk)
        assert service_id not in published
        get_json(client, f"/services/{service_id}", status=404)
        get_json(client, f"/service_at_locations/{ids.oruk_id('service_at_location', offer.pk)}", status=404)


def test_a_paused_offer_disappears(client, feed):
    service_id = ids.oruk_id("service", feed["offer"].pk)
    assert service_id in service_ids(client)
    Offer.objects.filter(pk=feed["offer"].pk).update(status=Offer.Status.PAUSED)
    assert service_id not in service_ids(client)
    get_json(client, f"/services/{service_id}", status=404)


def test_the_feed_across_councils_is_exactly_each_councils_market(client, feed, council, other_council):
    OfferFactory(provider=ProviderFactory(council=council, is_suspended=True))
    OfferFactory(provider=feed["charity"], status=Offer.Status.PENDING_REVIEW)
    OfferFactory(provider=feed["charity"], capacity=1, capacity_left=0)
    in_market = set(offer_list_in_market(council=council).values_list("pk", flat=True)) | set(
        offer_list_in_market(council=other_council).values_list("pk", flat=True)
    )
    assert set(oruk_selectors.offer_list_published().values_list("pk", flat=True)) == in_market
    assert service_ids(client) == {ids.oruk_id("service", pk) for pk in in_market}


def test_nothing_private_of_a_volunteer_appears_anywhere_in_the_feed(client, feed, council):
    volunteer = ProviderFactory(
        council=council,
        kind=Provider.Kind.VOLUNTEER,
        name="Jane Q Volunteer",
        email="jane.personal@example.com",
        phone="07700 900123",
        postcode="KT2 7QT",
        latitude=51.418234,
        longitude=-0.287651,
    )
    member = ProviderMemberFactory(provider=volunteer).user
    offer = OfferFactory(
        provider=volunteer,
        categories=[feed["shopping"]],
        title="Dog walking",
        description="Text me on 07700 900456 or write to jane.q@example.co.uk; I live at kt27qt.",
    )
    texts = []
    for path in [
        "/",
        "/services?full=1&per_page=100",
        "/services?per_page=100",
        f"/services/{ids.oruk_id('service', offer.pk)}",
        "/service_at_locations?per_page=100",
        f"/service_at_locations/{ids.oruk_id('service_at_location', offer.pk)}",
        "/taxonomies",
        f"/taxonomies/{ids.oruk_id('taxonomy', council.pk)}",
        "/taxonomy_terms",
    ]:
        response = client.get(f"/openreferral{path}")
        assert response.status_code == 200
        texts.append(response.content.decode())
    text = "\n".join(texts)
    assert "Dog walking" in text  # the offer itself is published
    assert "Text me on [removed] or write to [removed]; I live at [removed]." in text
    for secret in [
        "jane.personal@example.com",
        member.email,
        "07700 900123",
        "07700900123",
        "900456",
        "jane.q",
        "kt27qt",
        "Jane Q Volunteer",
        "KT2 7QT",
        "7QT",
        "51.418234",
        "-0.287651",
        # The charity's own contact details are not published either.
        feed["charity"].email,
        feed["charity"].phone,
        "KT1 2PT",
        "51.405436",
    ]:
        assert secret not in text, secret
    assert "@" not in text


# ---------------------------------------------------------------- parameters and errors


def test_pages_carry_the_paging_fields(client, feed, council):
    for _ in range(3):
        OfferFactory(provider=feed["charity"])
    first = get_json(client, "/services?per_page=2")
    assert {k: first[k] for k in PAGE_FIELDS if k != "contents"} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    last = get_json(client, "/services?per_page=2&page=3")
    assert (last["size"], last["first_page"], last["last_page"]) == (1, False, True)
    beyond = get_json(client, "/services?per_page=2&page=9")
    assert (beyond["size"], beyond["empty"], beyond["contents"]) == (0, True, [])
    pages = [get_json(client, f"/services?per_page=2&page={n}")["contents"] for n in (1, 2, 3)]
    assert len({s["id"] for page in pages for s in page}) == 5


def test_per_page_is_capped_at_100(client, feed):
    assert get_json(client, "/services?per_page=1000")["total_pages"] == 1
    assert serialisers.MAX_PER_PAGE == 100


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=-1", "council=nowhere", "modified_after=yesterday"])
def test_a_bad_parameter_is_a_400_json_error(client, feed, query):
    data = get_json(client, f"/services?{query}", status=400)
    assert data["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    "path",
    [
        "/services/{random}",
        "/services/not-a-uuid",
        "/services/{term}",
        "/service_at_locations/{random}",
        "/taxonomies/{random}",
        "/taxonomies/{term}",
        "/taxonomy_terms/{random}",
        "/taxonomy_terms/{service}",
    ],
)
def test_an_unknown_id_is_a_404_json_error(client, feed, path):
    path = path.format(
        random=uuid.uuid4(),
        term=ids.oruk_id("taxonomy_term", feed["shopping"].pk),
        service=ids.oruk_id("service", feed["offer"].pk),
    )
    assert get_json(client, path, status=404)["error"]["code"] == "not_found"


def test_the_feed_is_read_only(client, feed):
    response = client.post("/openreferral/services", {})
    assert response.status_code == 405
    assert response["Access-Control-Allow-Origin"] == "*"


def test_services_can_be_filtered_by_council_text_term_and_modification(client, feed, other_council):
    sutton_id = ids.oruk_id("service", feed["sutton"].pk)
    kingston_id = ids.oruk_id("service", feed["offer"].pk)
    assert service_ids(client, "&council=sutton") == {sutton_id}
    assert service_ids(client, "&text=GP") == {sutton_id}
    assert service_ids(client, "&search=weekly") == {kingston_id}
    assert service_ids(client, f"&taxonomy_term_id={ids.oruk_id('taxonomy_term', feed['shopping'].pk)}") == {
        kingston_id
    }
    assert service_ids(client, f"&taxonomy_id={ids.oruk_id('taxonomy', other_council.pk)}") == {sutton_id}
    assert service_ids(client, f"&taxonomy_term_id={uuid.uuid4()}") == set()
    Offer.objects.filter(pk=feed["offer"].pk).update(updated_at=timezone.now() - timedelta(days=30))
    Offer.objects.filter(pk=feed["sutton"].pk).update(updated_at=F("updated_at"))
    Provider.objects.filter(pk=feed["charity"].pk).update(updated_at=timezone.now() - timedelta(days=30))
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert service_ids(client, f"&modified_after={since}") == {sutton_id}


def test_ids_turn_back_into_primary_keys_only_for_their_own_kind():
    value = ids.oruk_id("service", 42)
    assert ids.pk_from_id("service", value) == 42
    assert ids.pk_from_id("taxonomy_term", value) is None
    assert ids.pk_from_id("service", str(uuid.uuid4())) is None
    assert ids.pk_from_id("service", "nonsense") is None


# ---------------------------------------------------------------- cost


@pytest.mark.parametrize(
    "path", ["/services?full=1&per_page=100", "/services?per_page=100", "/service_at_locations?per_page=100"]
)
def test_a_page_costs_the_same_queries_for_5_or_50_offers(client, feed, council, django_assert_max_num_queries, path):
    def grow_to(target: int) -> None:
        while (n := Offer.objects.count()) < target:
            provider = ProviderFactory(
                council=council,
                kind=Provider.Kind.VOLUNTEER if n % 2 else Provider.Kind.CHARITY,
                description="" if n % 3 else "A charity.",
            )
            OfferFactory(provider=provider, categories=[feed["shopping"]], languages=["en"])
        cache.clear()  # the page's total is counted once a minute (issue 11)

    grow_to(5)
    with django_assert_max_num_queries(4) as small:
        client.get(f"/openreferral{path}")
    grow_to(50)
    with django_assert_max_num_queries(4) as large:
        data = get_json(client, path)
    assert data["size"] == 50
    assert len(large.captured_queries) == len(small.captured_queries)


def test_contact_details_typed_into_free_text_are_removed():
    assert serialisers.redact("Ring 020 7946 0000, +44 7700 900123 or a@b.org; we are in KT1 2PT") == (
        "Ring [removed], [removed] or [removed]; we are in [removed]"
    )
    assert serialisers.redact("2 hours, 3 days a week in KT1 since 2019, aged 65+") == (
        "2 hours, 3 days a week in KT1 since 2019, aged 65+"
    )


def test_urls_reverse_without_and_resolve_with_a_trailing_slash(client, feed):
    from django.urls import reverse

    assert reverse("openreferral:service_list") == "/openreferral/services"
    assert reverse("openreferral:service_detail", kwargs={"id": "x"}) == "/openreferral/services/x"
    assert get_json(client, "/services/")["total_items"] == 2
    assert get_json(client, f"/taxonomy_terms/{ids.oruk_id('taxonomy_term', feed['shopping'].pk)}/")["name"] == (
        "Shopping"
    )
