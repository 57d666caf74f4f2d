"""`{% load money %}{{ offer.price_pence|pounds }}` -> £12.50 (platform_core.money)."""

from django import template

from platform_core.money import pounds

register = template.Library()
register.filter("pounds", pounds)
