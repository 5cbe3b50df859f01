"""BERT's uncased WordPiece tokenizer, as all-MiniLM-L6-v2 was trained with it.

Pure Python, so the encoder needs no tokenizer library (and none of the hub clients such a library
brings): lower case, accents stripped, control characters dropped, split on white space and
punctuation (CJK ideographs alone), then the longest vocabulary prefix at a time.
"""

import unicodedata
from functools import lru_cache
from pathlib import Path

VOCAB_PATH = Path(__file__).with_name("data") / "minilm-vocab.txt"
MAX_WORD_CHARS = 100


def _is_punctuation(char):
    cp = ord(char)
    # ASCII symbols count as punctuation for BERT, e.g. "$" and "^", as Unicode P* categories do.
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _clean(text):
    out = []
    for char in text:
        cp = ord(char)
        if cp == 0 or cp == 0xFFFD:
            continue
        if char in "\t\n\r" or unicodedata.category(char) == "Zs":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf"):
            continue
        elif _is_cjk(cp):
            out.append(f" {char} ")
        else:
            out.append(char)
    text = unicodedata.normalize("NFD", "".join(out).lower())
    return "".join(char for char in text if unicodedata.category(char) != "Mn")


def _words(text):
    for chunk in _clean(text).split():
        word = []
        for char in chunk:
            if _is_punctuation(char):
                if word:
                    yield "".join(word)
                    word = []
                yield char
            else:
                word.append(char)
        if word:
            yield "".join(word)


class WordPiece:
    def __init__(self, vocab_path=VOCAB_PATH):
        tokens = Path(vocab_path).read_text(encoding="utf-8").split("\n")
        self.ids = {token: i for i, token in enumerate(tokens) if token}
        self.cls, self.sep, self.unk = self.ids["[CLS]"], self.ids["[SEP]"], self.ids["[UNK]"]
        self._pieces = lru_cache(maxsize=100_000)(self._word_pieces)

    def _word_pieces(self, word):
        if len(word) > MAX_WORD_CHARS:
            return (self.unk,)
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    pieces.append(self.ids[piece])
                    break
                end -= 1
            else:
                return (self.unk,)
            start = end
        return tuple(pieces)

    def encode(self, text, max_length=64):
        """Token ids of `text` with [CLS] and [SEP], at most `max_length` in all."""
        ids = [self.cls]
        for word in _words(text):
            ids.extend(self._pieces(word))
            if len(ids) >= max_length - 1:
                ids = ids[: max_length - 1]
                break
        ids.append(self.sep)
        return ids
