"""POST /api/v1/complaints/ and a complaint's steps: free texts longer than 5000 characters are refused by name,
in the caller's language, and nothing is written."""

import pytest

from satisfaction.models import Complaint, ComplaintEvent
from tests.factories_leads import ClientFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TOO_LONG = "x" * 5001


def _complaint(api, client, description="连续三天延误"):
    body = {
        "client": client.pk,
        "channel": "api",
        "category": "delay",
        "severity": "high",
        "description": description,
    }
    return api.post("/api/v1/complaints/", body, format="json")


def test_a_complaint_with_a_description_of_5000_characters_is_recorded_open_with_a_deadline(org, api_as):
    client = ClientFactory(area=org.a1)

    response = _complaint(api_as(org.kam), client, description="延" * 5000)

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["due_at"][-6:]) == ("open", "+08:00")
    assert Complaint.objects.get().description == "延" * 5000


@pytest.mark.parametrize(
    ("language", "message"), [({}, "最多 5000 个字符。"), (EN, "At most 5000 characters.")]
)
def test_a_longer_description_is_a_field_error_and_nothing_is_recorded(org, api_as, language, message):
    # Given a complaint whose description runs past 5000 characters
    client = ClientFactory(area=org.a1)
    api = api_as(org.kam)

    # When it is posted
    response = api.post(
        "/api/v1/complaints/",
        {
            "client": client.pk,
            "channel": "api",
            "category": "delay",
            "severity": "high",
            "description": TOO_LONG,
        },
        format="json",
        **language,
    )

    # Then the description is refused by name and nothing was written
    assert response.status_code == 400
    assert response.json() == {"description": [message]}
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("step", "field"),
    [("start", "note"), ("resolve", "resolution")],
)
def test_a_step_with_a_note_longer_than_5000_characters_is_refused_and_the_complaint_stays(
    org, api_as, step, field
):
    client = ClientFactory(area=org.a1)
    api = api_as(org.kam)
    complaint_id = _complaint(api, client).json()["id"]

    response = api.post(f"/api/v1/complaints/{complaint_id}/{step}/", {field: TOO_LONG}, format="json", **EN)

    assert response.status_code == 400
    assert response.json() == {field: ["At most 5000 characters."]}
    assert Complaint.objects.get().status == "open"
    assert ComplaintEvent.objects.count() == 1  # only its creation


@pytest.mark.parametrize(("step", "field"), [("close", "confirmation"), ("reopen", "reason")])
def test_closing_or_reopening_with_a_text_longer_than_5000_characters_is_refused(org, api_as, step, field):
    client = ClientFactory(area=org.a1)
    api = api_as(org.kam)
    complaint_id = _complaint(api, client).json()["id"]
    api.post(f"/api/v1/complaints/{complaint_id}/resolve/", {"resolution": "已赔付"}, format="json")

    response = api.post(f"/api/v1/complaints/{complaint_id}/{step}/", {field: TOO_LONG}, format="json", **EN)

    assert response.status_code == 400
    assert response.json() == {field: ["At most 5000 characters."]}
    assert Complaint.objects.get().status == "resolved"
