from .models import Notification
from .navigation import menu_for, tabs_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = menu_for(user, request.path)

    def unread_count():
        # A callable: only a page that shows the bell asks, and it asks once ({% with %}).
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"nav_items": items, "tabs": tabs_for(user, items), "unread_count": unread_count}
