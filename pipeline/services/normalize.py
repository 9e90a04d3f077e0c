"""How duplicates are recognised: phone numbers and company names folded to one spelling.

A phone number is parsed with `phonenumbers` (mainland China by default), so "+86 138-0013-8000",
"0086 13800138000" and "138 0013 8000" are the same number. A company name has width, case, spaces and
punctuation folded and its legal form removed, so "上海 Ａｂｃ 贸易有限公司" and "上海abc贸易股份有限公司" match.
"""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_REGION = "CN"

# Longest first: "股份有限公司" must go before "有限公司" leaves "股份" behind.
_CHINESE_LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "责任公司",
    "股份公司",
    "集团公司",
    "总公司",
    "公司",
)
_ENGLISH_LEGAL_SUFFIX = re.compile(
    r"[\s,.]*\b(co\.?,?\s*ltd|company\s+limited|limited|ltd|inc|incorporated|corporation|corp|llc|"
    r"co)\.?\s*$",
    re.IGNORECASE,
)
# Everything that is not a letter or a digit (spaces, brackets of either width, dots, dashes, ·, &, ...).
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_company_name(name: str) -> str:
    """The spelling duplicates are found by: width, case, spaces and punctuation folded, legal form removed."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    previous = None
    while text != previous:
        previous = text
        text = _ENGLISH_LEGAL_SUFFIX.sub("", text).strip()
    text = _NOT_WORD.sub("", text).casefold()
    if text in _CHINESE_LEGAL_SUFFIXES:
        return ""  # a legal form alone names no company
    previous = None
    while text != previous:
        previous = text
        for suffix in _CHINESE_LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
    return text[:200]


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 ("+8613800138000"), or a ValidationError in the user's language."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a phone number."), code="required")
    if len(text) > 40:
        raise ValidationError(_("A phone number has at most 40 characters."), code="max_length")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="invalid", params={"value": raw}
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number (mobile: 11 digits; landline: area code and number)."),
            code="invalid",
            params={"value": raw},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(raw: str) -> str:
    """The E.164 form, or "" when the text is not a valid number (for look-ups while typing)."""
    try:
        return normalize_phone(raw)
    except ValidationError:
        return ""


def display_phone(normalized: str) -> str:
    """A normalised number as people write it: "138 0013 8000" for mainland numbers."""
    if not normalized:
        return ""
    try:
        number = phonenumbers.parse(normalized, None)
    except phonenumbers.NumberParseException:
        return normalized
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
