"""`{% load languages %}<html lang="{% html_lang %}">`: the active language as a
BCP 47 tag (en-GB, cy), which screen readers use to pick their voice."""

from django import template
from django.utils import translation

register = template.Library()


@register.simple_tag
def html_lang() -> str:
    return translation.to_locale(translation.get_language() or "en-gb").replace("_", "-")
