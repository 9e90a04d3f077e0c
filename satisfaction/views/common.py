from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse


def add_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: on the field it names, otherwise at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def pipeline_client_url(client) -> str:
    """The loop's client page, when this build has one."""
    for name in ("pipeline:client_detail", "pipeline:client"):
        try:
            return reverse(name, args=[client.pk])
        except NoReverseMatch:
            continue
    return ""
