"""`{% num %}`: a dashboard number that links to the list behind it and refreshes itself (data-bind)."""

from functools import lru_cache
from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from config import numbers
from quota.models import FlagStatus

register = template.Library()


@lru_cache(maxsize=128)
def _list_base(name: str, urlconf) -> str:
    # A page has hundreds of numbers but a handful of lists: reverse each list once per process.
    try:
        return reverse(name, urlconf=urlconf)
    except NoReverseMatch:
        return ""


def list_url(name: str, **params) -> str:
    """The list page `name` filtered by `params`, or "" while that page does not exist."""
    url = _list_base(name, get_urlconf())
    if not url:
        return ""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{url}?{query}" if query else url


def format_value(value, fmt: str = "") -> str:
    if value is None:
        return numbers.MISSING
    if fmt == "percent":
        return numbers.percent_text(value)
    if fmt == "decimal":
        return numbers.decimal_text(value)
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
    attrs = f'class="num" data-bind="{escape(bind)}" data-format="{escape(fmt)}"'
    text = escape(format_value(value, fmt))
    if href:
        return mark_safe(f'<a href="{escape(href)}" {attrs}>{text}</a>')
    return mark_safe(f"<span {attrs}>{text}</span>")


@register.filter
def percent(value):
    return format_value(value, "percent")


@register.filter
def flag_status(value):
    """A miss flag's status in the reader's words (the figures carry its code, as the API does)."""
    try:
        return FlagStatus(value).label
    except ValueError:
        return value
