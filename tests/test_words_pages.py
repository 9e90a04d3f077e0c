"""No English left on a Chinese page: every role opens its menu's pages and their main detail pages in zh-hans,
and whatever still reads as English (a Latin word that is not a username, a code, a unit or a product name;
Django's "---------"; a label ending in an ASCII colon) fails the test with the page and the text. The same for
the headers of the .xlsx exports, which are read in Chinese too."""

import datetime
import io
import re

import openpyxl
import pytest
from django.utils import timezone

from accounts.models import User
from accounts.navigation import menu_for
from accounts.roles import Role
from pipeline.models import Competitor
from pipeline.models.loop import Stage
from quota.models import FlagStatus, QuotaFlag
from tests.english import english_left
from tests.factories_leads import ClientFactory, LeadFactory
from tests.factories_loop import VisitPlanFactory, walk_to

pytestmark = pytest.mark.django_db

# The detail pages a list links to: one of each kind is opened.
DETAIL = re.compile(
    r'href="(/(?:clients|leads|visits/plans|quota/flags|complaints|surveys/questionnaires|surveys/campaigns|tasks)'
    r'/\d+/)"'
)


@pytest.fixture
def world(org):
    """A little of everything the menus lead to: leads, a client at each early step, one in the middle of the loop
    with a proposal and a visit plan, a client with no tier yet, and an open miss flag."""
    today = timezone.localdate()
    for n in range(3):
        LeadFactory(collected_by=org.courier, company_name=f"浦东第{n}号商贸有限公司")
    LeadFactory(collected_by=org.marketer, company_name="陆家嘴物流园有限公司")
    loop = ClientFactory(area=org.a1, owner=org.kam, name="金桥电子商务有限公司")
    walk_to(loop, Stage.VISIT, by=org.kam)
    VisitPlanFactory(client=loop, assignee=org.kam)
    ClientFactory(area=org.a1, owner=org.kam, name="张江生物科技有限公司", tier="", stage=Stage.SCREEN)
    QuotaFlag.objects.create(
        person=org.courier,
        station=org.station_a,
        area=org.a1,
        first_missed_on=today - datetime.timedelta(days=5),
        last_missed_on=today - datetime.timedelta(days=3),
        days_missed=3,
        raised_on=today - datetime.timedelta(days=2),
        status=FlagStatus.OPEN,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return org


def _allowed() -> set[str]:
    names = set(User.objects.values_list("username", flat=True))
    for name, short in Competitor.objects.values_list("name", "short_name"):
        names |= set(re.findall(r"[A-Za-z]+", f"{name} {short or ''}"))
    return names


ROLES = [role.value for role in Role]


def test_a_chinese_page_says_nothing_in_english(world, client):
    """Every role in one test: the organisation is built once (the loop's client takes a while to walk)."""
    allowed = _allowed()
    left, opened_by_role = [], {}
    for role in ROLES:
        user = world.by_role()[role]
        client.force_login(user)
        menu = [item["url"] for item in menu_for(user)]
        queue, opened, details = list(menu), set(), {}
        while queue:
            url = queue.pop(0)
            if url in opened:
                continue
            opened.add(url)
            response = client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert response.status_code == 200, (role, url, response.status_code)
            html = response.content.decode()
            assert '<html lang="zh-hans"' in html, url
            left += [f"{role} {url}: {text[:120]!r}" for text in english_left(html, allowed=allowed)]
            if url in menu:
                for link in DETAIL.findall(html):
                    kind = re.sub(r"\d+", "N", link)
                    if kind not in details:
                        details[kind] = link
                        queue.append(link)
        opened_by_role[role] = opened
        assert len(opened) > len(menu), role  # detail pages were opened too
    assert any("/clients/" in url and url != "/clients/" for url in opened_by_role["key_account_manager"])
    assert not left, "English on Chinese pages:\n" + "\n".join(left)


def _headers(content: bytes) -> list[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    headers = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(max_row=3, values_only=True):
            headers += [str(v) for v in row if isinstance(v, str)]
    return headers


def test_the_exports_speak_chinese(world, client):
    client.force_login(world.station_master)
    allowed = _allowed()
    exports = {
        "leads": "/leads/?export=xlsx",
        "clients": "/clients/?export=xlsx",
        "notice": f"/dashboard/notice.xlsx?station={world.station_a.pk}",
        "scorecard": "/targets/scorecard.xlsx",
    }
    left = []
    for name, url in exports.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if name == "scorecard" and response.get("Content-Type", "").startswith("text/html"):
            continue  # no scorecard workbook without targets
        assert response.status_code == 200, (name, response.status_code)
        headers = _headers(response.content)
        assert headers, name
        left += [f"{name}: {h!r}" for h in headers if english_left(f"<p>{h}</p>", allowed=allowed)]
    assert not left, "English in the exports' headers:\n" + "\n".join(left)


def test_the_english_detector_finds_english_and_lets_codes_through():
    assert english_left("<p>已提交</p><p>open</p>") == ["open"]
    assert english_left("<label>公司名称:</label>") == ["公司名称:"]
    assert english_left("<option>---------</option>") == ["---------"]
    assert (
        english_left('<button lang="en">English</button><p>courier1 · A01 · 3 km · ¥13,856 · Excel</p>') == []
    )
    assert english_left('<p title="Next page">下一页</p>') == ["Next page"]
