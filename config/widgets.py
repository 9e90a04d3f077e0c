"""The picker: a search-as-you-type field for choosing one record (or several) among more than a select can hold
— a person, an area, a station, a client. It renders the chosen ids in hidden inputs and a text box that
static/js/lantou.js wires to a picker endpoint of the API (`?q=` → the first 20 matches in the user's scope, as
`{"results": [{"id", "label"}]}`). The form field keeps its scoped queryset: it validates the submitted id, and
only the chosen rows are read to draw their labels, never the whole queryset."""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe


class Picker(forms.Widget):
    template_name = "includes/picker.html"
    multiple = False

    def __init__(self, source: str, *, params: dict | None = None, label=None, attrs=None):
        """`source`: the URL name of the picker endpoint; `params`: fixed query parameters narrowing it (such as
        `role`); `label`: how a chosen record is named (default: str)."""
        super().__init__(attrs)
        self.source, self.params, self.label = source, params or {}, label or str

    def _selected(self, value) -> list[dict]:
        values = [v for v in (value if isinstance(value, list | tuple) else [value]) if v not in (None, "")]
        ids = [getattr(v, "pk", v) for v in values]
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if not ids or queryset is None:
            return []
        try:
            rows = {str(obj.pk): obj for obj in queryset.filter(pk__in=ids)}
        except (ValueError, TypeError):
            return []
        return [{"id": str(i), "label": self.label(rows[str(i)])} for i in ids if str(i) in rows]

    def format_value(self, value):
        return value

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        from django.utils.http import urlencode

        query = urlencode(self.params, doseq=True)
        context["widget"].update(
            source=reverse(self.source) + (f"?{query}" if query else ""),
            selected=self._selected(value),
            multiple=self.multiple,
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # Through the project's template engine (templates/includes/), which the form renderer does not search.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class PickerMultiple(Picker):
    multiple = True

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # an empty choice submits no input at all


def use_picker(field, source: str, *, params: dict | None = None, label=None) -> None:
    """Turn a model choice field (one or many) into a picker, keeping its scoped queryset for validation; chosen
    records are named as the field names them (`label_from_instance`) unless `label` says otherwise."""
    kind = PickerMultiple if isinstance(field, forms.ModelMultipleChoiceField) else Picker
    widget = kind(source, params=params, label=label or field.label_from_instance)
    widget.is_required = field.required
    widget.choices = field.choices
    field.widget = widget


def picker(
    name: str, source: str, chosen=None, *, label=str, params: dict | None = None, id: str = ""
) -> str:
    """A picker outside a form (a page's GET toolbar): `chosen` is the record already chosen, or None."""
    widget = Picker(source, params=params, label=label)
    widget._selected = lambda value: [{"id": str(chosen.pk), "label": label(chosen)}] if chosen else []
    return widget.render(name, chosen.pk if chosen else "", attrs={"id": id or f"id_{name}"})
