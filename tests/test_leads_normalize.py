import pytest
from django.core.exceptions import ValidationError

from pipeline.services.normalize import (
    display_phone,
    normalize_company_name,
    normalize_phone,
    try_normalize_phone,
)


@pytest.mark.parametrize(
    "raw",
    [
        "+86 138-0013-8000",
        "0086 13800138000",
        "138 0013 8000",
        "13800138000",
        "+86(138)00138000",
        "１３８００１３８０００",
    ],
)
def test_every_spelling_of_a_mobile_number_folds_to_one(raw):
    assert normalize_phone(raw) == "+8613800138000"


def test_landlines_keep_their_area_code():
    assert normalize_phone("021-6234 5678") == "+862162345678"
    assert normalize_phone("(021) 62345678") == "+862162345678"
    assert display_phone("+862162345678") == "021 6234 5678"


@pytest.mark.parametrize("raw", ["12345", "abc", "138001380001234", "+86 100"])
def test_what_is_not_a_phone_number_is_refused_with_a_message(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw)
    assert raw in exc.value.messages[0]
    assert try_normalize_phone(raw) == ""


def test_an_absurdly_long_phone_is_refused():
    with pytest.raises(ValidationError):
        normalize_phone("1" * 41)


@pytest.mark.parametrize(
    "a, b",
    [
        ("上海嘉禾贸易有限公司", "上海嘉禾贸易股份有限公司"),
        ("上海嘉禾贸易有限公司", "上海嘉禾贸易有限责任公司"),
        ("上海 嘉禾 贸易 有限公司", "上海嘉禾贸易"),
        ("上海Ａｂｃ贸易有限公司", "上海abc贸易公司"),
        ("Acme Trading Co., Ltd.", "ACME trading company limited"),
        ("Acme Trading Inc.", "acme-trading"),
        ("顺丰速运（上海）有限公司", "顺丰速运(上海)"),
    ],
)
def test_company_names_differing_by_legal_form_width_case_or_spaces_match(a, b):
    assert normalize_company_name(a) == normalize_company_name(b)


def test_different_companies_stay_different():
    assert normalize_company_name("上海嘉禾贸易有限公司") != normalize_company_name("上海嘉禾食品有限公司")
    # "co" is a legal form only at the end after a word break, not inside a name.
    assert normalize_company_name("Costco") == "costco"
