"""`{% load pagination %}{% page_href page number %}`: the link to another page of the
same list, keeping the page's other query parameters (a filter, which side)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_href(context, page, number) -> str:
    request = context["request"]
    query = request.GET.copy()
    param = getattr(page, "param", "page")
    if number and int(number) > 1:
        query[param] = str(number)
    else:
        query.pop(param, None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else request.path
