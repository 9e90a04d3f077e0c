from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from pipeline.models import Lead

FIELDS = [
    "id",
    "company_name",
    "contact_name",
    "contact_phone",
    "source",
    "status",
    "collected_by",
    "collected_at",
    "collected_on",
    "station",
    "area",
    "client",
    "duplicate_of",
]


@login_required
def bare_leads(request):
    """The reference: the first page of the lead list (same scope, same order, 25 rows) with `values()` and
    no framework on top, to show what this machine can do for that page."""
    rows = list(Lead.objects.visible_to(request.user).order_by("-collected_at", "-pk").values(*FIELDS)[:25])
    return JsonResponse({"results": rows})
