"""`{% load languages %}<html lang="{% html_lang %}">`: the active language as a
BCP 47 tag (en-GB, cy), which screen readers use to pick their voice."""

from django import template
from django.utils import translation

from platform_core.spoken_languages import language_name as spoken_language_name

register = template.Library()


@register.simple_tag
def html_lang() -> str:
    return translation.to_locale(translation.get_language() or "en-gb").replace("_", "-")


@register.filter
def spoken_language(code: str) -> str:
    """`{{ need.language|spoken_language }}` (not Django's `language_name`, which names only
    the site's languages, in English): an ISO 639 code as the reader's word for it ("cy" -> "Welsh", "Cymraeg")."""
    return spoken_language_name(code or "")


@register.filter
def spoken_languages(codes) -> list[str]:
    """`{{ offer.languages|spoken_languages|join:", " }}`."""
    return [spoken_language_name(str(code)) for code in codes or []]
