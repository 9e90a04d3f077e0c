"""visits/api.py: plans with the superior's decision, records with SPIN notes, location and photos."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory
from tests.factories_loop import VisitPlanFactory
from visits.models import PlanStatus, SuperiorStatus, VisitPhoto, VisitPlan, VisitRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org):
    return ClientFactory(area=org.a1, owner=org.kam, stage=Stage.VISIT)


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("visit.png", buffer.getvalue(), content_type="image/png")


def test_a_plan_with_a_superior_request_is_approved_by_the_area_manager(org, api_as, customer):
    plan = api_as(org.marketer).post(
        "/api/v1/visit-plans/",
        {
            "client": customer.pk,
            "planned_for": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "kind": "first",
            "companions": [org.kam.pk],
            "key_points": "时效",
            "superior_requested": True,
        },
        format="json",
    )
    assert plan.status_code == 201, plan.json()
    body = plan.json()
    assert (body["assignee"], body["superior_status"], body["companions"]) == (
        org.marketer.pk,
        "pending",
        [org.kam.pk],
    )
    assert (
        api_as(org.kam).post(f"/api/v1/visit-plans/{body['id']}/approve/", {}, format="json").status_code
        == 403
    )
    decided = api_as(org.manager).post(
        f"/api/v1/visit-plans/{body['id']}/decline/", {"note": "忙"}, format="json"
    )
    assert decided.json()["superior_status"] == "declined"
    again = api_as(org.manager).post(f"/api/v1/visit-plans/{body['id']}/approve/", {}, format="json")
    assert again.status_code == 400
    assert VisitPlan.objects.get().superior_status == SuperiorStatus.DECLINED


def test_a_record_with_location_and_photos_through_multipart(org, api_as, customer):
    plan = VisitPlanFactory(client=customer, assignee=org.kam, planned_for=timezone.localdate())
    response = api_as(org.kam).post(
        "/api/v1/visit-records/",
        {
            "client": customer.pk,
            "plan": plan.pk,
            "visited_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
            "met": "采购经理",
            "problem": "旺季爆仓",
            "outcome": "objection",
            "latitude": "31.2",
            "longitude": "121.5",
            "accuracy": "12",
            "photos": [_png(), _png()],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["outcome"], body["latitude"], len(body["photos"])) == ("objection", "31.200000", 2)
    assert VisitPlan.objects.get().status == PlanStatus.DONE
    more = api_as(org.kam).post(
        f"/api/v1/visit-records/{body['id']}/photos/", {"image": _png()}, format="multipart"
    )
    assert more.status_code == 201
    assert VisitPhoto.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"latitude": "31.2"}, "longitude"),  # half a position
        ({"latitude": "200", "longitude": "1"}, "latitude"),
        ({"outcome": "great"}, "outcome"),
        ({"met": ""}, "met"),
    ],
)
def test_bad_records_answer_400_and_save_nothing(org, api_as, customer, change, field):
    body = {
        "client": customer.pk,
        "visited_at": timezone.now().isoformat(),
        "met": "王总",
        "outcome": "interested",
    }
    response = api_as(org.kam).post("/api/v1/visit-records/", {**body, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not VisitRecord.objects.exists()


def test_a_photo_that_is_not_an_image_is_refused(org, api_as, customer):
    record = (
        api_as(org.kam)
        .post(
            "/api/v1/visit-records/",
            {
                "client": customer.pk,
                "visited_at": timezone.now().isoformat(),
                "met": "王总",
                "outcome": "interested",
            },
            format="json",
        )
        .json()
    )
    fake = SimpleUploadedFile("x.png", b"<html>", content_type="image/png")
    response = api_as(org.kam).post(
        f"/api/v1/visit-records/{record['id']}/photos/", {"image": fake}, format="multipart"
    )
    assert response.status_code == 400
    assert not VisitPhoto.objects.exists()


def test_plans_filter_by_date_and_a_plan_can_be_cancelled_once(org, api_as, customer):
    today = timezone.localdate()
    soon = VisitPlanFactory(client=customer, assignee=org.kam, planned_for=today + timedelta(days=1))
    VisitPlanFactory(client=customer, assignee=org.kam, planned_for=today + timedelta(days=20))
    api = api_as(org.kam)
    listed = api.get(f"/api/v1/visit-plans/?planned_to={(today + timedelta(days=7)).isoformat()}").json()
    assert [p["id"] for p in listed["results"]] == [soon.pk]
    assert api.post(f"/api/v1/visit-plans/{soon.pk}/cancel/").json()["status"] == "cancelled"
    assert api.post(f"/api/v1/visit-plans/{soon.pk}/cancel/").status_code == 400
