"""Template helpers for the readers' site: safe links, stored bodies, JSON-LD, page links."""

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import cards, links, text
from articles.rendering import plain_html, sanitise

register = template.Library()

# The escapes Django's json_script uses, so data can never close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


# The URL when it is http(s), else "" (so `javascript:` and friends never become links).
http_url = register.filter("http_url", links.http_url)
# An Image's address when it is http(s) or a path on this site, else "".
image_src = register.filter("image_src", links.image_src)


@register.filter
def image_srcset(image):
    """The image's srcset (its renditions made here), or ""."""
    return cards.image_srcset(image, links.image_src(image))


# Feed text with its character references decoded ("R&amp;D" -> "R&D"), still escaped on output.
plain = register.filter("plain", text.plain)


@register.filter
def stored_body(article):
    """The article's body as rendered and sanitised when it was imported or saved
    (articles/rendering.py): no Markdown is rendered for a request. An article stored before
    it had one shows its body as escaped text."""
    if article.body_html is None:
        return mark_safe(sanitise(plain_html(article.body or "")))  # escaped by plain_html, then nh3
    return mark_safe(article.body_html)  # nh3's output, stored by render_body


@register.simple_tag
def json_ld(data):
    """A <script type="application/ld+json"> element whose content cannot break out of it."""
    payload = json.dumps(data, ensure_ascii=False, default=str).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.simple_tag(takes_context=True)
def page_url(context, **changes):
    """This page's query string with `changes` applied (None drops a key; page 1 is the default)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or (key == "page" and str(value) == "1"):
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes and ("sort" in changes or "provider" in changes):
        params.pop("page", None)  # a new order or filter starts again at the first page
    query = params.urlencode()
    return f"?{query}" if query else "?"


@register.filter
def bdi(name):
    """A stored name (topic, provider) isolated from the page around it: direction controls or
    right-to-left letters in it cannot reorder the text beside it."""
    return format_html("<bdi>{}</bdi>", name)


# The same for places that hold text only (<title>, <option>, attributes): Unicode's
# first-strong isolate and its closing mark (escaped like any text).
isolated = register.filter("isolated", text.isolated)


@register.simple_tag(takes_context=True)
def absolute_url(context, url):
    """`url` (a path on this site, or already absolute) as an absolute URL, for og:image."""
    return context["request"].build_absolute_uri(url)


@register.filter
def datetime_attr(value):
    """A datetime as HTML's `datetime` attribute wants it: ISO 8601 to the second (the HTML
    checker refuses more than three digits of a second)."""
    return value.isoformat(timespec="seconds") if value else ""
