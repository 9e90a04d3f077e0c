"""What the pages and the API of every app share: a service's ValidationError put on a form, and a workbook
sent as a download."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def put_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names where the form has that field, otherwise
    at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
