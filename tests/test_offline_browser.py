"""The capture app in Chromium on a 375 px phone, in Chinese: leads captured with no network are kept on the phone,
survive a reload, and reach the server exactly once when the network returns — also when the sync is cut halfway
or two tabs send at once; a refused lead stays with the server's message; a lead of yesterday synced after the
nightly evaluation turns yesterday's miss into met; and with signal, the card photo fills the form."""

import datetime
import json
import time
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from pipeline.models import Lead
from quota.evaluation import evaluate_station_day
from quota.models import DailyTally
from tests.factories_quota import CalendarDayFactory, quota_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEPT_PAGES = """async () => {
  const cache = await caches.open("lantou-pages");
  return (await cache.keys()).length >= 3;
}"""


def _installed(page):
    """The worker controls the page and keeps the capture page, my leads and my quota."""
    page.goto("/leads/new/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    deadline = time.monotonic() + 15
    while not page.evaluate(KEPT_PAGES):
        assert time.monotonic() < deadline, "the pages were not kept"
        page.wait_for_timeout(100)


def _waiting(page, n: int):
    page.wait_for_selector(f'[data-count][data-waiting="{n}"]', state="attached")


def _capture(page, name: str, phone: str, photo=None):
    page.fill("#id_company_name", name)
    page.fill("#id_contact_phone", phone)
    page.fill("#id_address", "浦东新区金桥路1号")
    if photo is not None:
        page.set_input_files("input[name=photos]", str(photo))
    page.locator("#lead-submit").click()


def _server_has(n: int, timeout: float = 15.0) -> list[Lead]:
    deadline = time.monotonic() + timeout
    while Lead.objects.count() < n and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # anything sent twice would show up now
    return list(Lead.objects.order_by("pk"))


def _photo(tmp_path):
    path = tmp_path / "card.jpg"
    Image.new("RGB", (800, 480), (240, 240, 230)).save(path, "JPEG")
    return path


def test_three_leads_captured_offline_survive_a_reload_and_reach_the_server_once_with_their_capture_moments(
    org, browser_page, tmp_path
):
    page = browser_page(org.courier, phone=True)
    _installed(page)
    page.context.set_offline(True)

    _capture(page, "离线一号商行", "13811110001", photo=_photo(tmp_path))
    _waiting(page, 1)
    _capture(page, "离线二号公司", "13811110002")
    _waiting(page, 2)
    _capture(page, "离线三号仓库", "13811110003")
    _waiting(page, 3)
    assert "3" in page.locator("[data-count]").inner_text()
    assert "保存在这部手机上" in page.locator("[data-announce]").inner_text()

    page.reload()  # no network: the phone's copy of the page, marked as such
    assert page.locator(".offline-copy").is_visible()
    _waiting(page, 3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for url, title in (("/leads/", "线索"), ("/quota/", "")):
        page.goto(url)
        assert page.locator(".offline-copy").is_visible()
        assert title in page.locator("h1").first.inner_text()
    assert Lead.objects.count() == 0

    page.goto("/leads/new/")
    page.context.set_offline(False)
    _waiting(page, 0)
    leads = _server_has(3)

    assert [lead.company_name for lead in leads] == [
        "离线一号商行",
        "离线二号公司",
        "离线三号仓库",
    ]  # oldest first
    assert all(lead.captured_at is not None and lead.collected_at == lead.captured_at for lead in leads)
    assert leads[0].captured_at < leads[1].captured_at < leads[2].captured_at
    assert [lead.photos.count() for lead in leads] == [1, 0, 0]
    assert len({lead.idempotency_key for lead in leads}) == 3


def test_a_sync_cut_halfway_sends_no_lead_twice(org, browser_page):
    page = browser_page(org.courier, phone=True)
    _installed(page)
    context = page.context
    context.set_offline(True)
    for i in range(3):
        _capture(page, f"断网测试{i}号公司", f"1381111002{i}")
        _waiting(page, i + 1)

    cut = []
    server = Client()
    server.force_login(org.courier)

    def cut_the_first_answer(route):
        request = route.request
        if request.method == "POST" and not cut:
            # The server receives and saves the lead…
            headers = request.headers
            answer = server.generic(
                "POST",
                "/api/v1/leads/",
                data=request.post_data_buffer,
                content_type=headers["content-type"],
                headers={"Idempotency-Key": headers["idempotency-key"]},
            )
            cut.append(answer.status_code)
            route.abort("connectionreset")  # …and its answer never reaches the phone
        else:
            route.continue_()

    context.route("**/api/v1/leads/", cut_the_first_answer)
    context.set_offline(False)
    deadline = time.monotonic() + 10
    while not cut and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert cut == [201], "the sync never started"
    context.unroute("**/api/v1/leads/")

    page.reload()  # the next page load sends again
    _waiting(page, 0)
    leads = _server_has(3)
    assert len(leads) == 3
    assert sorted(lead.company_name for lead in leads) == [f"断网测试{i}号公司" for i in range(3)]


def test_two_tabs_syncing_at_once_send_each_lead_once(org, browser_page):
    first = browser_page(org.courier, phone=True)
    _installed(first)
    context = first.context
    second = context.new_page()
    second.goto("/leads/new/")
    context.set_offline(True)
    _capture(first, "双开甲公司", "13811110031")
    _waiting(first, 1)
    _capture(second, "双开乙公司", "13811110032")
    _waiting(second, 2)
    _capture(first, "双开丙公司", "13811110033")
    _waiting(first, 3)

    posts = []
    context.on(
        "request", lambda r: posts.append(r) if r.method == "POST" and "/api/v1/leads/" in r.url else None
    )
    context.set_offline(False)  # both tabs (and the worker) start sending
    _waiting(first, 0)
    second.reload()
    _waiting(second, 0)

    leads = _server_has(3)
    assert sorted(lead.company_name for lead in leads) == ["双开丙公司", "双开乙公司", "双开甲公司"]
    assert len(posts) == 3


def test_a_refused_lead_stays_on_the_phone_with_the_servers_message_to_correct_and_resend(org, browser_page):
    page = browser_page(org.courier, phone=True)
    _installed(page)
    page.context.set_offline(True)
    _capture(page, "号码不对贸易行", "12345")
    _waiting(page, 1)

    page.context.set_offline(False)
    refused = page.locator(".refused-lead")
    refused.wait_for()
    assert "号码不对贸易行" in refused.inner_text()
    assert "电话" in refused.locator(".errorlist").inner_text()
    assert Lead.objects.count() == 0
    page.reload()
    refused.wait_for()  # still on the phone

    refused.locator("[data-correct]").click()
    assert page.input_value("#id_company_name") == "号码不对贸易行"
    assert page.locator(".field.has-error #id_contact_phone").count() == 1
    page.fill("#id_contact_phone", "13811110041")
    page.locator("#lead-submit").click()
    page.wait_for_url("**/leads/*/?saved=1")

    lead = Lead.objects.get()
    assert (lead.company_name, lead.phone_normalized) == ("号码不对贸易行", "+8613811110041")
    assert lead.captured_at is not None  # sent later than captured: it keeps the moment it was first captured


def test_a_lead_captured_yesterday_offline_and_synced_after_the_nightly_evaluation_turns_the_miss_into_met(
    org, browser_page
):
    station = org.station_a
    yesterday = station.local_date() - datetime.timedelta(days=1)
    quota_settings(station, starts_on=yesterday)
    CalendarDayFactory(station=station, day=yesterday, working=True)
    evaluate_station_day(station=station, day=yesterday)  # the nightly evaluation: a miss
    assert DailyTally.objects.get(person=org.courier, day=yesterday).met is False

    page = browser_page(org.courier, phone=True)
    _installed(page)
    captured = datetime.datetime.combine(yesterday, datetime.time(17, 45), tzinfo=station.tz)
    # What the capture page keeps for a lead typed with no signal yesterday evening.
    page.evaluate(
        """([user, at]) => LantouQueue.put({
             key: LantouQueue.newKey(), user: user, capturedAt: at, offline: true, state: "waiting", photos: [],
             form: {company_name: "昨晚地下室商户"},
             payload: {fields: {company_name: "昨晚地下室商户", contact_phone: "13811110051"},
                       competitors: [], contacts: []},
           })""",
        [str(org.courier.pk), captured.isoformat()],
    )
    page.reload()  # a page load sends what waits
    _waiting(page, 0)

    lead = _server_has(1)[0]
    assert (lead.collected_on, lead.captured_at) == (yesterday, captured)
    tally = DailyTally.objects.get(person=org.courier, day=yesterday)
    assert (tally.met, tally.miss_streak) == (True, 0)


def test_the_card_photo_fills_the_empty_fields_for_the_courier_to_check(org, browser_page, monkeypatch):
    # The whole card, however busy the machine running the tests is (the reader's budget has its own test).
    monkeypatch.setattr("pipeline.services.card_reader.TIME_BUDGET", 60)
    card = Path(__file__).resolve().parent / "fixtures" / "cards" / "card-01.jpg"
    truth = json.loads((card.parent / "truth.json").read_text())["card-01.jpg"]
    page = browser_page(org.courier, phone=True)
    page.goto("/leads/new/")
    page.fill("#id_contact_name", "已经填写的人")  # typed already: left alone
    page.set_input_files("input[name=photos]", str(card))
    page.wait_for_selector("#card-reading:has-text('已根据名片填写')", timeout=60_000)

    assert page.input_value("#id_company_name") == truth["company_name"]
    assert page.input_value("#id_contact_name") == "已经填写的人"
    assert page.input_value("#id_contact_phone").replace(" ", "") == truth["phones"][0][
        "number"
    ].removeprefix("+86")
    assert page.locator(".field.from-card #id_company_name").count() == 1
    page.fill("#id_company_name", truth["company_name"] + "（总部）")  # the courier corrects
    assert page.locator(".field.from-card #id_company_name").count() == 0
