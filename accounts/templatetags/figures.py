"""`{% load figures %}`: money, ratios and shares as every page shows them (config/numbers.py)."""

from django import template

from config import numbers

register = template.Library()


@register.filter
def money(value, places=0):
    """¥13,856; `|money:2` for a price per parcel, ¥2.50."""
    return numbers.money_text(value, int(places))


@register.filter
def decimal(value, places=1):
    return numbers.decimal_text(value, int(places))


@register.filter
def percent(value, places=1):
    return numbers.percent_text(value, int(places))


@register.filter
def metric_value(value, metric):
    """A target or an actual as its metric reads: revenue as money, counts as whole numbers."""
    if value is None:
        return numbers.MISSING
    if metric == "revenue":
        return numbers.money_text(value)
    return numbers.decimal_text(value, 0)
