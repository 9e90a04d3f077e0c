"""Satisfaction records are seen exactly by those who see their client: one rule, the client's."""

from django.db.models import Q


def client_scope_q(user, prefix: str = "client") -> Q:
    from pipeline.models import Client

    return Q(**{f"{prefix}__in": Client.objects.visible_to(user).values("pk")})
