"""Who may open which dashboard. Visibility itself is `Station/Area.objects.visible_to`; this adds the roles."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Area, Role, Station
from accounts.roles import DASHBOARD_ROLES, HQ_ROLES


def require_dashboard_role(user) -> None:
    if not user.is_authenticated or user.role not in DASHBOARD_ROLES:
        raise PermissionDenied(_("The dashboard is for area managers, station masters and headquarters."))


def require_hq(user) -> None:
    require_dashboard_role(user)
    if user.role not in HQ_ROLES:
        raise PermissionDenied(_("Comparing every station is for headquarters."))


def _to_pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def dashboard_scope(user, *, station_id=None, area_id=None) -> tuple[Station, Area | None]:
    """The station (and, for an area view, the area) the caller asked for and may see; 404 outside scope.

    An area manager always gets their own area; a station master their station (or one of its areas);
    headquarters any station, and must say which.
    """
    require_dashboard_role(user)
    if area_id not in (None, ""):
        area = Area.objects.visible_to(user).select_related("station").filter(pk=_to_pk(area_id)).first()
        if area is None or (station_id not in (None, "") and area.station_id != _to_pk(station_id)):
            raise Http404
        return area.station, area
    if station_id in (None, ""):
        if user.station_id is None:
            raise ValidationError({"station": _("Choose a station.")})
        station_id = user.station_id
    station = Station.objects.visible_to(user).filter(pk=_to_pk(station_id)).first()
    if station is None:
        raise Http404
    if user.role == Role.AREA_MANAGER:
        area = Area.objects.filter(pk=user.area_id, station=station).select_related("station").first()
        if area is None:
            raise Http404
        return station, area
    return station, None
