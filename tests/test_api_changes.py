"""Incremental sync: every list of the API takes `updated_since` and pages by cursor, so BI pulls changes
without full scans; deletions are read from the audit trail."""

import datetime

import pytest
from django.utils import timezone

from tests.factories_leads import ClientFactory

pytestmark = pytest.mark.django_db

# Lists whose path names an object: the object is made by the test.
WITH_ID = {
    "/api/v1/clients/{id}/history/",
    "/api/v1/survey-campaigns/{id}/invitations/",
    "/api/v1/webhooks/{id}/deliveries/",
}
# Lists computed on each request, with no rows that change: documented in docs/integrations.md.
COMPUTED = {"/api/v1/client-health/"}


def _list_paths():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        ok = get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if "Paginated" in ok.get("$ref", ""):
            found.append(path)
    return sorted(found)


LIST_PATHS = _list_paths()


def test_the_lists_are_found():
    assert len(LIST_PATHS) > 30 and "/api/v1/volumes/" in LIST_PATHS and "/api/v1/clients/" in LIST_PATHS


@pytest.mark.parametrize("path", [p for p in LIST_PATHS if p not in WITH_ID | COMPUTED])
def test_every_list_takes_updated_since_and_a_cursor(org, api_as, path):
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    answer = api_as(org.admin).get(path, {"updated_since": since, "page_size": 1})
    assert answer.status_code == 200, (path, answer.content[:300])
    body = answer.json()
    assert {"next", "previous", "results"} <= set(body)
    assert body["previous"] is None
    if body["next"] and path != "/api/v1/audit/":  # the trail's rows never change: it pages by number
        assert "cursor=" in body["next"]
        second = api_as(org.admin).get(body["next"])
        assert second.status_code == 200
        assert second.json()["results"] != body["results"]


def test_a_clients_history_pages_by_cursor(org, api_as):
    client = ClientFactory(area=org.a1)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    answer = api_as(org.station_master).get(f"/api/v1/clients/{client.pk}/history/", {"updated_since": since})
    assert answer.status_code == 200 and answer.json()["previous"] is None


@pytest.mark.parametrize("path", LIST_PATHS)
def test_the_schema_documents_both_parameters(org, api_as, path):
    schema = api_as(org.admin).get("/api/schema/", {"format": "json"}).json()
    names = {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}
    if path in COMPUTED:
        return
    assert {"updated_since", "cursor"} <= names or "since" in names, path


def test_changes_come_oldest_first_page_by_page_and_only_since(org, api_as):
    clients = [ClientFactory(area=org.a1, name=f"同步{i}有限公司") for i in range(5)]
    base = timezone.now() - datetime.timedelta(hours=5)
    type(clients[0]).objects.filter(pk=clients[0].pk).update(updated_at=base - datetime.timedelta(days=3))
    for i, client in enumerate(clients[1:], start=1):
        # Two rows share an instant: the id breaks the tie.
        type(client).objects.filter(pk=client.pk).update(
            updated_at=base + datetime.timedelta(minutes=min(i, 3))
        )
    api = api_as(org.station_master)
    url = "/api/v1/clients/"
    params = {"updated_since": base.isoformat(), "page_size": 2}
    seen, answer = [], api.get(url, params).json()
    pages = 1
    while True:
        seen += [row["id"] for row in answer["results"]]
        assert answer["count"] is None and answer["previous"] is None
        if not answer["next"]:
            break
        answer = api.get(answer["next"]).json()
        pages += 1
    assert seen == [c.pk for c in clients[1:]] and pages == 2
    # A change after the pull shows in the next one.
    ClientFactory(area=org.a1, name="新来有限公司")
    later = api.get(
        url, {"updated_since": (timezone.now() - datetime.timedelta(seconds=5)).isoformat()}
    ).json()
    assert [row["name"] for row in later["results"]] == ["新来有限公司"]


def test_scope_still_applies(org, api_as):
    ClientFactory(area=org.b1, name="别站有限公司")
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    assert (
        api_as(org.station_master).get("/api/v1/clients/", {"updated_since": since}).json()["results"] == []
    )


@pytest.mark.parametrize(
    "params, field",
    [
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2026-13-01T00:00:00"}, "updated_since"),
        # A moment before the year 1 (in UTC): a 400, not a database error
        ({"updated_since": "0001-01-01T00:00:00+08:00"}, "updated_since"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"updated_since": "2026-01-01T00:00:00+08:00", "cursor": "W10"}, "cursor"),
    ],
)
def test_bad_values_are_400_in_the_users_language(org, api_as, params, field):
    answer = api_as(org.admin).get("/api/v1/clients/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert field in answer.json()


def test_the_page_costs_the_same_queries_for_2_rows_as_for_20(org, api_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    api = api_as(org.admin)

    def read():
        with CaptureQueriesContext(connection) as queries:
            api.get("/api/v1/volumes/", {"updated_since": since})
        return len(queries)

    from tests.factories_volumes import volume

    client = ClientFactory(area=org.a1)
    volume(client, "2026-01", 1)
    volume(client, "2026-02", 1)
    few = read()
    for month in range(3, 13):
        volume(client, f"2025-{month:02d}", 1)
    assert read() == few


def test_deletions_are_read_from_the_audit_trail(org, api_as):
    from pipeline.models import ClientContact

    client = ClientFactory(area=org.a1)
    contact = ClientContact.objects.create(client=client, name="王经理")
    since = timezone.now() - datetime.timedelta(minutes=1)
    contact_id = contact.pk
    contact.delete()
    body = (
        api_as(org.station_master)
        .get(
            "/api/v1/audit/",
            {"action": "delete", "since": since.isoformat(), "object_type": "client_contact"},
        )
        .json()
    )
    assert [(row["action"], row["object_id"]) for row in body["results"]] == [("delete", str(contact_id))]


def test_a_list_read_light_pulls_changes_with_the_same_rows(org, api_as):
    from tests.factories_leads import LeadFactory

    leads = [LeadFactory(collected_by=org.courier, company_name=f"线索{i}有限公司") for i in range(3)]
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    api = api_as(org.marketer)
    first = api.get("/api/v1/leads/", {"updated_since": since, "page_size": 2}).json()
    second = api.get(first["next"]).json()
    rows = first["results"] + second["results"]
    assert [row["id"] for row in rows] == [lead.pk for lead in leads]
    plain = api.get("/api/v1/leads/").json()["results"]
    assert {tuple(sorted(row)) for row in rows} == {tuple(sorted(row)) for row in plain}


def test_a_moment_before_the_year_1_is_a_400_in_a_filter(org, api_as):
    answer = api_as(org.admin).get(
        "/api/v1/visit-records/", {"visited_from": "0001-01-01T00:00:00+08:00"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.status_code == 400
    assert "visited_from" in answer.json()


@pytest.mark.parametrize("value", ["0022-01-29T21:46:18.9+19:42", "2026-01-01T00:00:00-11:00"])
def test_a_moment_with_any_offset_filters_in_utc(org, api_as, value):
    # PostgreSQL refuses offsets beyond ±15:59 (a 500 before); the moment is compared in UTC.
    assert api_as(org.admin).get("/api/v1/visit-records/", {"visited_from": value}).status_code == 200
    assert api_as(org.admin).get("/api/v1/clients/", {"updated_since": value}).status_code == 200
