"""JSON request bodies: what no field can hold is refused at the door with a 400 in the caller's language."""

import pytest

from accounts.models import User
from pipeline.models import Lead
from satisfaction.models import Complaint
from tests.factories_leads import ClientFactory

pytestmark = pytest.mark.django_db


def _post_raw(client, path, body: str, **headers):
    return client.post(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_a_number_beyond_a_float_is_a_400_where_an_id_is_expected(org, api_as, number):
    # Given a new person whose area id is too large for any number type
    body = (
        '{"username": "new_courier", "password": "lantou-demo-9", "role": "courier", '
        f'"station": {org.station_a.pk}, "area": {number}}}'
    )

    # When the station master posts it
    response = _post_raw(api_as(org.station_master), "/api/v1/users/", body)

    # Then the body is refused as invalid JSON, and nobody was created
    assert response.status_code == 400
    assert response.json()["detail"].startswith("请求正文不是有效的 JSON")
    assert not User.objects.filter(username="new_courier").exists()


def test_a_complaint_about_client_1e400_is_refused_and_nothing_is_written(org, api_as):
    ClientFactory(area=org.a1)
    body = (
        '{"client": 1e400, "channel": "phone", "category": "delay", "severity": "high", "description": "x"}'
    )

    response = _post_raw(api_as(org.kam), "/api/v1/complaints/", body)

    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_views_with_their_own_parsers_refuse_it_too(org, api_as):
    body = (
        '{"company_name": "上海测试贸易有限公司", "contact_phone": "13912345678", "inbound_monthly": 1e400}'
    )

    response = _post_raw(api_as(org.courier), "/api/v1/leads/", body)

    assert response.status_code == 400
    assert not Lead.objects.exists()


def test_ordinary_floats_still_reach_the_fields(org, api_as):
    body = (
        '{"company_name": "上海测试贸易有限公司", "contact_phone": "13912345678", "inbound_monthly": 300.0}'
    )

    response = _post_raw(api_as(org.courier), "/api/v1/leads/", body)

    assert response.status_code == 201
    assert Lead.objects.get().inbound_monthly == 300


@pytest.mark.parametrize(
    ("language", "expected"),
    [(None, "请求正文不是有效的 JSON"), ("en", "The request body is not valid JSON")],
)
def test_malformed_json_is_explained_in_the_callers_language(org, api_as, language, expected):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    response = _post_raw(api_as(org.courier), "/api/v1/leads/", "{company_name", **headers)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(expected)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (None, "请求正文为空，请发送一个 JSON 对象。"),
        ("en", "The request body is empty; send a JSON object."),
    ],
)
def test_a_body_of_null_is_explained_in_the_callers_language(org, api_as, language, expected):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    response = _post_raw(api_as(org.courier), "/api/v1/leads/", "null", **headers)

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [expected]}
    assert not Lead.objects.exists()
