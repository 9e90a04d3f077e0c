from django.urls import NoReverseMatch, reverse


def pipeline_client_url(client) -> str:
    """The loop's client page, when this build has one."""
    for name in ("pipeline:client_detail", "pipeline:client"):
        try:
            return reverse(name, args=[client.pk])
        except NoReverseMatch:
            continue
    return ""
