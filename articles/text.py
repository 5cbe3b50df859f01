"""Feed text as readers expect it: character references decoded, languages named, names isolated.

Real feeds often HTML-escape their plain text ("R&amp;D", "&lt;remains tight&gt;"). The stored
value stays as the feed gave it (the exporter gives the file back); what readers see is the text
it stands for, which templates, feeds and the API then escape (or JSON-encode) as any other text:
decoding never makes markup, since nothing decoded is marked safe.
"""

import html
import re
import unicodedata

from articles.slugs import is_invisible

# A BCP 47 language tag as feeds write it ("fr", "en-GB", "zh-Hant-TW"); anything else is ignored.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")


def plain(text):
    """`text` with its HTML character references decoded ("R&amp;D" -> "R&D"); "" for None."""
    if not text:
        return ""
    return html.unescape(text) if "&" in text else text


def isolated(name):
    """`name` between Unicode's FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: for text-only
    places (<title>, <option>, attributes, JSON), where <bdi> cannot go. Still text: escaped on output."""
    return f"\u2068{name}\u2069"


# Bidi classes that can reorder the left-to-right text around a name: right-to-left letters and
# Arabic digits (explicit embeddings, overrides, isolates and marks are format characters).
_REORDERING = {"R", "AL", "AN"}


def needs_isolation(name):
    """Whether `name` can change how the text beside it displays: a bidi control (U+202E,
    U+2066–U+2069, U+200E/F…) or another invisible character, or a right-to-left letter."""
    return any(is_invisible(c) or unicodedata.bidirectional(c) in _REORDERING for c in name)


def display_name(name):
    """A stored name (topic, provider) as the admin and other text-only places show it (the
    models' __str__): isolated when it could reorder its surroundings, else unchanged.

    Isolated rather than stripped: an editor must still see (and be able to fix) a name that
    holds a control, and the stored value stays as the feed gave it. Only such names are wrapped,
    so ordinary names read, copy and compare as they always have.
    """
    name = name or ""
    return isolated(name) if needs_isolation(name) else name


def language_tag(value):
    """The feed's `language` value when it is a well-formed language tag, else ""."""
    if isinstance(value, str) and _LANGUAGE_TAG.fullmatch(value.strip()):
        return value.strip()
    return ""
