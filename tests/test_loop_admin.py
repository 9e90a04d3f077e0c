"""pipeline/admin_loop.py: the admin action moves clients through the transitions module, gates included."""

import pytest

from pipeline.models import Client, StageChange
from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory
from tests.factories_loop import satisfy_gate

pytestmark = pytest.mark.django_db


def test_the_admin_action_asks_where_to_then_moves_what_may_move_and_lists_refusals(org, client):
    ready = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.NEEDS, name="齐备")
    satisfy_gate(ready, org.kam)
    lacking = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.NEEDS, name="缺分析")
    client.force_login(org.admin)
    client.cookies["django_language"] = "en"  # pages follow the language switch, not the browser
    selected = {"action": "move_clients", "_selected_action": [ready.pk, lacking.pk]}

    # Given the intermediate page
    page = client.post("/admin/pipeline/client/", selected)
    assert page.status_code == 200
    assert "齐备" in page.content.decode()
    assert not StageChange.objects.exists()

    # When the admin applies "proposal"
    done = client.post(
        "/admin/pipeline/client/",
        {**selected, "apply": "1", "to": "proposal"},
        follow=True,
    )

    # Then the ready client moved, the other was refused with the reason, and nothing else changed
    text = done.content.decode()
    assert "1 client(s) moved." in text
    assert "缺分析: «Needs analysis» is not finished: missing a needs analysis." in text
    assert Client.objects.get(pk=ready.pk).stage == Stage.PROPOSAL
    assert Client.objects.get(pk=lacking.pk).stage == Stage.NEEDS
    assert StageChange.objects.get().by == org.admin


def test_step_records_are_listed_in_the_admin(org, client):
    client.force_login(org.admin)
    for url in ("stagechange", "proposal", "contract", "survey", "evaluation", "regression"):
        assert client.get(f"/admin/pipeline/{url}/").status_code == 200, url
    for url in ("visitplan", "visitrecord"):
        assert client.get(f"/admin/visits/{url}/").status_code == 200, url
