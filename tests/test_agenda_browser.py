"""A key-account manager starts the day from the home page on a phone and clears it, in Chinese and in English;
a station master sets targets and sees who is behind."""

import datetime as dt

import pytest

from agenda.models import Task
from pipeline.models.loop import Stage
from targets.models import Target
from tests.factories_agenda import make_task
from tests.factories_leads import ClientFactory, LeadFactory
from tests.factories_loop import VisitPlanFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_key_account_manager_clears_the_day_on_a_phone(org, browser_page):
    today = org.station_a.local_date()
    acme = ClientFactory(
        area=org.a1, owner=org.kam, stage=Stage.PROPOSAL, name="顺达商贸有限公司（浦东新区世纪大道分公司）"
    )
    late = make_task(
        org.kam,
        today - dt.timedelta(days=3),
        title="催顺达商贸答复报价方案，并约下周二的高层互访时间",
        client=acme,
    )
    due = make_task(org.kam, today, title="送样品")
    VisitPlanFactory(client=acme, assignee=org.kam, planned_for=today, planned_time=dt.time(15, 0))

    page = browser_page(org.kam, phone=True)
    page.goto("/")
    day = page.locator("#my-day")
    assert "我的一天" in day.inner_text() and "逾期 3 天" in day.inner_text()
    assert "15:00" in page.locator('[data-section="visits"]').inner_text()
    assert _fits(page)
    done = page.locator(f"#task-{late.pk} .task-done")
    box = done.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 375

    # One tap: done; one tap: tomorrow.
    done.click()
    page.wait_for_load_state()
    assert page.locator(f"#task-{late.pk}").count() == 0
    assert "完成" in page.locator(".messages").inner_text()
    page.locator(f"#task-{due.pk} .task-snooze").click()
    page.wait_for_load_state()
    assert page.locator(f'[data-section="today"] #task-{due.pk}').count() == 0
    assert "今天没有到期的任务。" in page.locator("#my-day").inner_text()
    assert _fits(page)
    late.refresh_from_db()
    due.refresh_from_db()
    assert (late.status, due.snoozed_until) == ("done", today + dt.timedelta(days=1))

    # A longer snooze from the menu, in English.
    other = make_task(org.kam, today, title="整理名片")
    page.click("#user-menu > summary")
    page.locator("#user-menu button[value=en]").click()
    page.wait_for_load_state()
    assert "My day" in page.locator("#my-day").inner_text()
    page.locator(f"#task-{other.pk} .task-more summary").click()
    page.locator(f"#task-{other.pk} button", has_text="In a week").click()
    page.wait_for_load_state()
    assert "Snoozed until" in page.locator(".messages").inner_text()
    other.refresh_from_db()
    assert other.snoozed_until == today + dt.timedelta(days=7)


def test_an_area_marketer_goes_from_the_task_to_the_review_queue_and_the_task_closes(org, browser_page):
    from django.utils import timezone

    from agenda import rules
    from pipeline.services import leads as lead_services

    today = org.station_a.local_date()
    lead = LeadFactory(collected_by=org.courier, day=today, status="submitted")
    task = Task.objects.create(
        kind="leads_unreviewed",
        rule_key="leads_unreviewed:t",
        station=org.station_a,
        area=org.a1,
        assignee=org.marketer,
        due_on=today,
        show_on=today,
        detail="1",
    )
    page = browser_page(org.marketer, phone=True)
    page.goto("/")
    link = page.locator(f"#task-{task.pk} .task-title")
    assert "审核片区A1尚未审核的 1 条线索" in link.inner_text()
    link.click()
    page.wait_for_url("**/leads/review/")
    assert lead.company_name in page.locator("main").inner_text()
    lead_services.lead_return(lead=lead, by=org.marketer, reason="缺少联系人职务")
    rules.sync_station(station=org.station_a, on=today, now=timezone.now())
    page.goto("/")
    assert page.locator(f"#task-{task.pk}").count() == 0
    task.refresh_from_db()
    assert (task.status, task.close_reason) == ("done", "resolved")


def test_a_station_master_sets_targets_and_sees_who_is_behind(org, browser_page):
    today = org.station_a.local_date()
    month = today.replace(day=1)
    LeadFactory(collected_by=org.courier, day=today)
    page = browser_page(org.station_master)
    page.goto("/targets/set/")
    page.fill(f'input[name="t-person-{org.courier.pk}-leads"]', "1")
    page.fill(f'input[name="t-person-{org.marketer.pk}-leads"]', "500")
    page.click("#targets-save")
    page.wait_for_load_state()
    assert "已保存 2 个目标。" in page.locator(".messages").inner_text()
    assert Target.objects.filter(month=month).count() == 2
    page.goto("/targets/")
    rows = page.locator("table.scorecard tbody tr")
    assert rows.nth(0).inner_text().startswith("1\tcourier")
    assert "落后" in rows.nth(1).inner_text() and "behind" in (rows.nth(1).get_attribute("class") or "")
