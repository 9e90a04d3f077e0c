"""POST /api/v1/leads/read-card/: who may read a card, what comes back, and how a bad or large photo is refused."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pipeline.api.card_reader import CardReadThrottle
from tests.test_card_reader import CARDS, needs_ocr

pytestmark = pytest.mark.django_db
URL = "/api/v1/leads/read-card/"


@pytest.fixture(autouse=True)
def _fresh_rate_limit(org):
    """The rate limit counts per person in the shared cache, and ids repeat between tests."""
    for user in org.by_role().values():
        cache.delete(CardReadThrottle().cache_format % {"scope": "card_read", "ident": user.pk})


def _upload(data: bytes, name="card.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _blank_png(size=(600, 360)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


def _post(client, data: bytes, **extra):
    return client.post(URL, {"photo": _upload(data)}, format="multipart", **extra)


def test_a_courier_gets_the_suggestions_of_a_card(org, api_as, monkeypatch):
    needs_ocr()
    # The whole card, however busy the machine running the tests is (the budget has its own test).
    monkeypatch.setattr("pipeline.services.card_reader.TIME_BUDGET", 60)

    response = _post(api_as(org.courier), (CARDS / "card-01.jpg").read_bytes())

    assert response.status_code == 200
    body = response.json()
    assert body["company_name"] == {
        "value": "北京市众诚文化传媒有限公司",
        "source": "北京市众诚文化传媒有限公司",
        "confidence": 1.0,
    }
    assert (body["contact_name"]["value"], body["contact_title"]["value"]) == ("杨芳", "销售经理")
    assert [(p["value"], p["kind"], p["display"]) for p in body["phones"]] == [
        ("+8613730172036", "mobile", "137 3017 2036"),
        ("+861080397037", "landline", "010 8039 7037"),
    ]
    assert body["email"] is None
    assert body["address"]["value"] == "北京市海淀区中关村大街737号"
    assert "QQ：416874119" in [line["text"] for line in body["lines"]]
    assert body["complete"] is True


@pytest.mark.parametrize(
    "role", ["courier", "area_marketer", "area_manager", "station_master", "key_account_manager", "admin"]
)
def test_every_role_that_captures_leads_may_read_a_card(org, api_as, role):
    needs_ocr()

    response = _post(api_as(org.by_role()[role]), _blank_png())

    assert response.status_code == 200
    assert response.json() == {
        "company_name": None,
        "contact_name": None,
        "contact_title": None,
        "phones": [],
        "email": None,
        "address": None,
        "lines": [],
        "complete": True,
    }


def test_an_executive_does_not_capture_leads_and_gets_403(org, api_as):
    assert _post(api_as(org.executive), _blank_png()).status_code == 403


def test_without_credentials_401(api_client, org):
    assert _post(api_client, _blank_png()).status_code == 401


def test_only_post(org, api_as):
    assert api_as(org.courier).get(URL).status_code == 405


@pytest.mark.parametrize(
    "language, message",
    [
        ("zh-hans", "名片识别无法读取该文件，请上传 JPEG、PNG 或 WebP 图片。"),
        ("en", "This is not a photo the card reader can read; send a JPEG, PNG or WebP image."),
    ],
)
def test_what_is_not_a_photo_is_a_400_in_the_callers_language(org, api_as, language, message):
    response = _post(api_as(org.courier), b"GIF89a not really", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    assert response.json() == {"photo": [message]}


def test_no_photo_is_a_400_naming_the_field(org, api_as):
    response = api_as(org.courier).post(URL, {}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()) == ["photo"]


def test_a_photo_over_the_upload_limit_is_a_413(org, api_as, settings):
    settings.UPLOAD_MAX_BYTES = 10_000

    response = _post(api_as(org.courier), _blank_png() + b"\0" * 10_000, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 413
    assert response.json() == {"detail": "The photo is 0.0 MB; at most 0.00953674 MB."}


def test_a_body_announced_too_large_is_refused_before_it_is_read(org, api_as, settings):
    # A body whose Content-Length is beyond the limit is answered without parsing it (the client here sends it
    # whole anyway; a real one may stop sending at the 413).
    settings.UPLOAD_MAX_BYTES = 1000

    response = _post(api_as(org.courier), b"\xff\xd8" + b"\0" * 200_000)

    assert response.status_code == 413
    assert response.json()["detail"] == "照片大小为 0.2 MB，最大 0.000953674 MB。"


def test_a_photo_with_too_many_pixels_is_a_413(org, api_as):
    buffer = io.BytesIO()
    Image.new("1", (5000, 4000)).save(buffer, "PNG")  # 20 megapixels in a few kilobytes

    response = _post(api_as(org.courier), buffer.getvalue())

    assert response.status_code == 413
    assert "百万像素" in response.json()["detail"]


def test_more_than_twenty_readings_a_minute_are_throttled(org, api_as):
    client = api_as(org.courier)
    answers = [_post(client, b"not a photo").status_code for _ in range(21)]

    assert answers == [400] * 20 + [429]
    # Another person is not held back by the first one's readings.
    assert _post(api_as(org.marketer), b"not a photo").status_code == 400


def test_the_schema_describes_the_request_and_the_answer(org, api_as):
    schema = api_as(org.admin).get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"][URL]["post"]
    request = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][request]["properties"]["photo"]["format"] == "binary"
    assert set(operation["responses"]) >= {"200", "400", "413", "429"}
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][answer]["properties"]
    assert set(properties) == {
        "company_name",
        "contact_name",
        "contact_title",
        "phones",
        "email",
        "address",
        "lines",
        "complete",
    }
    phone = schema["components"]["schemas"][properties["phones"]["items"]["$ref"].rsplit("/", 1)[-1]]
    assert set(phone["properties"]) == {"value", "source", "confidence", "kind", "display"}
