"""Pages: integration keys and webhooks, for headquarters."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import INTEGRATION_MANAGERS
from config.web import put_errors

from . import services
from .forms import EVENT_LABELS, KeyForm, WebhookForm
from .models import Delivery, IntegrationKey, Scope, Webhook

DELIVERIES_SHOWN = 50


@role_required(*INTEGRATION_MANAGERS)
def key_list(request):
    keys = IntegrationKey.objects.visible_to(request.user).select_related("station", "created_by")
    labels = dict(Scope.choices)
    rows = [(key, [labels.get(s, s) for s in key.scopes]) for key in keys]
    return render(request, "integrations/key_list.html", {"rows": rows})


@role_required(*INTEGRATION_MANAGERS)
def key_new(request):
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, raw = services.key_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            # The secret is on this answer only: nothing stores it in clear, no redirect carries it.
            return render(request, "integrations/key_created.html", {"key": key, "raw": raw})
    return render(request, "integrations/key_form.html", {"form": form})


@role_required(*INTEGRATION_MANAGERS)
def key_revoke(request, pk):
    key = get_object_or_404(IntegrationKey.objects.visible_to(request.user), pk=pk)
    if request.method == "POST":
        services.key_revoke(by=request.user, key=key)
        messages.success(request, _("The key %(name)s is revoked.") % {"name": key.name})
        return redirect("integrations:keys")
    return render(request, "integrations/key_revoke.html", {"key": key})


@role_required(*INTEGRATION_MANAGERS)
def webhook_list(request):
    webhooks = Webhook.objects.visible_to(request.user).select_related("owner")
    rows = [(w, [EVENT_LABELS[e] for e in w.events if e in EVENT_LABELS]) for w in webhooks]
    return render(request, "integrations/webhook_list.html", {"rows": rows})


@role_required(*INTEGRATION_MANAGERS)
def webhook_new(request):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook, secret = services.webhook_create(
                by=request.user, url=form.cleaned_data["url"], events=form.cleaned_data["events"]
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            return render(
                request, "integrations/webhook_created.html", {"webhook": webhook, "secret": secret}
            )
    return render(request, "integrations/webhook_form.html", {"form": form})


@role_required(*INTEGRATION_MANAGERS)
def webhook_detail(request, pk):
    webhook = get_object_or_404(Webhook.objects.visible_to(request.user), pk=pk)
    initial = {"url": webhook.url, "events": webhook.events, "active": webhook.active}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_update(by=request.user, webhook=webhook, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("integrations:webhook", pk=webhook.pk)
    deliveries = list(
        Delivery.objects.filter(webhook=webhook)
        .select_related("event")
        .order_by("-created_at", "-pk")[:DELIVERIES_SHOWN]
    )
    for delivery in deliveries:
        delivery.label = EVENT_LABELS.get(delivery.event.type, delivery.event.type)
    return render(
        request,
        "integrations/webhook_detail.html",
        {"webhook": webhook, "form": form, "deliveries": deliveries},
    )


@require_POST
@role_required(*INTEGRATION_MANAGERS)
def webhook_test(request, pk):
    webhook = get_object_or_404(Webhook.objects.visible_to(request.user), pk=pk)
    services.webhook_ping(by=request.user, webhook=webhook)
    messages.success(request, _("A test event is on its way; its delivery shows below."))
    return redirect("integrations:webhook", pk=webhook.pk)


@require_POST
@role_required(*INTEGRATION_MANAGERS)
def delivery_redeliver(request, pk, delivery):
    webhook = get_object_or_404(Webhook.objects.visible_to(request.user), pk=pk)
    row = get_object_or_404(Delivery.objects.select_related("webhook"), webhook=webhook, pk=delivery)
    try:
        services.delivery_redeliver(by=request.user, delivery=row)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The delivery is sent again."))
    return redirect("integrations:webhook", pk=webhook.pk)
