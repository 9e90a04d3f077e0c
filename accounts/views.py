from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from config.hooks import home_panels
from config.web import put_errors

from . import services
from .forms import AreaForm, PersonForm
from .models import Area, Notification, Role, User
from .permissions import role_required
from .roles import ORG_MANAGERS


def _panels(request):
    return [html for panel in home_panels if (html := panel(request))]


@login_required
def home(request):
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True)[:5]
    return render(request, "accounts/home.html", {"panels": _panels(request), "unread": unread})


@login_required
def notifications(request):
    if request.method == "POST":
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return redirect("accounts:notifications")
    items = Notification.objects.filter(recipient=request.user)[:200]
    return render(request, "accounts/notifications.html", {"items": items})


@role_required(*ORG_MANAGERS)
def people(request):
    qs = (
        User.objects.visible_to(request.user)
        .filter(is_integration=False)
        .select_related("station", "area")
        .order_by("station__code", "area__name", "role", "username")
    )
    role = request.GET.get("role")
    if role in Role.values:
        qs = qs.filter(role=role)
    return render(request, "accounts/people.html", {"people": qs, "roles": Role.choices, "role": role})


def _save_person(request, form, instance=None):
    data = dict(form.cleaned_data)
    password = data.pop("password", "") or None
    if request.user.role == Role.STATION_MASTER:
        data["station"] = request.user.station
    try:
        if instance is None:
            services.user_create(by=request.user, password=password, **data)
        else:
            services.user_update(by=request.user, user=instance, password=password, **data)
    except ValidationError as exc:
        put_errors(form, exc)
        return False
    return True


@role_required(*ORG_MANAGERS)
def person_edit(request, pk=None):
    instance = get_object_or_404(User.objects.visible_to(request.user), pk=pk) if pk else None
    form = PersonForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        # The form's ModelForm copy must not leak into the service's object; re-read it.
        if instance is not None:
            instance.refresh_from_db()
        if _save_person(request, form, instance):
            messages.success(request, _("Saved."))
            return redirect("accounts:people")
    return render(request, "accounts/person_form.html", {"form": form, "person": instance})


@role_required(*ORG_MANAGERS)
def areas(request):
    qs = Area.objects.visible_to(request.user).select_related("station").order_by("station__code", "name")
    return render(request, "accounts/areas.html", {"areas": qs})


@role_required(*ORG_MANAGERS)
def area_edit(request, pk=None):
    instance = get_object_or_404(Area.objects.visible_to(request.user), pk=pk) if pk else None
    form = AreaForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                station = (
                    request.user.station
                    if request.user.role == Role.STATION_MASTER
                    else form.cleaned_data["station"]
                )
                services.area_create(by=request.user, station=station, name=form.cleaned_data["name"])
            else:
                instance.refresh_from_db()
                services.area_update(by=request.user, area=instance, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:areas")
    return render(request, "accounts/area_form.html", {"form": form, "area": instance})
