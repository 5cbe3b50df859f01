"""Feed text as readers expect it: character references decoded, languages named.

Real feeds often HTML-escape their plain text ("R&amp;D", "&lt;remains tight&gt;"). The stored
value stays as the feed gave it (the exporter gives the file back); what readers see is the text
it stands for, which templates, feeds and the API then escape (or JSON-encode) as any other text:
decoding never makes markup, since nothing decoded is marked safe.
"""

import html
import re

# A BCP 47 language tag as feeds write it ("fr", "en-GB", "zh-Hant-TW"); anything else is ignored.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")


def plain(text):
    """`text` with its HTML character references decoded ("R&amp;D" -> "R&D"); "" for None."""
    if not text:
        return ""
    return html.unescape(text) if "&" in text else text


def language_tag(value):
    """The feed's `language` value when it is a well-formed language tag, else ""."""
    if isinstance(value, str) and _LANGUAGE_TAG.fullmatch(value.strip()):
        return value.strip()
    return ""
