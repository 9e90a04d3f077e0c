"""The lead list's pages (config/paging.py through the API's pagination, pipeline/api/leads.py FlatRowSerializer): the contract's page shape,
a bounded count, one query per page, and rows identical to DRF's own serializer output."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import serializers

from config import paging
from pipeline.api.leads import LeadListSerializer
from pipeline.models import Lead
from pipeline.models.leads import LeadStatus, RejectReason
from tests.factories_leads import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db


def _leads(org, n, **kwargs):
    """n leads of the courier, one minute apart, newest last; returns them newest first (the list's order)."""
    start = timezone.now() - dt.timedelta(hours=5)
    leads = [
        LeadFactory(collected_by=org.courier, collected_at=start + dt.timedelta(minutes=i), **kwargs)
        for i in range(n)
    ]
    return leads[::-1]


def test_a_list_that_fits_on_one_page_is_counted_without_a_count_query(
    org, api_as, django_assert_num_queries
):
    # Given three leads of the station
    leads = _leads(org, 3)
    # When the station master lists them: one query (on PostgreSQL the page and its count in one, newest_page;
    # elsewhere the page, whose rows end the list and so say how many there are: config/paging.py)
    with django_assert_num_queries(1):
        body = api_as(org.station_master).get("/api/v1/leads/").json()
    # Then the count is the rows on it
    assert body == {"count": 3, "next": None, "previous": None, "results": body["results"]}
    assert [r["id"] for r in body["results"]] == [lead.pk for lead in leads]


def test_pages_link_to_each_other_and_the_count_is_exact_below_the_limit(
    org, api_as, django_assert_num_queries
):
    # Given seven leads, listed three to a page
    leads = _leads(org, 7)
    api = api_as(org.station_master)
    # When the first page is read: the page and a bounded count, in one query on PostgreSQL (newest_page)
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        first = api.get("/api/v1/leads/?page_size=3").json()
    # Then
    assert first["count"] == 7
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/leads/?page=2&page_size=3"
    assert [r["id"] for r in first["results"]] == [lead.pk for lead in leads[:3]]
    second = api.get(first["next"]).json()
    assert second["previous"] == "http://testserver/api/v1/leads/?page_size=3"
    assert [r["id"] for r in second["results"]] == [lead.pk for lead in leads[3:6]]
    # The last page: one query, its rows end the list
    with django_assert_num_queries(1):
        last = api.get(second["next"]).json()
    assert last == {
        "count": 7,
        "next": None,
        "previous": "http://testserver/api/v1/leads/?page=2&page_size=3",
        "results": last["results"],
    }
    assert [r["id"] for r in last["results"]] == [leads[6].pk]
    assert api.get("/api/v1/leads/?page_size=3&page=last").json()["results"] == last["results"]


def test_another_order_reads_the_page_and_counts_apart(org, api_as, django_assert_num_queries):
    leads = _leads(org, 5)
    api = api_as(org.station_master)
    with django_assert_num_queries(2):
        body = api.get("/api/v1/leads/?page_size=2&ordering=collected_at").json()
    assert body["count"] == 5
    assert [r["id"] for r in body["results"]] == [leads[4].pk, leads[3].pk]
    newest = api.get("/api/v1/leads/?page_size=2").json()
    assert [r["id"] for r in newest["results"]] == [leads[0].pk, leads[1].pk]
    assert {k: v for k, v in newest.items() if k != "results"} == {
        "count": 5,
        "next": "http://testserver/api/v1/leads/?page=2&page_size=2",
        "previous": None,
    }


def test_above_the_limit_the_count_is_null_and_the_pages_go_on(org, api_as, monkeypatch):
    # Given a count limit of 4 and six leads
    monkeypatch.setattr(paging, "COUNT_LIMIT", 4)
    leads = _leads(org, 6)
    api = api_as(org.station_master)
    # When
    first = api.get("/api/v1/leads/?page_size=2").json()
    third = api.get("/api/v1/leads/?page_size=2&page=3").json()
    # Then the first page has no number to give, but the last page counts its way to the end
    assert first["count"] is None and first["next"]
    assert third["count"] == 6 and third["next"] is None
    assert [r["id"] for r in third["results"]] == [lead.pk for lead in leads[4:]]
    # And a filter that narrows the list below the limit gets its number back
    Lead.objects.filter(pk=leads[0].pk).update(status=LeadStatus.ACCEPTED)
    narrowed = api.get(f"/api/v1/leads/?page_size=2&collected_by={org.courier.pk}&status=accepted").json()
    assert narrowed["count"] == 1


@pytest.mark.parametrize("page", ["0", "-1", "two", "2.0", "3"])
def test_a_page_that_does_not_exist_is_a_404(org, api_as, page):
    _leads(org, 3)
    response = api_as(org.station_master).get(f"/api/v1/leads/?page_size=2&page={page}")
    assert response.status_code == 404


def test_an_empty_list_has_a_first_page(org, api_as):
    body = api_as(org.courier).get("/api/v1/leads/").json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_filters_still_apply_and_refuse_bad_values(org, api_as):
    newest, _middle, oldest = _leads(org, 3)
    Lead.objects.filter(pk=oldest.pk).update(status=LeadStatus.RETURNED)
    api = api_as(org.station_master)
    assert [r["id"] for r in api.get("/api/v1/leads/?status=returned").json()["results"]] == [oldest.pk]
    assert api.get("/api/v1/leads/?ordering=collected_at").json()["results"][0]["id"] == oldest.pk
    assert api.get("/api/v1/leads/?status=nope").status_code == 400
    assert api.get("/api/v1/leads/?unknown=1").json()["count"] == 3


def _drf_rows(leads):
    """What DRF's generic ModelSerializer writes for the same fields."""
    serializer = LeadListSerializer()
    return [serializers.ModelSerializer.to_representation(serializer, lead) for lead in leads]


def test_list_rows_are_what_drfs_own_serializer_writes(org, api_as):
    # Given a lead with every field set and one with the optional ones empty, by a collector without a display name
    client = ClientFactory(area=org.a1)
    full = LeadFactory(
        collected_by=org.courier,
        company_type="factory",
        source="referral",
        our_monthly=7,
        status=LeadStatus.REJECTED,
        status_reason="重复",
        reject_reason=RejectReason.DUPLICATE,
        duplicate_of=client,
        client=client,
        collected_at=timezone.now().replace(microsecond=123456) - dt.timedelta(days=3),
    )
    org.courier_a2.display_name = ""
    org.courier_a2.save()
    sparse = LeadFactory(
        collected_by=org.courier_a2, address="", industry="", inbound_monthly=None, outbound_monthly=None
    )
    # When the station master lists them (in the station's time zone and in UTC)
    body = api_as(org.station_master).get("/api/v1/leads/").json()
    with timezone.override("UTC"):
        utc = api_as(org.station_master).get("/api/v1/leads/").json()
    # Then every row, written on the flat path, equals DRF's generic output for the same lead
    assert LeadListSerializer._plan is not None
    expected = _drf_rows(Lead.objects.filter(pk__in=[sparse.pk, full.pk]).order_by("-collected_at", "-pk"))
    assert body["results"] == expected
    assert body["results"][1]["collected_by_name"] == str(org.courier)
    assert body["results"][0]["collected_by_name"] == org.courier_a2.username
    assert body["results"][0]["missing_fields"] == [
        "address",
        "industry",
        "inbound_monthly",
        "outbound_monthly",
    ]
    assert utc["results"][1]["collected_at"].endswith("Z")
    assert utc["results"][1]["collected_at"] != body["results"][1]["collected_at"]


def test_a_serializer_with_nested_rows_keeps_drfs_path(org, api_as):
    # The detail serializer extends the list's fields with nested rows: it must not take the flat path.
    lead = LeadFactory(collected_by=org.courier)
    body = api_as(org.station_master).get(f"/api/v1/leads/{lead.pk}/").json()
    assert body["competitors"] == [] and body["history"] == []
    assert body["collected_by_name"] == str(org.courier)
