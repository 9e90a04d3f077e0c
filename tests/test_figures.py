"""Figures that say what they are: rounded ratios, one money format, the notice ranked as its heading says from the
last whole working day, rows in red only for people who missed, the client list's order as labelled, a missing
tier as "—", the quota count in words, one default period for funnel and dashboard, words in Chinese."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.translation import pgettext

from accounts.templatetags.figures import money, percent
from config import numbers
from pipeline.models import Client
from pipeline.models.loop import Stage
from quota.calendar import last_working_day
from quota.models import FlagStatus, QuotaFlag
from tests.factories_leads import ClientFactory, collect
from tests.factories_quota import reject

pytestmark = pytest.mark.django_db

SATURDAY = datetime.date(2026, 11, 21)  # a working day at a station (Monday to Saturday by default)
SUNDAY = datetime.date(2026, 11, 22)
SUNDAY_NOON = datetime.datetime(2026, 11, 22, 4, 0, tzinfo=datetime.UTC)  # 12:00 in Shanghai


@pytest.mark.parametrize(
    "value, text",
    [(Decimal(5) / 3, "1.7"), (1.25, "1.3"), (0.05, "0.1"), (None, "—"), (12345.678, "12,345.7")],
)
def test_a_ratio_is_rounded_half_up_never_cut(value, text):
    assert numbers.decimal_text(value) == text


def test_one_money_format_and_one_ratio_helper():
    assert money(13856) == money(Decimal("13856.40")) == "¥13,856"
    assert money(Decimal("2.5"), 2) == "¥2.50"
    assert percent(2 / 3) == "66.7%"
    assert numbers.ratio(5, 3) == 1.6667
    assert numbers.ratio(1, 0) is None


def test_the_default_notice_is_the_last_whole_working_day(org, client):
    with time_machine.travel(SUNDAY_NOON, tick=False):
        assert last_working_day(org.station_a, SUNDAY) == SATURDAY
        collect(org.courier, SATURDAY, 2)
        client.force_login(org.station_master)
        page = client.get("/dashboard/notice/")
        api = client.get("/api/v1/dashboard/notice/").json()
    assert (page.context["data"]["start"], page.context["data"]["end"]) == (SATURDAY, SATURDAY)
    assert page.context["data"]["people"][0]["leads"] == 2
    # and the API answers the same day
    assert (api["start"], api["end"]) == (SATURDAY.isoformat(), SATURDAY.isoformat())
    assert api["people"][0]["leads"] == 2


def test_the_notice_ranks_people_by_the_leads_that_count_as_its_heading_says(org, client):
    with time_machine.travel(SUNDAY_NOON, tick=False):
        counted_less = collect(org.courier, SATURDAY, 3)
        reject(counted_less[0])
        reject(counted_less[1])
        collect(org.courier_a2, SATURDAY, 2)
        collect(org.marketer, SATURDAY, 1)
        collect(org.marketer_a2, SATURDAY, 1, company_name="另一家")
        client.force_login(org.station_master)
        page = client.get("/dashboard/notice/")
    html = page.content.decode()
    assert "人员排名（按计入指标的线索数）" in html
    people = page.context["data"]["people"]
    ranked = [(r["username"], r["counted"], r["leads"]) for r in people]
    # 2 counted ranks above 1 counted of 3 collected; equal counts go to more leads collected, then the name.
    assert ranked[0] == ("courier_a2", 2, 2)
    assert ranked[1] == ("courier", 1, 3)
    assert [r["counted"] for r in people] == sorted((r["counted"] for r in people), reverse=True)
    # Red rows are the people who missed a working day of the period, and only they.
    behind = {r["username"] for r in people if r["missed_days"]}
    assert behind == {r["username"] for r in people if r["counted"] == 0}
    assert html.count(' behind"') == len(behind)


def test_the_notices_ratio_is_rounded(org, client):
    from tests.factories import UserFactory

    UserFactory(username="courier_3", role="courier", area=org.a1)
    with time_machine.travel(SUNDAY_NOON, tick=False):
        collect(org.courier, SATURDAY, 5)
        client.force_login(org.station_master)
        page = client.get("/dashboard/notice/")
    a1 = next(r for r in page.context["data"]["areas"] if r["id"] == org.a1.pk)
    assert (a1["people"], a1["leads"]) == (3, 5)
    assert ">1.7</span>" in page.content.decode()


def test_the_client_lists_sort_is_what_it_says(org, client):
    older = ClientFactory(area=org.a1, owner=org.kam, name="甲公司", priority_score=90, tier="")
    newer = ClientFactory(area=org.a1, owner=org.kam, name="乙公司", priority_score=10, tier="A")
    Client.objects.filter(pk=older.pk).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    client.force_login(org.kam)

    page = client.get("/clients/").content.decode()
    assert '<option value="updated" selected>' in page
    assert page.index("乙公司") < page.index("甲公司")

    page = client.get("/clients/?sort=priority").content.decode()
    assert '<option value="priority" selected>' in page
    assert page.index("甲公司") < page.index("乙公司")

    page = client.get("/clients/?q=公司").content.decode()  # filtered without a sort: still the default
    assert '<option value="updated" selected>' in page

    detail = client.get(f"/clients/{older.pk}/").content.decode()
    assert re.search(r'id="client-tier">[^<]*—', detail)
    assert '<option value="" selected>—</option>' in detail
    assert '<option value="A" selected>' not in detail
    assert newer.tier == "A"


def test_money_reads_the_same_on_the_client_list_and_in_the_export(org, client):
    ClientFactory(area=org.a1, owner=org.kam, name="丙公司", expected_revenue=Decimal("13856.40"))
    client.force_login(org.kam)
    assert "¥13,856" in client.get("/clients/").content.decode()
    import io

    import openpyxl

    content = client.get("/clients/?export=xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    headers = [c.value for c in sheet[1]]
    column = headers.index("预期月收入") + 1 if "预期月收入" in headers else None
    cells = [c for c in sheet[2] if c.column == column] if column else []
    assert cells and cells[0].number_format == numbers.XLSX_MONEY


def test_the_home_page_says_what_the_quota_numbers_are(org, client):
    collect(org.courier, timezone.localdate(), 2)
    client.force_login(org.courier)
    html = client.get("/").content.decode()
    assert "条线索今天计入指标（每个工作日指标 1 条）" in html


def test_the_funnel_and_the_dashboard_count_every_client_by_default(org, client):
    old = ClientFactory(area=org.a1, owner=org.kam, name="老客户", stage=Stage.SURVEY)
    Client.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=500))
    client.force_login(org.station_master)
    funnel = client.get("/funnel/")
    assert funnel.context["funnel"].total == 1
    assert "与监控看板的漏斗一致" in funnel.content.decode()
    dashboard = client.get(f"/dashboard/stations/{org.station_a.pk}/")
    assert dashboard.context["data"]["funnel"][Stage.SURVEY] == 1
    assert "与未选日期时的漏斗页一致" in dashboard.content.decode()


def test_chinese_words_on_the_shell_dashboard_and_forms(org, client):
    today = timezone.localdate()
    QuotaFlag.objects.create(
        person=org.courier,
        station=org.station_a,
        area=org.a1,
        first_missed_on=today - datetime.timedelta(days=5),
        last_missed_on=today - datetime.timedelta(days=3),
        days_missed=3,
        raised_on=today,
        status=FlagStatus.INVESTIGATED,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    client.force_login(org.station_master)
    html = client.get(f"/dashboard/stations/{org.station_a.pk}/").content.decode()
    with translation.override("zh-hans"):
        label = str(FlagStatus.INVESTIGATED.label)
    assert label != "Investigated"
    assert f'<span class="badge badge-warn">{label}</span>' in html
    assert "揽投 <small>揽投</small>" not in html
    assert ">English</button>" in html and ">英语<" not in html
    assert "统计周期内：" in html
    capture = client.get("/leads/new/").content.decode()
    assert "公司名称：" in capture and "公司名称:" not in capture

    client.cookies["django_language"] = "en"
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "中文</button>" in english


def test_a_word_with_two_meanings_reads_right_in_each_place(org, client):
    from pipeline.forms.leads import LeadForm
    from satisfaction.models.complaints import ComplaintStatus

    with translation.override("zh-hans"):
        assert str(LeadForm.base_fields["contact_title"].label) == "职务"
        assert str(Client._meta.get_field("name").verbose_name) != "职务"
        assert str(ComplaintStatus.OPEN.label) == "待处理"
        assert pgettext("kanban move", "Next step") + pgettext("label", ": ") == "下一步："
