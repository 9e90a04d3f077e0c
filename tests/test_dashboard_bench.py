"""The benchmark's reference view exists only under bench.settings, never in the product's URLs."""

import pytest
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db


def test_the_bare_reference_view_is_not_mounted_in_the_product(org, client):
    with pytest.raises(Resolver404):
        resolve("/bench/bare-leads/")
    client.force_login(org.station_master)
    assert client.get("/bench/bare-leads/").status_code == 404


def test_under_bench_settings_it_returns_the_first_page_of_the_callers_leads(org, client, settings):
    from django.urls import clear_url_caches

    from tests.factories_leads import collect

    collect(org.courier, org.station_a.local_date(), 30)
    collect(org.courier_b, org.station_b.local_date(), 2)
    settings.ROOT_URLCONF = "bench.urls"
    clear_url_caches()
    try:
        client.force_login(org.station_master)
        rows = client.get("/bench/bare-leads/").json()["results"]
    finally:
        clear_url_caches()
    assert len(rows) == 25
    assert {r["station"] for r in rows} == {org.station_a.pk}
