"""Template helpers for the readers' site: safe links, Markdown bodies, JSON-LD, page links."""

import json

import markdown as markdown_lib
import nh3
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import links, text

register = template.Library()

# The escapes Django's json_script uses, so data can never close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
BODY_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "figcaption", "figure", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}
BODY_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "abbr": {"title"}}


# The URL when it is http(s), else "" (so `javascript:` and friends never become links).
http_url = register.filter("http_url", links.http_url)
# An Image's address when it is http(s) or a path on this site, else "".
image_src = register.filter("image_src", links.image_src)
# Feed text with its character references decoded ("R&amp;D" -> "R&D"), still escaped on output.
plain = register.filter("plain", text.plain)


@register.filter
def markdown(text):
    """Markdown rendered to HTML, then sanitised: no scripts, no styles, only http(s) links."""
    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    # Headings start at h2 inside an article: the page's h1 is the headline.
    html = html.replace("<h1", "<h2").replace("</h1>", "</h2>")
    return mark_safe(  # nh3 leaves only the allow-listed, escaped markup
        nh3.clean(
            html,
            tags=BODY_TAGS,
            attributes=BODY_ATTRIBUTES,
            url_schemes=set(links.HTTP_SCHEMES),
            link_rel="noopener noreferrer nofollow",
        )
    )


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


@register.simple_tag(takes_context=True)
def absolute_url(context, url):
    """`url` (a path on this site, or already absolute) as an absolute URL, for og:image."""
    return context["request"].build_absolute_uri(url)


@register.filter
def datetime_attr(value):
    """A datetime as HTML's `datetime` attribute wants it: ISO 8601 to the second (the HTML
    checker refuses more than three digits of a second)."""
    return value.isoformat(timespec="seconds") if value else ""
