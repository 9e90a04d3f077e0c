"""Service-quality readings through the API and .xlsx uploads, and the early warnings they raise and clear."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from accounts.models import Notification
from satisfaction.models import IndicatorReading, IndicatorWarning
from satisfaction.services import indicators
from tests.factories_leads import ClientFactory
from tests.factories_satisfaction import at, indicator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(TODAY, 12), tick=False):
        yield


@pytest.fixture
def setup(org):
    return (
        ClientFactory(signed=True, area=org.a1, owner=org.kam, name="甲公司"),
        indicator("on_time_rate"),
        indicator("damage_rate"),
    )


def xlsx(rows, header=("client", "indicator", "day", "value")) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("readings.xlsx", out.getvalue())


def test_a_reading_below_threshold_raises_one_warning_that_clears_when_back(org, setup, api_as):
    client, on_time, _damage = setup
    api = api_as(org.kam)
    # Given an on-time rate of 97 % (threshold 95 %)
    ok = api.post(
        "/api/v1/indicator-readings/",
        {"client": client.pk, "indicator": "on_time_rate", "day": "2026-03-08", "value": "97"},
        format="json",
    )
    assert ok.status_code == 201 and not IndicatorWarning.objects.exists()
    # When it falls to 92.5 % and stays there the next day
    for day, value in (("2026-03-09", "92.5"), ("2026-03-10", "93")):
        api.post(
            "/api/v1/indicator-readings/",
            {"client": client.pk, "indicator": "on_time_rate", "day": day, "value": value},
            format="json",
        )
    # Then one warning is open, with the latest value, and the owner was told once
    warning = IndicatorWarning.objects.get()
    assert (warning.raised_on, warning.last_day, warning.value, warning.threshold, warning.cleared_on) == (
        date(2026, 3, 9),
        TODAY,
        Decimal("93.000"),
        Decimal("95.000"),
        None,
    )
    assert Notification.objects.filter(recipient=org.kam, kind="indicator_warning").count() == 1
    assert api.get(f"/api/v1/indicator-warnings/?open=true&client={client.pk}").json()["count"] == 1
    # When the day is corrected to 96 %, the warning clears
    api.post(
        "/api/v1/indicator-readings/",
        {"client": client.pk, "indicator": "on_time_rate", "day": "2026-03-10", "value": "96"},
        format="json",
    )
    warning.refresh_from_db()
    assert warning.cleared_on == TODAY
    assert IndicatorReading.objects.get(client=client, day=TODAY).value == Decimal("96.000")
    assert IndicatorReading.objects.filter(client=client, indicator=on_time).count() == 3


def test_lower_is_better_indicators_warn_above_their_threshold(org, setup):
    client, _on_time, damage = setup
    result = indicators.readings_record(
        by=org.kam,
        rows=[("r1", {"client": client.pk, "indicator": "damage_rate", "day": TODAY, "value": "0.8"})],
        source="api",
        today=TODAY,
    )
    assert result == {"created": 1, "updated": 0, "warnings_raised": 1}
    assert IndicatorWarning.objects.get().indicator == damage


def test_bulk_is_all_or_nothing_and_names_the_items(org, setup, api_as):
    client, _on_time, _damage = setup
    foreign = ClientFactory(signed=True, area=org.b1)
    response = api_as(org.kam).post(
        "/api/v1/indicator-readings/bulk/",
        {
            "readings": [
                {"client": client.pk, "indicator": "on_time_rate", "day": "2026-03-09", "value": "97"},
                {"client": foreign.pk, "indicator": "on_time_rate", "day": "2026-03-09", "value": "97"},
                {"client": client.pk, "indicator": "speed", "day": "2026-03-09", "value": "97"},
                {"client": client.pk, "indicator": "on_time_rate", "day": "2026-03-11", "value": "101"},
            ]
        },
        format="json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    rows = response.json()["rows"]
    assert [r.split(":")[0] for r in rows] == ["Item 2", "Item 3", "Item 4"]
    assert "future" in rows[2] and "100" in rows[2]
    assert not IndicatorReading.objects.exists()


def test_an_upload_with_bad_rows_names_the_rows_and_saves_nothing(org, setup, client):
    customer, _on_time, _damage = setup
    client.force_login(org.kam)
    upload = xlsx(
        [
            (customer.pk, "on_time_rate", "2026-03-09", 97.5),
            ("甲公司", "damage_rate", date(2026, 3, 9), 0.2),
            (customer.pk, "on_time_rate", "yesterday", 97),
            (None, None, None, None),
            (999999, "on_time_rate", "2026-03-09", "abc"),
        ]
    )
    page = client.post("/satisfaction/indicators/upload/", {"file": upload})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Row 4" in html or "第 4 行" in html
    assert ("Row 6" in html or "第 6 行" in html) and ("Row 2" not in html and "第 2 行" not in html)
    assert not IndicatorReading.objects.exists()


def test_a_good_upload_records_every_row_through_the_api(org, setup, api_as):
    customer, _on_time, _damage = setup
    upload = xlsx(
        [
            (customer.pk, "on_time_rate", "2026-03-09", 97.5),
            ("甲公司", "damage_rate", date(2026, 3, 9), "0.2%"),
        ]
    )
    response = api_as(org.kam).post(
        "/api/v1/indicator-readings/upload/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 2, "updated": 0, "warnings_raised": 0}
    assert sorted(IndicatorReading.objects.values_list("indicator__code", "value", "source")) == [
        ("damage_rate", Decimal("0.200"), "upload"),
        ("on_time_rate", Decimal("97.500"), "upload"),
    ]


def test_an_upload_that_is_not_a_spreadsheet_or_lacks_columns_is_a_400(org, setup, api_as):
    api = api_as(org.kam)
    junk = api.post(
        "/api/v1/indicator-readings/upload/",
        {"file": SimpleUploadedFile("x.xlsx", b"not a zip")},
        format="multipart",
    )
    assert junk.status_code == 400 and "file" in junk.json()
    headless = api.post(
        "/api/v1/indicator-readings/upload/",
        {"file": xlsx([(1, 2, 3)], header=("a", "b", "c"))},
        format="multipart",
    )
    assert headless.status_code == 400 and "file" in headless.json()
    assert not IndicatorReading.objects.exists()


def test_area_roles_may_not_post_readings(org, setup, api_as):
    client, _on_time, _damage = setup
    response = api_as(org.marketer).post(
        "/api/v1/indicator-readings/",
        {"client": client.pk, "indicator": "on_time_rate", "day": "2026-03-09", "value": "97"},
        format="json",
    )
    assert response.status_code == 403 and not IndicatorReading.objects.exists()


def test_the_template_lists_the_indicator_codes(org, setup, client):
    from openpyxl import load_workbook

    client.force_login(org.kam)
    response = client.get("/satisfaction/indicators/template.xlsx")
    workbook = load_workbook(BytesIO(response.content))
    assert [c.value for c in workbook["readings"][1]] == ["client", "indicator", "day", "value"]
    codes = [row[0].value for row in workbook["indicators"].iter_rows(min_row=2)]
    assert "on_time_rate" in codes and "damage_rate" in codes


def test_readings_list_is_scoped_and_constant_in_queries(org, setup, api_as, django_assert_max_num_queries):
    client, _on_time, _damage = setup
    foreign = ClientFactory(signed=True, area=org.b1)
    rows = [
        (
            f"r{n}",
            {"client": c.pk, "indicator": "on_time_rate", "day": TODAY - timedelta(days=n), "value": "97"},
        )
        for n in range(5)
        for c in (client,)
    ]
    indicators.readings_record(by=org.kam, rows=rows, source="api", today=TODAY)
    indicators.readings_record(
        by=org.station_master_b,
        rows=[("x", {"client": foreign.pk, "indicator": "on_time_rate", "day": TODAY, "value": "90"})],
        source="api",
        today=TODAY,
    )
    with django_assert_max_num_queries(5):
        body = api_as(org.kam).get("/api/v1/indicator-readings/").json()
    assert body["count"] == 5
