"""The API docs page's one filter: `code` spans of the schema's descriptions as <code>."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def code_spans(text):
    """Escaped text with each `span` in <code> (the descriptions are ours, and escaped first)."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)).replace("\n", "<br>"))
