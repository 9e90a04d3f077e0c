"""POST /api/v1/volumes/ and GET /api/v1/volumes/: ids and codes, replace not add, per-row errors, the row limit,
scope, bad months and numbers, and a query count that does not grow with the rows."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbox.models import Message
from tests.factories_leads import ClientFactory
from volumes.models import MonthlyVolume
from volumes.services import MAX_ROWS

URL = "/api/v1/volumes/"
NOW = datetime.datetime(2026, 5, 10, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clients(org):
    a = ClientFactory(area=org.a1, name="甲公司", waybill_code="WB-A")
    b = ClientFactory(area=org.a2, name="乙公司", waybill_code="WB-B")
    other = ClientFactory(area=org.b1, name="丙公司", waybill_code="WB-C")
    return a, b, other


def _stored():
    return sorted(
        (v.client_id, v.month.isoformat(), v.source, v.parcels, str(v.revenue))
        for v in MonthlyVolume.objects.all()
    )


def test_rows_by_id_and_by_code_are_stored(org, clients, api_as):
    a, b, _other = clients
    answer = api_as(org.station_master).post(
        URL,
        {
            "rows": [
                {
                    "client": a.pk,
                    "month": "2026-04",
                    "parcels": 1200,
                    "revenue": "9600.50",
                    "source": "waybill",
                },
                {"client_code": "WB-B", "month": "2026-04", "parcels": 30, "revenue": 240},
            ]
        },
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"created": 2, "updated": 0, "errors": []}
    assert _stored() == [
        (a.pk, "2026-04-01", "waybill", 1200, "9600.50"),
        (b.pk, "2026-04-01", "waybill", 30, "240.00"),
    ]
    # Tiers and warnings follow through the outbox, for the station the rows were about.
    assert list(Message.objects.values_list("task", "args")) == [
        ("volumes.tasks.volumes_changed", [[org.station_a.pk], "2026-05-10"])
    ]


def test_the_same_client_month_and_source_sent_again_replaces(org, clients, api_as):
    a, _b, _other = clients
    api = api_as(org.admin)
    api.post(
        URL, {"rows": [{"client": a.pk, "month": "2026-03", "parcels": 10, "revenue": "80"}]}, format="json"
    )
    answer = api.post(
        URL,
        {
            "rows": [
                {"client_code": "WB-A", "month": "2026-03", "parcels": 12, "revenue": "96"},
                {"client": a.pk, "month": "2026-03", "parcels": 5, "revenue": "40", "source": "cod"},
            ]
        },
        format="json",
    )
    assert answer.json() == {"created": 1, "updated": 1, "errors": []}
    assert _stored() == [
        (a.pk, "2026-03-01", "cod", 5, "40.00"),
        (a.pk, "2026-03-01", "waybill", 12, "96.00"),
    ]


@pytest.mark.parametrize(
    "row, words",
    [
        ({"month": "2026-04", "parcels": 1, "revenue": 1}, "client"),
        ({"client": "x", "month": "2026-04", "parcels": 1, "revenue": 1}, "client"),
        ({"client_code": "WB-A", "month": "2026-13", "parcels": 1, "revenue": 1}, "YYYY-MM"),
        ({"client_code": "WB-A", "month": "2026/04", "parcels": 1, "revenue": 1}, "YYYY-MM"),
        ({"client_code": "WB-A", "month": "2026-06", "parcels": 1, "revenue": 1}, "current month"),
        ({"client_code": "WB-A", "month": "2026-04", "parcels": -1, "revenue": 1}, "Parcels"),
        ({"client_code": "WB-A", "month": "2026-04", "parcels": 1.5, "revenue": 1}, "Parcels"),
        ({"client_code": "WB-A", "month": "2026-04", "parcels": True, "revenue": 1}, "Parcels"),
        ({"client_code": "WB-A", "month": "2026-04", "parcels": 1, "revenue": "1.234"}, "Revenue"),
        ({"client_code": "WB-A", "month": "2026-04", "parcels": 1, "revenue": "-3"}, "Revenue"),
        ({"client_code": "WB-A", "month": "2026-04", "parcels": 1, "revenue": "NaN"}, "Revenue"),
        ({"client_code": "WB-A", "month": "2026-04", "parcels": 1}, "revenue"),
        ({"client_code": "WB-A", "month": "2026-04", "parcels": 1, "revenue": 1, "source": "a b"}, "source"),
        ("not a row", "object"),
    ],
)
def test_a_bad_row_is_reported_and_the_good_ones_saved(org, clients, api_as, row, words):
    a = clients[0]
    good = {"client": a.pk, "month": "2026-04", "parcels": 3, "revenue": "24"}
    answer = api_as(org.admin).post(URL, {"rows": [good, row]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    body = answer.json()
    assert body["created"] == 1 and body["updated"] == 0
    assert [e["row"] for e in body["errors"]] == [1]
    assert words in body["errors"][0]["detail"]
    assert _stored() == [(a.pk, "2026-04-01", "waybill", 3, "24.00")]


def test_errors_follow_the_language_of_the_request(org, clients, api_as):
    answer = api_as(org.admin).post(
        URL,
        {"rows": [{"client_code": "WB-A", "month": "04/2026", "parcels": 1, "revenue": 1}]},
        format="json",
    )
    assert answer.json()["errors"] == [{"row": 0, "detail": "月份请写成 YYYY-MM。"}]


def test_a_client_out_of_scope_is_refused_like_one_that_does_not_exist(org, clients, api_as):
    _a, b, other = clients
    answer = api_as(org.station_master).post(
        URL,
        {
            "rows": [
                {"client": other.pk, "month": "2026-04", "parcels": 1, "revenue": 1},
                {"client_code": "WB-C", "month": "2026-04", "parcels": 1, "revenue": 1},
                {"client": 999_999, "month": "2026-04", "parcels": 1, "revenue": 1},
                {"client_code": "NOPE", "month": "2026-04", "parcels": 1, "revenue": 1},
                {"client": b.pk, "month": "2026-04", "parcels": 1, "revenue": 1},
            ]
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = answer.json()
    assert body["created"] == 1
    details = {e["detail"] for e in body["errors"]}
    assert [e["row"] for e in body["errors"]] == [0, 1, 2, 3]
    assert details == {"No client with this id or code in your scope."}
    assert "丙公司" not in answer.content.decode()
    assert _stored() == [(b.pk, "2026-04-01", "waybill", 1, "1.00")]


def test_a_row_repeated_in_one_call_is_refused(org, clients, api_as):
    a = clients[0]
    row = {"client": a.pk, "month": "2026-04", "parcels": 1, "revenue": 1}
    body = (
        api_as(org.admin)
        .post(URL, {"rows": [row, {**row, "parcels": 2}]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert body["created"] == 1
    assert body["errors"] == [
        {"row": 1, "detail": "Row 0 of this call has the same client, month and source."}
    ]
    assert _stored() == [(a.pk, "2026-04-01", "waybill", 1, "1.00")]


def test_more_than_ten_thousand_rows_are_refused_whole(org, clients, api_as):
    a = clients[0]
    rows = [
        {"client": a.pk, "month": "2026-04", "parcels": 1, "revenue": 1, "source": f"s{i}"}
        for i in range(MAX_ROWS + 1)
    ]
    answer = api_as(org.admin).post(URL, {"rows": rows}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert answer.json() == {
        "rows": ["At most 10,000 rows per call; this one has 10,001. Send them in several calls."]
    }
    assert not MonthlyVolume.objects.exists()


def test_ten_thousand_rows_fit_in_one_request(org, clients, api_as):
    a, b, _other = clients
    rows = [
        {"client": (a, b)[i % 2].pk, "month": "2026-04", "parcels": i, "revenue": "1.5", "source": f"s{i}"}
        for i in range(MAX_ROWS)
    ]
    answer = api_as(org.admin).post(URL, {"rows": rows}, format="json")
    assert answer.status_code == 200, answer.content[:300]
    assert answer.json() == {"created": MAX_ROWS, "updated": 0, "errors": []}


@pytest.mark.parametrize("role", ["courier", "area_marketer", "area_manager", "key_account_manager"])
def test_roles_that_do_not_push_volumes_get_403(org, clients, api_as, role):
    user = org.by_role()[role]
    answer = api_as(user).post(
        URL,
        {"rows": [{"client": clients[0].pk, "month": "2026-04", "parcels": 1, "revenue": 1}]},
        format="json",
    )
    assert answer.status_code == 403
    assert not MonthlyVolume.objects.exists()


def test_a_body_without_rows_is_a_400(org, api_as):
    answer = api_as(org.admin).post(URL, {"lines": []}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400 and "rows" in answer.json()


def test_queries_do_not_grow_with_the_rows(org, api_as):
    many = [ClientFactory(area=org.a1, waybill_code=f"Q{i}") for i in range(40)]
    api = api_as(org.admin)

    def push(count, month):
        rows = [
            {"client_code": c.waybill_code, "month": month, "parcels": 1, "revenue": 1} for c in many[:count]
        ]
        with CaptureQueriesContext(connection) as queries:
            assert api.post(URL, {"rows": rows}, format="json").status_code == 200
        return len(queries)

    assert push(2, "2026-01") == push(40, "2026-02") == push(40, "2026-02")


def test_the_list_is_scoped_and_filtered(org, clients, api_as):
    a, b, other = clients
    for client in clients:
        MonthlyVolume.objects.create(
            client=client, month=datetime.date(2026, 4, 1), parcels=1, revenue=Decimal("2")
        )
    MonthlyVolume.objects.create(client=a, month=datetime.date(2026, 3, 1), parcels=5, revenue=Decimal("2"))
    seen = api_as(org.manager).get(URL).json()
    assert {row["client"] for row in seen["results"]} == {a.pk}
    assert set(seen) >= {"next", "previous", "results"}
    assert (
        api_as(org.station_master).get(URL, {"month": "2026-04"}).json()["results"][0]["month"] == "2026-04"
    )
    assert {
        r["client"] for r in api_as(org.station_master).get(URL, {"month": "2026-04"}).json()["results"]
    } == {
        a.pk,
        b.pk,
    }
    assert api_as(org.executive).get(URL, {"client": other.pk}).json()["results"][0]["client_code"] == "WB-C"
    assert api_as(org.courier).get(URL).status_code == 403
    assert api_as(org.admin).get(URL, {"month": "April"}).status_code == 400
