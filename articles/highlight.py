"""Search snippets: the part of a text around the first matching word, the matches in <mark>.

Built by escaping first, then marking: the text is split into matched and unmatched pieces,
every piece is escaped, and only our own <mark> elements wrap the matched ones. Imported text is
never marked safe as it came. A word matches as the search does: a query term as a word prefix,
case-insensitively (how the engines find results — accents, stems — is articles/db/'s business).
"""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

SNIPPET_LENGTH = 220


def _pattern(terms):
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)


def _window(text, start, length):
    """About `length` characters of `text` around position `start`, cut at spaces, with "…"."""
    if len(text) <= length:
        return text
    begin = max(0, start - length // 3)
    if begin:
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < start else begin
    end = min(len(text), begin + length)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > start else end
    return ("…" if begin else "") + text[begin:end].strip() + ("…" if end < len(text) else "")


def highlight(text, terms, *, length=None):
    """`text` (plain) escaped, the words matching `terms` in <mark>; cut to a snippet of about
    `length` characters around the first match when `length` is given."""
    text = text or ""
    pattern = _pattern(terms)
    if length is not None:
        first = pattern.search(text) if pattern else None
        text = _window(text, first.start() if first else 0, length)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # every piece above was escaped; only our <mark>s are markup
