"""Spoken languages are ISO 639 codes: typed as people say them, named in the reader's language."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from platform_core.spoken_languages import language_code, language_codes, language_name

migration_residents = importlib.import_module("residents.migrations.0008_languages_iso639")
migration_providers = importlib.import_module("providers.migrations.0004_languages_iso639")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Welsh", "cy"),
        ("welsh ", "cy"),
        ("Cymraeg", "cy"),
        ("cy", "cy"),
        ("cym", "cy"),
        ("Polish", "pl"),
        ("English", "en"),
        ("BSL", "bfi"),
        ("British Sign Language", "bfi"),
        ("Urdu", "ur"),
        ("Somali", "so"),
        ("Klingonese", None),
        ("", None),
    ],
)
def test_a_language_is_found_however_it_is_typed(typed, code):
    assert language_code(typed) == code


def test_a_welsh_reader_may_type_the_welsh_name():
    with translation.override("cy"):
        assert language_code("Pwyleg") == "pl"
        assert language_code("Saesneg") == "en"


def test_a_language_is_named_in_the_readers_language():
    assert language_name("pl") == "Polish"
    with translation.override("cy"):
        assert language_name("pl") == "Pwyleg"
        assert language_name("en") == "Saesneg"
    assert language_name("bfi") == "British Sign Language"
    assert language_name("zz") == "zz"


def test_codes_are_unique_and_unknown_words_are_kept_apart():
    assert language_codes(["Welsh", "cy", "Polish", "Elvish"]) == (["cy", "pl"], ["Elvish"])


@pytest.mark.django_db
def test_free_text_becomes_codes_and_what_names_no_language_stays_visible(resident, provider):
    from django.apps import apps

    from providers.models import Offer
    from providers.tests.factories import OfferFactory
    from residents.models import Need, Resident
    from residents.tests.factories import NeedFactory

    Resident.objects.filter(pk=resident.pk).update(language="Welsh")
    asks_polish = NeedFactory(resident=resident)
    asks_nonsense = NeedFactory(resident=resident)
    Need.objects.filter(pk=asks_polish.pk).update(language="polish")  # (the real column held up to 40 characters)
    Need.objects.filter(pk=asks_nonsense.pk).update(language="Elvish")
    offer = OfferFactory(provider=provider)
    Offer.objects.filter(pk=offer.pk).update(languages=["English", "BSL", "Elvish"])

    migration_residents.free_text_to_codes(apps, None)
    migration_providers.free_text_to_codes(apps, None)

    assert Resident.objects.get(pk=resident.pk).language == "cy"
    assert Need.objects.get(pk=asks_polish.pk).language == "pl"
    nonsense = Need.objects.get(pk=asks_nonsense.pk)
    assert (nonsense.language, nonsense.language_note) == ("", "Elvish")
    offer.refresh_from_db()
    assert (offer.languages, offer.languages_unrecognised) == (["en", "bfi"], ["Elvish"])


@pytest.mark.django_db
def test_an_offer_keeps_codes_and_refuses_a_language_nobody_knows(provider_member):
    from platform_core.tests.factories import ServiceCategoryFactory
    from providers.services.offers import offer_create, offer_update

    category = ServiceCategoryFactory(council=provider_member.provider.council)

    def create(languages):
        return offer_create(
            provider=provider_member.provider,
            user=provider_member.user,
            title="Weekly shop",
            description="We take you to the shops.",
            categories=[category],
            postcode="KT1 1EU",
            languages=languages,
        )

    offer = create(["Welsh", "English", "cy"])
    assert offer.languages == ["cy", "en"]
    offer = offer_update(offer=offer, user=provider_member.user, languages=["Polish", "BSL"])
    assert offer.languages == ["pl", "bfi"]
    with pytest.raises(ValidationError) as refused:
        create(["Elvish"])
    assert "Elvish" in refused.value.message_dict["languages"][0]


@pytest.mark.django_db
def test_a_residents_profile_keeps_a_code_and_refuses_an_unknown_language(resident):
    from residents.services import resident_save

    def save(language):
        return resident_save(
            user=resident.user,
            full_name="Megan Pritchard",
            address_line_1=resident.address_line_1,
            postcode=resident.postcode,
            phone=resident.phone,
            contact_preference=resident.contact_preference,
            language=language,
        )

    assert save("Welsh").language == "cy"
    with pytest.raises(ValidationError) as refused:
        save("Elvish")
    assert "Elvish" in refused.value.message_dict["language"][0]
