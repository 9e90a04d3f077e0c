"""POST /api/v1/clients/{id}/transition/: every refused move answers 400 with a `detail` saying why, as the public
contract promises, and the field errors stay beside it."""

import pytest

from pipeline.models import Client, StageChange
from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _transition(api, client, body, **headers):
    return api.post(f"/api/v1/clients/{client.pk}/transition/", body, format="json", **headers)


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({"to": "screen"}, "reason", "Moving a client back needs a reason."),
        ({"to": "dropped", "drop_reason": "too_small"}, "reason", "Dropping a client needs a reason."),
        ({"to": "somewhere"}, "to", "Unknown stage «somewhere»."),
    ],
    ids=["back-without-reason", "drop-without-reason", "unknown-stage"],
)
def test_a_refusal_about_a_field_names_the_field_and_says_why_in_detail(org, api_as, body, field, detail):
    # Given a client in the survey step
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)

    # When its key-account manager asks for a move the rules refuse
    response = _transition(api_as(org.kam), client, body, **EN)

    # Then the answer names the field and carries the contract's `detail`, and nothing moved
    assert response.status_code == 400
    assert response.json()[field] == [response.json()["detail"]]
    assert response.json()["detail"].startswith(detail)
    assert Client.objects.get(pk=client.pk).stage == Stage.SURVEY
    assert not StageChange.objects.exists()


def test_a_refusal_about_the_move_itself_is_a_detail_alone(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)

    response = _transition(api_as(org.kam), client, {"to": "contract"}, **EN)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "A client moves one step at a time: from «Survey» the next step is «Needs analysis»."
    }
    assert not StageChange.objects.exists()


def test_the_detail_follows_the_language_of_the_request(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)

    response = _transition(api_as(org.kam), client, {"to": "screen"})

    assert response.status_code == 400
    assert response.json() == {"reason": ["退回客户需要填写原因。"], "detail": "退回客户需要填写原因。"}


def test_an_accepted_move_still_answers_with_the_stage(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)

    response = _transition(api_as(org.kam), client, {"to": "screen", "reason": "决策人不对"})

    assert response.status_code == 200
    assert response.json()["stage"] == "screen"
    assert StageChange.objects.get().reason == "决策人不对"


def test_a_reason_longer_than_5000_characters_is_refused_and_nothing_moves(org, api_as):
    # Given a client in the survey step
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)

    # When it is moved back with a 3 MB reason
    response = _transition(api_as(org.kam), client, {"to": "screen", "reason": "x" * 3_000_000}, **EN)

    # Then the reason is refused by name, and neither the client nor its history changed
    assert response.status_code == 400
    assert response.json() == {"reason": ["At most 5000 characters."], "detail": "At most 5000 characters."}
    assert Client.objects.get(pk=client.pk).stage == Stage.SURVEY
    assert not StageChange.objects.exists()


def test_a_reason_of_exactly_5000_characters_is_kept_whole(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)

    response = _transition(api_as(org.kam), client, {"to": "screen", "reason": "因" * 5000})

    assert response.status_code == 200
    assert StageChange.objects.get().reason == "因" * 5000


def test_the_moment_the_client_entered_its_stage_carries_the_local_offset(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)

    response = _transition(api_as(org.kam), client, {"to": "screen", "reason": "决策人不对"})

    # Given as the history gives its `at`: Shanghai time with its offset, not UTC with a Z
    assert response.json()["stage_entered_at"].endswith("+08:00")
    assert (
        response.json()["stage_entered_at"]
        == api_as(org.kam).get(f"/api/v1/clients/{client.pk}/history/").json()["results"][-1]["at"]
    )


def test_the_contracts_drop_with_a_reason_alone_counts_as_other(org, api_as):
    from pipeline.models import Client, StageChange
    from tests.factories_loop import ClientFactory

    client = ClientFactory(station=org.station_a, area=org.a1, owner=org.kam)
    response = api_as(org.kam).post(
        f"/api/v1/clients/{client.pk}/transition/", {"to": "dropped", "reason": "客户已搬走"}, format="json"
    )
    assert (response.status_code, response.json()["stage"]) == (200, "dropped")
    assert Client.objects.get(pk=client.pk).stage == "dropped"
    assert StageChange.objects.filter(client=client).latest("at").drop_reason == "other"
