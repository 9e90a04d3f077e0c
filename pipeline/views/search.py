"""The global search page: leads, clients and contacts by name or phone, grouped by kind."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..selectors.search import MAX_TEXT, global_search
from ..services import matching


@login_required
def search(request):
    text = (request.GET.get("q") or "").strip()[:MAX_TEXT]
    results = global_search(request.user, text)
    for contact in results["contacts"]:
        contact.url = matching.client_url(contact.client_id)
    for client in results["clients"]:
        client.url = matching.client_url(client.pk)
    return render(request, "pipeline/search.html", {"q": text, "results": results})
