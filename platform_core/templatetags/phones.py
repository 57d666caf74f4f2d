"""`{% load phones %}{{ number|phone }}`: a stored E.164 number as people write it."""

from django import template

from platform_core.phones import phone_display

register = template.Library()


@register.filter(name="phone")
def phone(value: str) -> str:
    return phone_display(value or "")
