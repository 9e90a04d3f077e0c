"""`{% num %}`: a dashboard number that links to the list behind it and refreshes itself (data-bind)."""

from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.html import format_html

register = template.Library()


def list_url(name: str, **params) -> str:
    """The list page `name` filtered by `params`, or "" while that page does not exist."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{url}?{query}" if query else url


def format_value(value, fmt: str = "") -> str:
    if value is None:
        return "—"
    if fmt == "percent":
        return f"{value * 100:.1f}%"
    if fmt == "decimal":
        return number_format(value, 1)
    return str(value)


@register.simple_tag
def num(value, list_name="", *, bind="", key="", fmt="", **params):
    """The number; a link to `list_name?params` when that list exists.

    `bind` names the number in the API's JSON so the page can refresh it: "totals:leads" is
    `totals.leads`; with `key`, "people:leads" is `leads` of the entry of `people` whose id is `key`.
    """
    if key != "" and bind:
        collection, _sep, field = bind.partition(":")
        bind = f"{collection}:{key}:{field}"
    href = list_url(list_name, **params) if list_name else ""
    text = format_value(value, fmt)
    if href:
        return format_html(
            '<a href="{}" class="num" data-bind="{}" data-format="{}">{}</a>', href, bind, fmt, text
        )
    return format_html('<span class="num" data-bind="{}" data-format="{}">{}</span>', bind, fmt, text)


@register.filter
def percent(value):
    return format_value(value, "percent")
