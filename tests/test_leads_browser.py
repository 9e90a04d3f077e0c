"""Browser tests of steps 1-2: a courier captures a lead on a phone; a marketer decides in the review queue."""

import pytest
from PIL import Image

from pipeline.models import Lead
from tests.factories_leads import ClientContactFactory, ClientFactory, LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_courier_captures_a_lead_with_a_card_photo_on_a_phone_in_under_a_minute(
    org, browser_page, tmp_path
):
    existing = ClientFactory(name="上海嘉禾贸易有限公司", area=org.a1, collected_by=org.courier)
    ClientContactFactory(client=existing, phone="13812345678")
    photo = tmp_path / "card.jpg"
    Image.new("RGB", (800, 480), (240, 240, 230)).save(photo, "JPEG")
    page = browser_page(org.courier, phone=True)

    page.goto("/leads/new/")
    assert page.locator("input[name=photos]").get_attribute("capture") == "environment"
    page.fill("#id_company_name", "浦东鼎盛电子有限公司")
    page.fill("#id_contact_name", "周经理")
    page.fill("#id_contact_phone", "+86 138-1234-5678")
    # Before submitting, the form warns that this phone number is already a client's.
    warning = page.locator("#duplicate-warning")
    warning.wait_for(state="visible")
    assert "上海嘉禾贸易有限公司" in warning.inner_text()
    page.set_input_files("input[name=photos]", str(photo))
    page.locator("#photo-preview img").wait_for()
    page.fill("#id_inbound_monthly", "300")
    page.fill("#id_outbound_monthly", "80")
    page.fill("#id_address", "浦东新区金桥路1号")
    page.fill("#id_industry", "电子")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("#lead-submit").dblclick()  # an impatient double tap
    page.wait_for_url("**/leads/*/?saved=1")

    lead = Lead.objects.get()
    assert (lead.company_name, lead.phone_normalized, lead.collected_by) == (
        "浦东鼎盛电子有限公司",
        "+8613812345678",
        org.courier,
    )
    assert lead.duplicate_of == existing
    assert lead.photos.count() == 1
    assert page.locator("#capture-another").is_visible()


def test_a_marketer_accepts_returns_and_rejects_from_the_queue(org, browser_page):
    accept = LeadFactory(collected_by=org.courier, company_name="甲贸易有限公司")
    back = LeadFactory(collected_by=org.courier, company_name="乙商行", address="")
    fake = LeadFactory(collected_by=org.courier, company_name="丙公司")
    page = browser_page(org.marketer)
    page.goto("/leads/review/")

    card = page.locator(f"#lead-{back.pk}")
    assert card.locator(".missing").count() == 1  # the address is highlighted

    page.locator(f"#lead-{accept.pk} [data-action=accept]").click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").count() == 1
    assert page.locator(f"#lead-{accept.pk}").count() == 0

    card = page.locator(f"#lead-{back.pk}")
    card.locator("details[data-action=return] summary").click()
    card.locator("details[data-action=return] textarea[name=reason]").fill("请补充详细地址")
    card.locator("details[data-action=return] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(f"#lead-{back.pk}").count() == 0

    card = page.locator(f"#lead-{fake.pk}")
    card.locator("details[data-action=reject] summary").click()
    card.locator("select[name=category]").select_option("fake")
    card.locator("details[data-action=reject] textarea[name=reason]").fill("电话是空号")
    card.locator("details[data-action=reject] button[type=submit]").click()
    page.wait_for_load_state()
    assert "没有待审核的线索" in page.locator("main").inner_text()

    for lead in (accept, back, fake):
        lead.refresh_from_db()
    assert (accept.status, back.status, back.status_reason, fake.status, fake.reject_reason) == (
        "accepted",
        "returned",
        "请补充详细地址",
        "rejected",
        "fake",
    )
    assert accept.client is not None
