"""Full-text search for readers: what a query means, the same on every engine.

`search_articles(queryset, q)` is the entry point (the search view and the API call it with
`Article.objects.published()`). Every word of the query must match, as a word prefix, the title,
excerpt, a topic, the provider or the body; titles rank above topics, provider and excerpt, and
those above the body. Case and accents never matter, in either direction (`cafe` finds Café,
`ΑΘΗΝΑ` finds Αθήνα); a word in Chinese, Japanese or Thai is found inside a run of text without
spaces (articles/search_text.py says how both engines read text). How an engine finds and ranks
is its module's `search(queryset, terms)` (articles/db/):

- SQLite: the FTS5 table `articles_search`, ranked by BM25 with per-column weights.
- PostgreSQL: the weighted tsvector documents of `articles_searchdoc` (configuration
  `newsroom`: simple + unaccent), ranked by ts_rank.
- Other databases: substring matching with the same weights (articles/db/base.py).

Both full-text engines rank only the newest SEARCH_WINDOW matches (articles/db/base.py).

`suggest(q)` corrects typos against the indexed vocabulary (never the articles themselves);
`find(queryset, q)` is what the search page shows: the results, or, when a query finds nothing
and a correction does, the corrected query's, with "Did you mean …?". `snippet(text, terms)`
marks the matched words of a result.
"""

import functools
import re
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, Min
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles import db, search_text

MAX_TERMS = 8
MAX_QUERY_LENGTH = 200
# A word this long or longer that no indexed word begins with is taken for a typo.
MIN_TYPO_LENGTH = 5
# Fewer results than this and the page offers a correction (when one exists).
FEW_RESULTS = 3
SNIPPET_LENGTH = 240

_ALPHABETS = (
    (re.compile(r"[a-z]+"), "abcdefghijklmnopqrstuvwxyz"),
    (re.compile(r"[а-яё]+"), "абвгдежзийклмнопрстуфхцчшщъыьэюя"),
    (re.compile(r"[α-ω]+"), "αβγδεζηθικλμνξοπρστυφχψως"),
)


def terms_of(q):
    """The words of a query, without duplicates, case-folded; runs of scripts without spaces
    are words of their own (iPhone発売 → iphone, 発売); at most MAX_TERMS."""
    words = re.findall(r"\w[\w'’.+#-]*", (q or "")[:MAX_QUERY_LENGTH])
    seen = []
    for word in words:
        for piece in re.split(f"({search_text.UNSPACED_RUN.pattern})", word):
            piece = "".join(search_text.FOLDS.get(c, c) for c in piece.strip(".'’-")).casefold()
            if piece and piece not in seen:
                seen.append(piece)
    return seen[:MAX_TERMS]


def search_articles(queryset, q, *, from_id=None):
    """`queryset` narrowed to the articles matching `q`, best first (with a `rank`).

    `from_id`: the lowest id among them, when a count has already found it (`find`): the engine
    then need not look for where its window of newest matches starts a second time."""
    terms = terms_of(q)
    if not terms:
        return queryset.none()
    return db.for_alias(queryset.db).search(queryset, terms, from_id=from_id)


def count_and_start(articles):
    """(how many of `articles`, the lowest id among them) in one query."""
    found = articles.order_by().aggregate(count=Count("pk"), start=Min("pk"))
    return found["count"], found["start"]


def one_edit_away(word):
    """Every word one deletion, transposition, substitution or insertion from `word`, in the
    letters of its own script."""
    alphabet = next((letters for pattern, letters in _ALPHABETS if pattern.fullmatch(word)), None)
    letters = alphabet or "".join(sorted(set(word)))
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {left + right[1:] for left, right in splits if right}
    edits |= {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    edits |= {left + c + right[1:] for left, right in splits if right for c in letters}
    edits |= {left + c + right for left, right in splits for c in letters}
    edits.discard(word)
    return edits


def suggest(q, *, using="default"):
    """`q` with each word that looks like a typo replaced by the indexed word one edit away that
    the most articles use; None when there is nothing to correct. A typo is a word of
    MIN_TYPO_LENGTH letters or more that no word of a title, excerpt, topic or provider begins
    with. Two queries at most, both look-ups in the engine's vocabulary (articles/db/), never a
    scan of the articles; the vocabulary holds drafts' words too (find() checks the result)."""
    terms = terms_of(q)
    long_terms = [t for t in terms if len(t) >= MIN_TYPO_LENGTH and t.isalpha() and not search_text.unspaced(t)]
    if not long_terms:
        return None
    engine, connection = db.for_alias(using), connections[using]
    # The vocabulary holds words as the index folds them (no accents).
    folded = {term: search_text.fold(term) for term in long_terms}
    edits = {term: one_edit_away(folded[term]) for term in long_terms}
    known, words = engine.vocabulary(connection, set(folded.values()), set().union(*edits.values()))
    found = {term: sorted(edits[term] & words) for term in long_terms if folded[term] not in known}
    found = {term: candidates for term, candidates in found.items() if candidates}
    if not found:
        return None
    # Counted only where there is a choice: a single candidate needs no count (one query fewer).
    ambiguous = sorted({candidate for candidates in found.values() if len(candidates) > 1 for candidate in candidates})
    counts = engine.word_counts(connection, ambiguous) if ambiguous else {}
    corrections = {
        term: min(candidates, key=lambda c: (-counts.get(c, 0), c)) for term, candidates in found.items()
    }
    return " ".join(corrections.get(term, term) for term in terms)


@dataclass
class Found:
    """What the search page shows for a query."""

    articles: object  # a queryset, best first
    count: int  # how many
    terms: list  # the words the articles matched (for snippets)
    suggestion: str | None = None  # "Did you mean …?"
    corrected: bool = False  # the articles are the suggestion's: the query itself found none


def find(queryset, q):
    """The articles matching `q` and their number; when they are fewer than FEW_RESULTS, a
    suggestion too, and when there are none, the suggestion's articles instead. A suggestion is
    offered only when it finds articles of `queryset`: the vocabulary holds drafts' words too."""
    count, start = count_and_start(search_articles(queryset, q))
    if count >= FEW_RESULTS:
        return Found(search_articles(queryset, q, from_id=start), count, terms_of(q))
    suggestion = suggest(q, using=queryset.db)
    if suggestion:
        corrected_count, corrected_start = count_and_start(search_articles(queryset, suggestion))
        if corrected_count and not count:
            return Found(search_articles(queryset, suggestion, from_id=corrected_start), corrected_count,
                         terms_of(suggestion), suggestion, corrected=True)
        if corrected_count:
            return Found(search_articles(queryset, q, from_id=start), count, terms_of(q), suggestion)
    return Found(search_articles(queryset, q, from_id=start), count, terms_of(q))


# -- snippets -------------------------------------------------------------------------------

_MARKDOWN = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links and images: their text
    (re.compile(r"<[^>]{0,200}>"), " "),  # inline HTML tags
    (re.compile(r"(?m)^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+"), ""),  # headings, quotes, list marks
    (re.compile(r"[*_`~]{1,3}"), ""),  # emphasis and code marks
]


def plain_text(markdown):
    """Markdown as the words a reader sees, on one line (for a snippet)."""
    for pattern, replacement in _MARKDOWN:
        markdown = pattern.sub(replacement, markdown)
    return " ".join(markdown.split())


@functools.lru_cache(maxsize=4096)
def _fold_char(char):
    return search_text.fold(char)


def _folded_with_offsets(text):
    """fold(text), and for each of its characters the index of the character of `text` it came
    from (None: the same index, when every character folds to one)."""
    if text.isascii():  # most text: folding is lower-casing, one character for one
        return text.lower(), None
    folded, offsets = [], []
    for index, char in enumerate(text):
        piece = _fold_char(char)
        folded.append(piece)
        offsets.extend([index] * len(piece))
    folded = "".join(folded)
    return folded, (None if len(folded) == len(text) else offsets)


def match_spans(text, terms):
    """(start, end) of the words of `text` the terms match, as the engines match them: a term
    begins a word (or, in a script without spaces, appears anywhere), whatever case and accents."""
    folded, offsets = _folded_with_offsets(text)
    spans = []
    for term in terms:
        prefix = "" if search_text.unspaced(term) else r"(?<!\w)"
        pattern = re.compile(prefix + re.escape(term) + (r"" if search_text.unspaced(term) else r"\w*"))
        for match in pattern.finditer(folded):
            if match.end() > match.start():
                if offsets is None:
                    spans.append((match.start(), match.end()))
                else:
                    spans.append((offsets[match.start()], offsets[match.end() - 1] + 1))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text, terms, length=SNIPPET_LENGTH):
    """Up to `length` characters of `text` around its first match, the matched words in <mark>:
    the text is escaped piece by piece and only the <mark> tags are ours. None without a match."""
    spans = match_spans(text, terms)
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - length // 3)
    if start:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space > start - 20 else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > end - 20 else end
    parts, position = ["…" if start else ""], start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escape(text[position:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    parts.append(escape(text[position:end]))
    parts.append("…" if end < len(text) else "")
    return mark_safe("".join(parts))  # every piece of the text above went through escape()


def snippets(articles, terms):
    """{article id: the snippet a result shows}: from the excerpt when it holds a match, else
    from the body, else none (the card shows its excerpt). `articles` come with their body
    (`.only(..., "body")`)."""
    found = {}
    for article in articles:
        marked = snippet(article.excerpt or "", terms) or snippet(plain_text(article.body or ""), terms)
        if marked:
            found[article.pk] = marked
    return found
