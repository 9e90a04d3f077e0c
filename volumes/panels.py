"""The client page's volume card: the last months from the feed against the commitment, and the shortfall
warning (two complete months running below the contract's committed volume)."""

from django.template.loader import render_to_string

from accounts.roles import VOLUME_READERS
from config.hooks import client_panels

from .selectors import recent_months, shortfalls


@client_panels.register(order=20)
def client(request, client) -> str:
    if request.user.role not in VOLUME_READERS:
        return ""
    today = client.station.local_date()
    months = recent_months(client, today=today)
    if not months and not client.waybill_code:
        return ""
    return render_to_string(
        "volumes/_panel_client.html",
        {
            "client": client,
            "months": months,
            "shortfall": shortfalls([client.pk], today=today).get(client.pk),
        },
        request=request,
    )
