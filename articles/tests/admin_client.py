"""Drive admin pages the way a browser would: read a change form, change a value, post it back."""

from django import forms
from django.contrib.admin import helpers


def _field_data(form):
    data = {}
    for bound in form:
        widget = bound.field.widget
        value = bound.value()
        name = bound.html_name
        if isinstance(widget, forms.FileInput):
            continue
        if isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(value) if not isinstance(value, list) else value
            for i, (sub, part) in enumerate(zip(widget.widgets, parts)):
                data[f"{name}_{i}"] = sub.format_value(part) or ""
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(widget, forms.SelectMultiple) or isinstance(widget, forms.CheckboxSelectMultiple):
            data[name] = [str(v) for v in value or []]
        elif value is None:
            data[name] = ""
        else:
            data[name] = str(value)
    return data


def change_form_data(response):
    """Everything a browser would post back from an admin change form, unchanged."""
    data = _field_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    return data


def run_action(client, url, action, objects, *, follow=False, **extra):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects], **extra}
    return client.post(url, data, follow=follow)
