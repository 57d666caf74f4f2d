"""Offline postcodes: normalisation, lookup, the district fallback, the loader, distances."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.management import call_command

from platform_core.forms import PostcodeField
from platform_core.geo import haversine_km, locate, postcode_normalise, postcode_point
from platform_core.models import OutcodeCentroid, Postcode

# Kingston upon Thames lies inside this box.
KINGSTON = {"lat": (51.33, 51.44), "lon": (-0.33, -0.24)}


def _in_kingston(point):
    return KINGSTON["lat"][0] < point.latitude < KINGSTON["lat"][1] and (
        KINGSTON["lon"][0] < point.longitude < KINGSTON["lon"][1]
    )


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [("kt1 1eu", "KT1 1EU"), ("KT11EU", "KT1 1EU"), ("  kt1   1eu ", "KT1 1EU"), ("sw1a2aa", "SW1A 2AA")],
)
def test_postcodes_are_normalised(typed, normalised):
    assert postcode_normalise(typed) == normalised


@pytest.mark.parametrize("typed", ["KT1", "12345", "KT1 1EUX", "QQ1 1AA", "not a postcode"])
def test_invalid_postcodes_get_a_clear_error(typed):
    with pytest.raises(ValidationError) as error:
        postcode_normalise(typed)
    assert error.value.messages == ["Enter a real postcode, like KT1 1EU"]


def test_invalid_postcode_is_a_form_error_a_person_can_act_on():
    class Form(forms.Form):
        postcode = PostcodeField()

    form = Form({"postcode": "KT99 ZZZ"})
    assert not form.is_valid()
    assert form.errors["postcode"] == ["Enter a real postcode, like KT1 1EU"]
    assert Form({"postcode": "kt1 1eu"}).is_valid()


@pytest.mark.django_db
def test_loader_reads_code_point_open_and_kt1_1eu_resolves_inside_kingston():
    call_command("load_postcodes", areas="KT", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Postcode.objects.filter(outcode__startswith="KT").count() > 14000
    point = postcode_point(postcode_normalise("kt1 1eu"))
    assert point.exact
    assert _in_kingston(point)


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    call_command("load_postcodes", areas="ZE", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = (Postcode.objects.count(), OutcodeCentroid.objects.count())
    call_command("load_postcodes", areas="ZE", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Postcode.objects.count(), OutcodeCentroid.objects.count()) == first
    assert first[0] > 0


@pytest.mark.django_db
def test_unknown_but_well_formed_postcode_falls_back_to_its_district_centroid(kingston_postcodes):
    point = postcode_point("KT1 9QQ")
    assert not point.exact
    centroid = OutcodeCentroid.objects.get(pk="KT1")
    assert (point.latitude, point.longitude) == (centroid.latitude, centroid.longitude)


def test_distance_between_kingston_and_surbiton_stations_is_about_two_km():
    # Kingston station (KT2 6QA area) to Surbiton station (KT6 4PE area).
    assert haversine_km(51.4128, -0.3010, 51.3923, -0.3039) == pytest.approx(2.29, abs=0.05)


@pytest.mark.parametrize(
    ("typed", "within", "code", "message"),
    [
        ("not a postcode", None, "invalid", "Enter a real postcode"),
        ("", None, "required", "Enter a postcode"),
        ("EH1 1YZ", None, "outside", "This postcode is outside the areas we cover"),
        ("SM1 1AA", "kingston", "other_council", "Enter a postcode in Royal Borough of Kingston upon Thames"),
        ("SM1 1AA", None, "not_found", "We could not find this postcode"),
    ],
)
def test_locate_refuses_with_one_message_per_reason(council, other_council, typed, within, code, message):
    with pytest.raises(ValidationError) as caught:
        locate(typed, within=council if within else None)
    (error,) = caught.value.error_dict["postcode"]
    assert error.code == code
    assert error.message.startswith(message)


def test_locate_places_a_postcode_in_its_council(council, kingston_postcodes):
    place = locate("kt1 1eu", within=council)
    assert (place.postcode, place.council, place.point.exact) == ("KT1 1EU", council, True)
