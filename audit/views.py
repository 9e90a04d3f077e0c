"""The history pages: a client's (the client and every record of it) and a person's (what they did and what
happened to their account), newest first, scoped like the objects."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from accounts.models import User
from accounts.permissions import role_required
from accounts.roles import PERSON_HISTORY_READERS
from pipeline.models import Client

from . import presentation, selectors

PAGE_SIZE = 50


def _page(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _render(request, template, context, **filters):
    page = _page(request)
    entries, more = selectors.trail(
        user=request.user, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, **filters
    )
    context.update(
        {
            "rows": presentation.rows(entries),
            "page": page,
            "next_page": page + 1 if more else None,
            "previous_page": page - 1 if page > 1 else None,
        }
    )
    return render(request, template, context)


@login_required
def client_history(request, pk):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=pk)
    if not selectors.can_read(request.user):
        raise PermissionDenied
    return _render(request, "audit/client_history.html", {"client": client}, client_id=client.pk)


@role_required(*PERSON_HISTORY_READERS)
def person_history(request, pk):
    person = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    return _render(request, "audit/person_history.html", {"person": person}, person=person)
