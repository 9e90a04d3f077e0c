"""Writes to the organisation: stations, areas and people. Every door (page, API, admin) calls these."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Area, Role, Station, User
from .permissions import can_manage_org
from .roles import HQ_ROLES


def _require_org_manager(by: User, station: Station | None) -> None:
    if not can_manage_org(by):
        raise PermissionDenied(_("Only administrators and station masters manage the organisation."))
    if by.role == Role.STATION_MASTER and (station is None or station.pk != by.station_id):
        raise PermissionDenied(_("A station master manages only their own station."))


def station_create(*, by: User, name: str, code: str, timezone: str | None = None, branch=None) -> Station:
    if not (by.is_authenticated and by.role == Role.ADMIN):
        raise PermissionDenied(_("Only administrators create stations."))
    station = Station(name=name, code=code, branch=branch)
    if timezone:
        station.timezone = timezone
    station.full_clean()
    station.save()
    return station


def area_create(*, by: User, station: Station, name: str) -> Area:
    _require_org_manager(by, station)
    area = Area(station=station, name=name)
    area.full_clean()
    area.save()
    return area


def area_update(*, by: User, area: Area, name: str) -> Area:
    _require_org_manager(by, area.station)
    area.name = name
    area.full_clean()
    area.save()
    return area


def _sync_admin_flags(user: User) -> None:
    # The admin role is what opens the Django admin; nobody else gets staff rights through these doors.
    user.is_staff = user.is_superuser = user.role == Role.ADMIN


def _check_role_grant(by: User, role: str) -> None:
    if by.role == Role.STATION_MASTER and role in HQ_ROLES:
        raise ValidationError(
            {"role": _("A station master cannot give the role %(role)s.") % {"role": Role(role).label}}
        )


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


@transaction.atomic
def user_create(*, by: User, password: str, **fields) -> User:
    user = User(**fields)
    _require_org_manager(by, user.station)
    _check_role_grant(by, user.role)
    _sync_admin_flags(user)
    user.full_clean(exclude=["password"])
    _validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def user_update(*, by: User, user: User, password: str | None = None, **fields) -> User:
    _require_org_manager(by, user.station)
    for name, value in fields.items():
        setattr(user, name, value)
    _require_org_manager(by, user.station)  # the new station must be theirs too
    _check_role_grant(by, user.role)
    _sync_admin_flags(user)
    user.full_clean(exclude=["password"])
    if password:
        _validate_password(password, user)
        user.set_password(password)
    user.save()
    if password or not user.is_active:
        # Such tokens are refused anyway (accounts/tokens.py); ending them here leaves none behind.
        token_revoke(user=user)
    return user


def notify(
    *, recipient: User, kind: str, message: str, link: str = "", dedupe_key: str = "", email: bool = False
):
    """Put an entry in a person's notification list (once per `dedupe_key`), and e-mail it if asked.

    Returns the new Notification, or None when one with the same key already existed.
    """
    from .models import Notification

    fields = {"recipient": recipient, "kind": kind, "message": message[:500], "link": link}
    if not dedupe_key:
        notification = Notification.objects.create(**fields)
    else:
        # A concurrent run may write the same key first; the unique constraint keeps one row, one e-mail.
        before = Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists()
        if before:
            return None
        Notification.objects.bulk_create(
            [Notification(dedupe_key=dedupe_key, **fields)], ignore_conflicts=True
        )
        notification = Notification.objects.get(recipient=recipient, dedupe_key=dedupe_key)
    if email and recipient.email:
        from outbox import services as outbox

        from .tasks import send_notification_email

        outbox.task_enqueue(task=send_notification_email, args=[notification.pk])
    return notification


def token_issue(*, user: User):
    """A new API token for `user`: returns (ApiToken, key). The key is shown once; only its digest is stored."""
    from django.utils import timezone

    from .models import ApiToken

    # Expired tokens are deleted when used; those nobody uses again go when their owner asks for a new one.
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return ApiToken.objects.create(user, password_fingerprint=user.get_session_auth_hash())


def token_revoke(*, user: User, token=None) -> int:
    """End one API token of `user`, or all of them when `token` is None. Returns how many ended."""
    from .models import ApiToken

    tokens = ApiToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    deleted, _by_model = tokens.delete()
    return deleted
