"""How a figure reads, the same on every page, in every export and in the API.

Ratios are rounded half up, never cut: 5 leads by 3 people is 1.7 a person (Django's `number_format` cuts the
digits it drops, 1.6). Money is yuan with a thousands separator, "¥13,856", whole yuan unless places are asked for
(prices per parcel, "¥2.50").
"""

from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"


def rounded(value, places: int = 1) -> Decimal | None:
    """`value` rounded half up to `places` decimals (None stays None)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def ratio(part, whole, places: int = 4) -> float | None:
    """part ÷ whole kept to `places` decimals for the API and the pages to round from; None when there is no whole."""
    if not whole:
        return None
    return float(rounded(Decimal(part) / Decimal(whole), places))


def decimal_text(value, places: int = 1) -> str:
    value = rounded(value, places)
    return MISSING if value is None else f"{value:,.{places}f}"


def percent_text(value, places: int = 1) -> str:
    """A share (0.935) as a percentage ("93.5%")."""
    value = rounded(None if value is None else Decimal(str(value)) * 100, places)
    return MISSING if value is None else f"{value:.{places}f}%"


def money_text(value, places: int = 0) -> str:
    value = rounded(value, places)
    return MISSING if value is None else f"¥{value:,.{places}f}"


# The same formats for spreadsheet cells, so an export reads like the page.
XLSX_MONEY = '"¥"#,##0'
XLSX_DECIMAL = "0.0"
XLSX_PERCENT = "0.0%"
