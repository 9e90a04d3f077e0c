"""The quota's pages: my quota with the afternoon banner, the home card, the flag inbox and history, a flag's
steps through forms, the station calendar, leave and settings."""

import pytest
import time_machine

from quota.evaluation import evaluate_station_through
from quota.models import CalendarDay, FlagStatus, Leave, QuotaFlag, QuotaSettings
from tests.factories_leads import collect
from tests.factories_quota import at, day, quota_settings

pytestmark = pytest.mark.django_db

MONDAY = day("2026-03-02")


@pytest.fixture
def march(org):
    quota_settings(org.station_a, starts_on=MONDAY)
    collect(org.courier, MONDAY)
    evaluate_station_through(station=org.station_a, through=day("2026-03-04"))
    return org


def _page(client, user, url, when):
    client.force_login(user)
    with time_machine.travel(when, tick=False):
        return client.get(url)


@pytest.mark.parametrize(
    "when, lead_today, banner",
    [
        (at(day("2026-03-05"), 16), False, True),  # after the reminder hour, nothing yet
        (at(day("2026-03-05"), 14, 59), False, False),  # before it
        (at(day("2026-03-05"), 16), True, False),  # a lead today
        (at(day("2026-03-08"), 16), False, False),  # Sunday
    ],
)
def test_the_no_lead_yet_banner(march, client, when, lead_today, banner):
    if lead_today:
        collect(march.courier, when.date())
    response = _page(client, march.courier, "/quota/", when)
    assert response.status_code == 200
    assert ("data-quota-banner" in response.content.decode()) is banner
    home = _page(client, march.courier, "/", when)
    assert ("data-quota-banner" in home.content.decode()) is banner


def test_my_quota_shows_today_the_streak_and_the_month(march, client):
    collect(march.courier, day("2026-03-05"))
    page = _page(client, march.courier, "/quota/", at(day("2026-03-05"), 10)).content.decode()
    assert "data-today-count>1 / 1<" in page
    assert (
        page.count("qd qd-met") == 1 and page.count("qd qd-missed") == 2
    )  # 03-02 met, 03-03 and 03-04 missed
    assert "qd qd-today" in page
    older = _page(client, march.courier, "/quota/?month=2026-02", at(day("2026-03-05"), 10))
    assert older.status_code == 200 and "qd qd-met" not in older.content.decode()


def test_a_manager_sees_a_persons_quota_in_scope_only(march, client):
    assert _page(client, march.manager, f"/quota/people/{march.courier.pk}/", at(MONDAY)).status_code == 200
    assert (
        _page(client, march.manager, f"/quota/people/{march.courier_a2.pk}/", at(MONDAY)).status_code == 404
    )
    assert (
        _page(client, march.manager, f"/quota/people/{march.station_master.pk}/", at(MONDAY)).status_code
        == 404
    )


def test_the_inbox_shows_what_awaits_my_step(march, client, django_assert_max_num_queries):
    client.force_login(march.manager)
    with django_assert_max_num_queries(12):
        page = client.get("/quota/flags/").content.decode()
    mine = QuotaFlag.objects.get(person=march.marketer)
    assert f'data-flag="{mine.pk}"' in page  # open flag of the manager's area
    assert f'data-flag="{QuotaFlag.objects.get(person=march.courier_a2).pk}"' not in page  # another area
    QuotaFlag.objects.filter(pk=mine.pk).update(status=FlagStatus.INVESTIGATED)
    assert "data-flag=" not in client.get("/quota/flags/").content.decode()
    assert f'data-flag="{mine.pk}"' in client.get("/quota/flags/?status=").content.decode()
    client.force_login(march.station_master)
    page = client.get("/quota/flags/").content.decode()
    # The investigated flag, and the open ones of area a2, which has no area manager to investigate them.
    assert page.count("data-flag=") == 3
    assert f'data-flag="{QuotaFlag.objects.get(person=march.courier_a2).pk}"' in page
    assert (
        client.get("/quota/flags/?status=open&area=%d" % march.a2.pk).content.decode().count("data-flag=")
        == 2
    )
    assert "data-flag=" not in client.get("/quota/flags/?status=&missed_from=2026-03-05").content.decode()
    assert client.get("/quota/flags/?missed_from=not-a-date").status_code == 200


def test_a_flag_goes_through_its_steps_on_the_pages(march, client):
    flag = QuotaFlag.objects.get(person=march.marketer)
    client.force_login(march.manager)
    page = client.get(f"/quota/flags/{flag.pk}/").content.decode()
    assert "/investigate/" in page and "/assess/" not in page
    empty = client.post(f"/quota/flags/{flag.pk}/investigate/", {"note": "  "})
    assert empty.status_code == 400
    assert QuotaFlag.objects.get(pk=flag.pk).status == FlagStatus.OPEN
    assert client.post(f"/quota/flags/{flag.pk}/investigate/", {"note": "在外培训"}).status_code == 302
    assert client.post(f"/quota/flags/{flag.pk}/assess/", {"penalty": "1", "note": "x"}).status_code == 403
    client.force_login(march.station_master)
    assert (
        client.post(f"/quota/flags/{flag.pk}/assess/", {"penalty": "1", "note": "扣罚50元"}).status_code
        == 302
    )
    assert client.post(f"/quota/flags/{flag.pk}/resolve/", {"note": "已执行"}).status_code == 302
    again = client.post(f"/quota/flags/{flag.pk}/resolve/", {"note": "再来一次"})
    assert again.status_code == 400
    flag.refresh_from_db()
    assert (flag.status, flag.penalty) == (FlagStatus.RESOLVED, True)
    assert list(flag.events.values_list("kind", flat=True)) == [
        "raised",
        "investigated",
        "assessed",
        "resolved",
    ]
    page = client.get(f"/quota/flags/{flag.pk}/").content.decode()
    assert "扣罚50元" in page and "/resolve/" not in page


def test_the_flagged_person_sees_their_flag_but_no_forms(march, client):
    flag = QuotaFlag.objects.get(person=march.marketer)
    client.force_login(march.marketer)
    page = client.get(f"/quota/flags/{flag.pk}/")
    assert page.status_code == 200 and "/investigate/" not in page.content.decode()
    assert client.post(f"/quota/flags/{flag.pk}/investigate/", {"note": "x"}).status_code == 403
    assert client.get(f"/quota/flags/{QuotaFlag.objects.get(person=march.courier_a2).pk}/").status_code == 404


def test_the_station_master_marks_the_calendar(march, client):
    client.force_login(march.station_master)
    with time_machine.travel(at(day("2026-03-05")), tick=False):
        page = client.get("/quota/calendar/?month=2026-10")
        assert page.status_code == 200 and 'data-day="2026-10-01" data-working="0"' in page.content.decode()
        r = client.post("/quota/calendar/", {"day": "2026-03-14", "working": "0", "note": "盘点"})
        assert r.status_code == 302
        assert client.post("/quota/calendar/", {"day": "2026-03-03", "working": "0"}).status_code == 400
        assert list(CalendarDay.objects.values_list("day", "working", "note")) == [
            (day("2026-03-14"), False, "盘点")
        ]
        assert (
            client.post("/quota/calendar/", {"day": "2026-03-14", "working": "0", "clear": "1"}).status_code
            == 302
        )
        assert not CalendarDay.objects.exists()
        client.force_login(march.manager)
        assert client.get("/quota/calendar/").status_code == 200
        assert client.post("/quota/calendar/", {"day": "2026-03-14", "working": "0"}).status_code == 403
    assert not CalendarDay.objects.exists()


def test_settings_page(march, client):
    client.force_login(march.station_master)
    assert client.get("/quota/settings/").status_code == 200
    data = {
        "quota_per_day": "2",
        "working_weekdays": ["1", "2", "3", "4", "5"],
        "statutory_holidays": "on",
        "reminder_hour": "16",
        "evaluation_hour": "2",
        "starts_on": "2026-03-02",
    }
    assert client.post("/quota/settings/", data).status_code == 400  # the rule cannot restart before 03-04
    data["starts_on"] = "2026-03-05"
    assert client.post("/quota/settings/", data).status_code == 302
    saved = QuotaSettings.objects.get(station=march.station_a)
    assert (saved.quota_per_day, saved.working_weekdays, saved.reminder_hour, saved.starts_on) == (
        2,
        "12345",
        16,
        day("2026-03-05"),
    )


def test_leave_page(march, client):
    client.force_login(march.manager)
    with time_machine.travel(at(day("2026-03-05")), tick=False):
        assert client.get("/quota/leave/").status_code == 200
        r = client.post(
            "/quota/leave/",
            {"person": march.courier.pk, "first_day": "2026-03-06", "last_day": "2026-03-07", "note": "病假"},
        )
        assert r.status_code == 302
        leave = Leave.objects.get()
        assert (leave.person, leave.days, leave.created_by) == (march.courier, 2, march.manager)
        refused = client.post(
            "/quota/leave/", {"person": march.courier.pk, "first_day": "2026-03-03", "last_day": "2026-03-03"}
        )
        assert refused.status_code == 400 and Leave.objects.count() == 1
        page = client.get("/quota/leave/").content.decode()
        assert f'data-leave="{leave.pk}"' in page
        assert client.post(f"/quota/leave/{leave.pk}/delete/").status_code == 302
    assert not Leave.objects.exists()


def test_the_home_card_counts_flags_awaiting_the_manager(march, client):
    page = _page(client, march.manager, "/", at(day("2026-03-05"))).content.decode()
    assert 'data-awaiting="1"' in page  # the marketer's open flag in the manager's area
    QuotaFlag.objects.update(status=FlagStatus.INVESTIGATED)
    assert "data-awaiting" not in _page(client, march.manager, "/", at(day("2026-03-05"))).content.decode()
    assert (
        'data-awaiting="3"'
        in _page(client, march.station_master, "/", at(day("2026-03-05"))).content.decode()
    )
