"""What each role may do (visibility is `visible_to` on the models; this is about acting)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .roles import ORG_MANAGERS


def has_role(user, *roles) -> bool:
    return user.is_authenticated and user.role in roles


def can_manage_org(user) -> bool:
    return has_role(user, *ORG_MANAGERS)


class RolePermission(BasePermission):
    """Reads for every authenticated user (scoped by the queryset); writes only for `write_roles`."""

    write_roles: frozenset = frozenset()

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return request.user.role in getattr(view, "write_roles", self.write_roles)


def role_required(*roles):
    """Decorator for browser views: 403 for a logged-in user whose role may not act."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required
    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
