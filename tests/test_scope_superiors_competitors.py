"""A visit's superior comes from the visit's station (or headquarters), through the page, the API and the
manager's decision; the competitors list, one for the whole network, is edited by headquarters alone (page, API,
admin)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from pipeline.models import Competitor
from pipeline.models.loop import Stage
from tests.factories import UserFactory
from tests.factories_leads import ClientFactory
from visits.models import SuperiorStatus, VisitPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org):
    return ClientFactory(area=org.a1, owner=org.kam, stage=Stage.VISIT)


def plan_input(customer, **extra) -> dict:
    return {
        "client": customer.pk,
        "planned_for": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "kind": "first",
        "superior_requested": True,
        **extra,
    }


def test_a_superior_from_another_station_is_refused_by_the_api(org, api_as, customer):
    for by in (org.kam, org.executive):
        refused = api_as(by).post(
            "/api/v1/visit-plans/", plan_input(customer, superior=org.station_master_b.pk), format="json"
        )
        assert refused.status_code == 400 and "superior" in refused.json()
        assert org.station_master_b.username not in str(refused.json())
    assert not VisitPlan.objects.exists()
    # The station's own master, or headquarters, may come along.
    for superior in (org.station_master, org.executive):
        ok = api_as(org.kam).post(
            "/api/v1/visit-plans/", plan_input(customer, superior=superior.pk), format="json"
        )
        assert ok.status_code == 201, ok.json()


def test_the_manager_cannot_approve_a_superior_from_another_station(org, api_as, customer):
    plan = api_as(org.kam).post("/api/v1/visit-plans/", plan_input(customer), format="json").json()
    refused = api_as(org.manager).post(
        f"/api/v1/visit-plans/{plan['id']}/approve/", {"superior": org.kam_b.pk}, format="json"
    )
    assert refused.status_code == 400 and "superior" in refused.json()
    assert VisitPlan.objects.get().superior_status == SuperiorStatus.PENDING
    ok = api_as(org.manager).post(
        f"/api/v1/visit-plans/{plan['id']}/approve/", {"superior": org.station_master.pk}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["superior"] == org.station_master.pk


def test_the_plan_page_refuses_a_superior_from_another_station(org, client, customer):
    client.force_login(org.executive)  # sees everybody, so the form offers everybody
    data = plan_input(customer, superior=org.station_master_b.pk, assignee=org.kam.pk)
    page = client.post("/visits/plans/new/", data)
    assert page.status_code == 200 and "superior" in page.context["form"].errors
    assert not VisitPlan.objects.exists()


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("courier", False),
        ("area_marketer", False),
        ("area_manager", False),
        ("station_master", False),
        ("key_account_manager", False),
        ("executive", True),
        ("admin", True),
    ],
)
def test_only_headquarters_edits_the_competitors_list(org, client, api_as, role, allowed):
    user = org.by_role()[role]
    sf = Competitor.objects.get(short_name="SF")
    api = api_as(user).patch(f"/api/v1/competitors/{sf.pk}/", {"is_active": False}, format="json")
    assert api.status_code == (200 if allowed else 403)
    client.force_login(user)
    assert client.get(f"/competitors/{sf.pk}/").status_code == (200 if allowed else 403)
    page = client.post(f"/competitors/{sf.pk}/", {"name": sf.name, "short_name": "SF", "notes": role})
    assert page.status_code == (302 if allowed else 403)
    sf.refresh_from_db()
    assert (sf.notes == role) is allowed
    assert ("/competitors/new/" in client.get("/competitors/").content.decode()) is allowed


def test_a_station_master_with_admin_access_cannot_change_competitors_there(org, client):
    master = UserFactory(username="master_staff", role="station_master", station=org.station_a, is_staff=True)
    master.user_permissions.set(Permission.objects.filter(codename__endswith="_competitor"))
    sf = Competitor.objects.get(short_name="SF")
    client.force_login(master)
    assert client.get(f"/admin/pipeline/competitor/{sf.pk}/change/").status_code in (200, 403)
    response = client.post(
        f"/admin/pipeline/competitor/{sf.pk}/change/", {"name": sf.name, "short_name": "SF", "is_active": ""}
    )
    assert response.status_code == 403
    sf.refresh_from_db()
    assert sf.is_active
    client.force_login(org.admin)
    assert client.get(f"/admin/pipeline/competitor/{sf.pk}/change/").status_code == 200
