"""The client page's link to its history."""

from django.template.loader import render_to_string

from config.hooks import client_panels

from .selectors import can_read


@client_panels.register(order=90)
def client(request, client) -> str:
    if not can_read(request.user):
        return ""
    return render_to_string("audit/client_panel.html", {"client": client}, request=request)
