"""Opportunities for providers: public and for a provider, small counts never shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_core.models import SafeguardingTier
from platform_core.tests.factories import ServiceCategoryFactory
from providers.tests.factories import ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

from ..suppression import HIDDEN

pytestmark = pytest.mark.django_db


def _needs(council, category, postcode, n, *, status=Need.Status.OPEN, days_ago=3):
    resident = ResidentFactory(council=council, postcode=postcode)
    now = timezone.now()
    for _ in range(n):
        NeedFactory(
            resident=resident,
            category=category,
            postcode=postcode,
            status=status,
            posted_at=now - timedelta(days=days_ago),
            closed_at=now - timedelta(days=days_ago - 1) if status == Need.Status.EXPIRED else None,
        )


@pytest.fixture
def demand(council, kingston_postcodes):
    shopping = ServiceCategoryFactory(
        council=council, name="Shopping", safeguarding_tier=SafeguardingTier.OPEN, price_cap_pence=1500
    )
    care = ServiceCategoryFactory(
        council=council, name="Personal care", safeguarding_tier=SafeguardingTier.REGULATED_CARE
    )
    _needs(council, shopping, "KT1 1EU", 6)
    _needs(council, shopping, "KT1 2PT", 3, status=Need.Status.EXPIRED)  # KT1: 9 in all
    _needs(council, shopping, "KT9 1AA", 7)
    _needs(council, care, "KT2 5AU", 2)  # small: never shown
    # Two smaller districts: the figures hidden with the 2 (so it cannot be worked out) are theirs.
    _needs(council, shopping, "KT5 8AA", 6)
    _needs(council, shopping, "KT6 6HL", 5)
    _needs(council, shopping, "KT3 4PH", 9, days_ago=40)  # before the 30 days
    _needs(council, shopping, "KT3 4PH", 8, status=Need.Status.MATCHED)  # met
    return {"shopping": shopping, "care": care}


def _cells(result) -> list:
    values = [col.unmet for col in result.columns] + [result.total]
    for row in result.rows:
        values += row.values
    return values


def test_anyone_sees_the_demand_near_a_postcode_without_signing_in(client, demand):
    response = client.get(reverse("opportunities:public"), {"postcode": "kt1 1eu"})
    assert response.status_code == 200
    result = response.context["result"]
    by_district = {row.district.outcode: row for row in result.rows}
    names = [col.name for col in result.columns]
    shopping = names.index("Shopping")
    assert by_district["KT1"].values[shopping] == 9
    assert by_district["KT9"].values[shopping] == 7
    assert result.rows[0].district.outcode == "KT1"  # nearest first
    html = response.content.decode()
    assert "£15.00" in html and "Open to all verified providers" in html
    assert reverse("providers:register") in html


def test_no_count_below_5_and_nothing_that_gives_one_back(client, demand):
    for params in ({"postcode": "KT1 1EU"}, {"council": "kingston"}, {"postcode": "KT9 1AA"}):
        result = client.get(reverse("opportunities:public"), params).context["result"]
        for value in _cells(result):
            assert value == 0 or str(value) == HIDDEN or value >= 5, (params, value)
    result = client.get(reverse("opportunities:public"), {"council": "kingston"}).context["result"]
    by_district = {row.district.outcode: row for row in result.rows}
    care = [col.name for col in result.columns].index("Personal care")
    assert str(by_district["KT2"].values[care]) == HIDDEN
    # KT2's total of all kinds of help would give the 2 back: hidden too, and so is
    # the next smallest district's (else the council's total would give it back), and so on.
    assert str(by_district["KT2"].values[-1]) == HIDDEN
    assert str(by_district["KT6"].values[-1]) == HIDDEN
    assert by_district["KT1"].values[-1] == 9


def test_the_page_never_names_a_resident_or_a_point(client, demand, resident):
    html = client.get(reverse("opportunities:public"), {"council": "kingston"}).content.decode()
    for postcode in ("KT1 1EU", "KT1 2PT", "KT9 1AA", "KT2 5AU"):
        assert postcode not in html
    assert resident.address_line_1 not in html
    assert "51.40772" not in html
    assert "<script" not in html.split("<main")[1].split("</main>")[0]


def test_a_postcode_outside_every_council_is_a_400_with_a_message(client, demand):
    response = client.get(reverse("opportunities:public"), {"postcode": "ZZ99 9ZZ"})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert client.get(reverse("opportunities:public"), {"postcode": "\x00"}).status_code == 400


def test_the_form_alone_is_shown_before_a_choice(client, demand):
    response = client.get(reverse("opportunities:public"))
    assert response.status_code == 200
    assert response.context["result"] is None


def test_a_provider_sees_the_demand_near_its_base_and_what_its_checks_cover(client, council, demand):
    provider = ProviderFactory(council=council, clearance=SafeguardingTier.ID_CHECKED)
    member = ProviderMemberFactory(provider=provider).user
    client.force_login(member)
    response = client.get(reverse("opportunities:provider", args=[provider.pk]))
    assert response.status_code == 200
    covered = {col.name: col.covered for col in response.context["result"].columns}
    assert covered == {"Shopping": True, "Personal care": False}
    assert reverse("providers:offer_create", args=[provider.pk]) in response.content.decode()


def test_another_providers_page_is_a_404_and_anonymous_is_sent_to_sign_in(client, council, demand):
    provider = ProviderFactory(council=council)
    url = reverse("opportunities:provider", args=[provider.pk])
    assert client.get(url).status_code == 302
    client.force_login(ProviderMemberFactory(provider=ProviderFactory(council=council)).user)
    assert client.get(url).status_code == 404
