"""A station master opens the dashboard in a browser: the charts are drawn, and the numbers refresh in place."""

import pytest

from quota.models import DailyTally
from tests.factories_leads import ClientFactory, collect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _painted(page, canvas_id):
    """How many pixels of the canvas are not transparent (the chart library drew something)."""
    return page.evaluate(
        """(id) => { const c = document.getElementById(id); const ctx = c.getContext('2d');
        const px = ctx.getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < px.length; i += 4) { if (px[i] > 0) n++; } return n; }""",
        canvas_id,
    )


def test_station_dashboard_draws_its_charts_and_refreshes_without_reload(org, browser_page):
    from django.utils import timezone

    today = timezone.localdate()
    collect(org.courier, today, 2)
    collect(org.courier_a2, today, 1)
    ClientFactory.create_batch(3, area=org.a1, stage="screen")
    page = browser_page(org.station_master)

    page.goto(f"/dashboard/stations/{org.station_a.pk}/")

    for canvas in ("chart-trend", "chart-funnel", "chart-compliance"):
        page.wait_for_function("(id) => window.Chart && Chart.getChart(id)", arg=canvas)
        assert _painted(page, canvas) > 500, canvas
    assert page.evaluate("Chart.getChart('chart-trend').data.datasets[0].data.at(-1)") == 3
    total = page.locator("[data-bind='totals:leads']")
    assert total.inner_text() == "3"
    # A lead arrives; the next refresh (forced here instead of waiting a minute) updates number and chart.
    collect(org.courier, today, 1)
    page.evaluate("window.marker = 1; window.lantouDashboard.refresh()")
    # A function, not an expression: Playwright evaluates a bare expression with eval, which the CSP forbids.
    page.wait_for_function("() => document.querySelector(\"[data-bind='totals:leads']\").textContent === '4'")
    assert page.evaluate("Chart.getChart('chart-trend').data.datasets[0].data.at(-1)") == 4
    assert page.evaluate("window.marker") == 1  # the same page: no reload happened
    assert DailyTally.objects.get(person=org.courier, day=today).leads == 3


def test_dashboard_fits_a_phone(org, browser_page):
    page = browser_page(org.manager, phone=True)
    page.goto("/dashboard/")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-trend')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
