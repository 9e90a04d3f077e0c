from django.db.models import Q


def client_scope_q(user) -> Q:
    """A satisfaction record is visible exactly when its client is."""
    from pipeline.models.clients import client_scope_q as scope

    return scope(user, "client__")
