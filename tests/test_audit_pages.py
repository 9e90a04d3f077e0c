"""The history pages: a client's (its records too, in Chinese, with field names and choice labels) and a
person's, scoped like the objects; and the pruning job."""

import datetime

import pytest
from django.conf import settings
from django.test import Client as WebClient

from audit.context import audit_context
from audit.models import EVENT_MODELS
from pipeline.models import ClientContact
from tests.factories_leads import ClientContactFactory, ClientFactory

pytestmark = pytest.mark.django_db


def _web(user, language="zh-hans"):
    web = WebClient()
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the language switch
    web.force_login(user)
    return web


@pytest.fixture
def changed_client(org):
    client = ClientFactory(area=org.a1, owner=org.kam, tier="B", name="金桥电子有限公司")
    contact = ClientContactFactory(client=client, name="周总")
    with audit_context(user=org.kam.pk):
        client.tier = "A"
        client.save(update_fields=["tier"])
        ClientContact.objects.get(pk=contact.pk).delete()
    return client


def test_the_client_history_speaks_chinese_with_labels(org, changed_client):
    page = _web(org.station_master).get(f"/clients/{changed_client.pk}/history/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "变更历史" in html and "修改" in html and "删除" in html
    assert "等级" in html and ">tier<" not in html  # the field's verbose name, not its code
    assert "周总" in html  # the deleted contact stays findable
    assert str(org.kam) in html


def test_the_client_page_links_to_its_history(org, changed_client):
    page = _web(org.kam).get(f"/clients/{changed_client.pk}/")
    assert f"/clients/{changed_client.pk}/history/".encode() in page.content


def test_client_history_scope(org, changed_client):
    assert _web(org.station_master_b).get(f"/clients/{changed_client.pk}/history/").status_code == 404
    assert _web(org.marketer_a2).get(f"/clients/{changed_client.pk}/history/").status_code == 404
    assert _web(org.executive).get(f"/clients/{changed_client.pk}/history/").status_code == 200


def test_a_courier_has_no_history_pages(org):
    client = ClientFactory(area=org.a1, owner=org.kam, collected_by=org.courier)
    assert _web(org.courier).get(f"/clients/{client.pk}/history/").status_code == 403
    assert _web(org.courier).get(f"/people/{org.courier.pk}/history/").status_code == 403


@pytest.mark.parametrize(
    "role, own_station, other_station",
    [
        ("station_master", 200, 404),
        ("executive", 200, 200),
        ("admin", 200, 200),
        ("key_account_manager", 403, 403),
        ("area_manager", 403, 403),
    ],
)
def test_person_history_scope(org, role, own_station, other_station):
    web = _web(org.by_role()[role])
    assert web.get(f"/people/{org.courier.pk}/history/").status_code == own_station
    assert web.get(f"/people/{org.courier_b.pk}/history/").status_code == other_station


def test_person_history_shows_what_they_did_in_english_too(org, changed_client):
    page = _web(org.station_master, "en").get(f"/people/{org.kam.pk}/history/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Changed" in html and "Deleted" in html


def test_the_people_list_links_to_each_history(org):
    page = _web(org.station_master).get("/people/")
    assert f"/people/{org.courier.pk}/history/".encode() in page.content


@pytest.mark.postgres
def test_pruning_keeps_the_retention_period_and_runs_twice(org, settings):
    from audit.tasks import prune_trail

    settings.AUDIT_RETENTION_DAYS = 730
    ClientFactory(area=org.a1, owner=org.kam)
    event_model = EVENT_MODELS["pipeline.Client"]
    kept = event_model.objects.count()
    assert kept >= 1
    today = datetime.date.today()
    assert prune_trail(today.isoformat()) == 0
    assert prune_trail((today + datetime.timedelta(days=731)).isoformat()) >= kept
    assert event_model.objects.count() == 0
    assert prune_trail((today + datetime.timedelta(days=731)).isoformat()) == 0
