"""How search reads text, said once for both engines: which letters count as the same, and how
scripts written without spaces are cut into words.

- **Folding.** Case and accents never matter. FTS5's `unicode61 remove_diacritics 2` and
  PostgreSQL's `unaccent` fold most Latin letters alike; `FOLDS` lists the letters one of them
  leaves alone (Greek tonos, Cyrillic ё, ß, æ, ø, œ, ł, …): the SQLite index and every query
  apply it, PostgreSQL's `unaccent` rules already hold it.
- **Scripts without spaces** (Chinese, Japanese, Thai: `UNSPACED_RANGES`). A run of such
  characters is one "word" to both tokenizers, so a word inside it could not be found. Each run is
  also indexed as overlapping character pairs (`grams`: 東京で → 東京 京で で), and a query in
  those scripts becomes the phrase of its pairs: 東京 finds 東京で新しい…, イヤホン finds
  …ワイヤレスイヤホンが…. Pairs, not FTS5's trigram tokenizer: two-character words (東京, 大阪)
  are the commonest in Chinese and Japanese and a trigram index cannot find them; and pairs
  work the same in a tsvector, so both engines share the meaning (docs/benchmarks.md, "Search").

Pure: the engine modules build their SQL from these tables; the search module and the snippet
marker use the functions.
"""

import re
import unicodedata

# Thai; hiragana and katakana; CJK ideographs (extension A, unified, compatibility); the
# iteration mark 々; half-width katakana.
UNSPACED_RANGES = (
    (0x0E01, 0x0E5B),
    (0x3005, 0x3005),
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
)
# Thai vowel and tone marks: part of the word (FTS5's unicode61 would otherwise split on them).
THAI_MARKS = "".join(chr(c) for c in (0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)))

# Letters unicode61's remove_diacritics leaves as they are and PostgreSQL's unaccent folds.
FOLDS = {
    "ά": "α", "έ": "ε", "ή": "η", "ί": "ι", "ό": "ο", "ύ": "υ", "ώ": "ω", "ΐ": "ι", "ΰ": "υ", "ϊ": "ι", "ϋ": "υ",
    "Ά": "α", "Έ": "ε", "Ή": "η", "Ί": "ι", "Ό": "ο", "Ύ": "υ", "Ώ": "ω", "Ϊ": "ι", "Ϋ": "υ",
    "ё": "е", "Ё": "е",
    "ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l",
    "đ": "d", "Đ": "d", "ı": "i",
}
# The range of code points FOLDS touches: an engine folds only text that has one of them.
FOLD_RANGE = (0x00C0, 0x04FF)

_UNSPACED_CLASS = "".join(
    re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in UNSPACED_RANGES
)
UNSPACED_RUN = re.compile(f"[{_UNSPACED_CLASS}]+")


def is_unspaced(char):
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in UNSPACED_RANGES)


def unspaced(term):
    """Whether a query term is written in a script without spaces (all of it)."""
    return bool(term) and UNSPACED_RUN.fullmatch(term) is not None


def grams(run):
    """A run's overlapping character pairs, as the indexes hold them; its last character also
    stands alone, so that every character starts an indexed word (a one-character query)."""
    return [run[i:i + 2] for i in range(len(run))]


def query_grams(term):
    """The pairs a query term must find in a row: its pairs, or the lone character."""
    return [term] if len(term) < 2 else [term[i:i + 2] for i in range(len(term) - 1)]


def fold(text):
    """Case and accents folded as the indexes fold them (query terms, and the marking of matches):
    FOLDS, then Latin letters without their accents (Cyrillic й and Thai marks stay)."""
    text = "".join(FOLDS.get(char, char) for char in text).casefold()
    out = []
    for char in text:
        if ord(char) < 0x0250:
            char = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        out.append(char)
    return "".join(out)
