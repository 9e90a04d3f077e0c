"""The day page (home of key-account managers and area marketers), the task pages, one-tap done and snooze, the
station's rule settings and the calendar feed."""

import datetime as dt

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agenda.models import CalendarFeed, Task, TaskSettings
from pipeline.models.loop import Stage
from tests.factories_agenda import make_task
from tests.factories_leads import ClientFactory
from tests.factories_loop import VisitPlanFactory

pytestmark = pytest.mark.django_db


def _today(org):
    return org.station_a.local_date()


def test_the_home_page_of_a_key_account_manager_is_their_day(org, client):
    today = _today(org)
    acme = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.PROPOSAL, name="顺达商贸")
    make_task(org.kam, today - dt.timedelta(days=2), title="催回复", client=acme)
    make_task(org.kam, today, title="送样品")
    make_task(org.kam, today + dt.timedelta(days=3), title="准备续约")
    make_task(org.kam, today + dt.timedelta(days=30), title="很久以后")
    make_task(org.courier, today, title="别人的任务")
    VisitPlanFactory(client=acme, assignee=org.kam, planned_for=today, planned_time=dt.time(14, 30))
    client.force_login(org.kam)
    page = client.get("/").content.decode()
    assert "我的一天" in page
    overdue = page[page.index('data-section="overdue"') : page.index('data-section="today"')]
    assert "催回复" in overdue and "逾期 2 天" in overdue
    assert "送样品" in page[page.index('data-section="today"') :]
    assert "准备续约" in page[page.index('data-section="upcoming"') :]
    assert "很久以后" not in page and "别人的任务" not in page
    visits = page[page.index('data-section="visits"') :]
    assert "14:30" in visits and "顺达商贸" in visits
    assert "顺达商贸" in page[page.index('data-section="waiting"') :]


def test_an_area_marketer_sees_their_day_even_when_empty(org, client):
    client.force_login(org.marketer)
    page = client.get("/").content.decode()
    assert "我的一天" in page and "今天没有到期的任务。" in page and "今天没有计划拜访。" in page


def test_other_roles_see_tasks_only_when_something_is_due(org, client):
    client.force_login(org.station_master)
    assert 'id="my-day"' not in client.get("/").content.decode()
    make_task(org.station_master, _today(org), title="审核目标")
    assert "审核目标" in client.get("/").content.decode()


def test_the_day_page_costs_the_same_queries_with_many_tasks(org, client):
    today = _today(org)

    client.force_login(org.kam)
    client.get("/")  # the first request after a login renews the session (a write at most once a minute)

    def load():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    for i in range(2):
        owned = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
        make_task(org.kam, today - dt.timedelta(days=i), client=owned)
        VisitPlanFactory(client=owned, assignee=org.kam, planned_for=today)
    few = load()
    for i in range(25):
        owned = ClientFactory(
            area=org.a1, owner=org.kam, stage=[Stage.SURVEY, Stage.NEEDS, Stage.VISIT][i % 3]
        )
        make_task(org.kam, today - dt.timedelta(days=i % 4), client=owned)
        make_task(org.kam, today + dt.timedelta(days=i % 5), client=owned)
        VisitPlanFactory(client=owned, assignee=org.kam, planned_for=today)
    assert load() == few


def test_done_in_one_tap_returns_to_the_day(org, client):
    task = make_task(org.kam, _today(org), title="送样品")
    client.force_login(org.kam)
    response = client.post(f"/tasks/{task.pk}/done/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    task.refresh_from_db()
    assert (task.status, task.close_reason, task.closed_by) == ("done", "done", org.kam)
    assert "送样品" not in client.get("/").content.decode().split("data-section")[1]


def test_snooze_in_one_tap_hides_the_task_until_tomorrow(org, client):
    today = _today(org)
    task = make_task(org.kam, today, title="送样品")
    client.force_login(org.kam)
    client.post(f"/tasks/{task.pk}/snooze/", {"days": "1", "next": "/"})
    task.refresh_from_db()
    assert (task.snoozed_until, task.show_on, task.due_on) == (
        today + dt.timedelta(days=1),
        today + dt.timedelta(days=1),
        today,
    )
    page = client.get("/").content.decode()
    assert "送样品" in page[page.index('data-section="upcoming"') :]


def test_a_bad_snooze_says_why_and_changes_nothing(org, client):
    today = _today(org)
    task = make_task(org.kam, today)
    client.force_login(org.kam)
    response = client.post(
        f"/tasks/{task.pk}/snooze/", {"until": today.isoformat(), "next": "/"}, follow=True
    )
    assert "请选择今天之后的日期。" in response.content.decode()
    task.refresh_from_db()
    assert task.snoozed_until is None and task.show_on == today


def test_a_one_tap_action_never_redirects_off_site(org, client):
    task = make_task(org.kam, _today(org))
    client.force_login(org.kam)
    response = client.post(f"/tasks/{task.pk}/done/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_someone_elses_task_is_404_on_every_page(org, client):
    task = make_task(org.courier_a2, _today(org))
    client.force_login(org.kam)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/done/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/snooze/", {"days": "1"}).status_code == 404
    task.refresh_from_db()
    assert task.status == "open" and task.snoozed_until is None


def test_an_area_manager_gives_a_courier_a_task_and_sees_it_in_the_list(org, client):
    client.force_login(org.manager)
    due = _today(org) + dt.timedelta(days=1)
    response = client.post(
        "/tasks/new/", {"title": "补充名片照片", "assignee": org.courier.pk, "due_on": due.isoformat()}
    )
    task = Task.objects.get()
    assert response.status_code == 302 and (task.assignee, task.created_by, task.due_on) == (
        org.courier,
        org.manager,
        due,
    )
    assert "补充名片照片" in client.get("/tasks/").content.decode()
    client.force_login(org.courier)
    assert "补充名片照片" in client.get("/tasks/").content.decode()


def test_a_task_cannot_go_to_someone_outside_ones_people(org, client):
    client.force_login(org.manager)
    response = client.post(
        "/tasks/new/", {"title": "越权", "assignee": org.courier_a2.pk, "due_on": _today(org).isoformat()}
    )
    assert response.status_code == 400 and not Task.objects.exists()


def test_a_task_by_hand_for_a_client_from_its_page(org, client):
    acme = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.NEEDS, name="顺达商贸")
    client.force_login(org.kam)
    page = client.get(f"/tasks/new/?client={acme.pk}").content.decode()
    assert "顺达商贸" in page
    client.post(
        f"/tasks/new/?client={acme.pk}",
        {"title": "约见采购", "assignee": org.kam.pk, "client": acme.pk, "due_on": _today(org).isoformat()},
    )
    assert Task.objects.get().client == acme
    outsider = ClientFactory(area=org.b1, owner=org.kam_b)
    assert client.get(f"/tasks/new/?client={outsider.pk}").status_code == 404


def test_the_list_filters_by_status_and_person(org, client):
    today = _today(org)
    make_task(org.courier, today, title="开着的")
    done = make_task(org.courier, today, title="做完的")
    Task.objects.filter(pk=done.pk).update(status="done", close_reason="done")
    make_task(org.marketer, today, title="营销员的")
    client.force_login(org.manager)
    assert "开着的" in client.get("/tasks/").content.decode()
    page = client.get(f"/tasks/?status=done&assignee={org.courier.pk}").content.decode()
    assert "做完的" in page and "开着的" not in page and "营销员的" not in page


def test_the_station_master_sets_the_rules_and_a_wrong_value_loses_nothing(org, client):
    client.force_login(org.station_master)
    assert client.get("/tasks/settings/").status_code == 200
    form = {
        "next_step": "on",
        "proposal": "on",
        "proposal_days": "5",
        "trial": "on",
        "trial_days": "7",
        "contract": "on",
        "contract_first_days": "60",
        "contract_second_days": "30",
        "return_visit": "on",
        "high_level": "on",
        "high_level_months": "3",
        "win_back": "on",
        "win_back_days": "90",
        "leads_review": "on",
        "day_end_hour": "19",
        "leads_escalate_days": "1",
        "escalate_days": "2",
    }
    assert client.post("/tasks/settings/", form).status_code == 302
    saved = TaskSettings.objects.get(station=org.station_a)
    assert (saved.proposal_days, saved.day_end_hour, saved.escalate_days, saved.updated_by) == (
        5,
        19,
        2,
        org.station_master,
    )
    bad = client.post("/tasks/settings/", {**form, "contract_second_days": "90", "proposal_days": "9"})
    assert bad.status_code == 400 and "第二次提醒" in bad.content.decode()
    saved.refresh_from_db()
    assert saved.proposal_days == 5


@pytest.mark.parametrize(
    "role", ["courier", "area_marketer", "area_manager", "key_account_manager", "executive"]
)
def test_only_station_masters_and_admins_keep_the_rules(org, client, role):
    client.force_login(org.by_role()[role])
    assert client.get("/tasks/settings/").status_code == 403


def test_an_admin_keeps_the_rules_of_any_station(org, client):
    client.force_login(org.admin)
    page = client.get(f"/tasks/settings/?station={org.station_b.pk}").content.decode()
    assert "站B" in page
    assert client.get("/tasks/settings/?station=x").status_code == 404


def test_the_calendar_feed_by_its_secret_link(org, client):
    today = _today(org)
    acme = ClientFactory(
        area=org.a1, owner=org.kam, stage=Stage.VISIT, name="顺达商贸", address="浦东新区1号"
    )
    make_task(org.kam, today, title="送样品")
    make_task(org.courier, today, title="别人的任务")
    VisitPlanFactory(
        client=acme, assignee=org.kam, planned_for=today + dt.timedelta(days=1), planned_time=dt.time(9, 30)
    )
    client.force_login(org.kam)
    page = client.post("/tasks/calendar/", {"action": "reset"}).content.decode()
    link = page.split('type="url" readonly value="')[1].split('"')[0]
    path = link.split("testserver", 1)[1]
    client.logout()
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert events["送样品"].decoded("dtstart") == today
    visit = next(e for s, e in events.items() if "顺达商贸" in s)
    assert visit.decoded("dtstart").hour == 9 and str(visit["location"]) == "浦东新区1号"
    assert "别人的任务" not in events
    assert CalendarFeed.objects.get(user=org.kam).last_fetched_at is not None
    # Only a digest is kept; a new link retires the old one; turning it off retires both.
    token = path.rsplit("/", 1)[1][: -len(".ics")]
    assert token not in CalendarFeed.objects.get(user=org.kam).digest
    client.force_login(org.kam)
    client.post("/tasks/calendar/", {"action": "reset"})
    assert client.get(path).status_code == 404
    client.post("/tasks/calendar/", {"action": "off"})
    assert not CalendarFeed.objects.exists()
    assert client.get("/tasks/calendar/nothing-here.ics").status_code == 404


def test_a_deactivated_persons_feed_is_gone(org, client):
    from agenda import services

    token = services.feed_reset(user=org.kam)
    type(org.kam).objects.filter(pk=org.kam.pk).update(is_active=False)
    assert client.get(f"/tasks/calendar/{token}.ics").status_code == 404


def test_return_visits_show_on_the_day_as_tasks_once_the_rules_ran(org, client):
    from django.utils import timezone

    from agenda import rules
    from visits.models import VisitKind, VisitPlan

    today = _today(org)
    late = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.FOLLOW_UP, name="久未回访")
    VisitPlan.objects.create(
        client=late, kind=VisitKind.RETURN, planned_for=today - dt.timedelta(days=9), assignee=org.kam
    )
    rules.sync_station(station=org.station_a, on=today, now=timezone.now())
    client.force_login(org.kam)
    page = client.get("/").content.decode()
    overdue = page[page.index('data-section="overdue"') :]
    assert "回访 久未回访" in overdue and "逾期 9 天" in overdue
    assert 'id="visits-panel"' not in page  # the day has them; no second card


def test_a_long_overdue_list_shows_its_first_thirty_and_says_how_many(org, client):
    today = _today(org)
    for i in range(40):
        make_task(org.kam, today - dt.timedelta(days=1 + i % 5), title=f"积压{i}")
    client.force_login(org.kam)
    page = client.get("/").content.decode()
    overdue = page[page.index('data-section="overdue"') :]
    assert overdue.count('class="task task-overdue"') == 30
    assert "在任务列表中查看全部 40 项" in page
