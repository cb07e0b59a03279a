"""An inverted word index over paragraphs, to pick candidate passages for a source-less quote.

What flows: ``paragraph texts -> postings {word: array of paragraph ordinals}``; a quote's rarest
words (fewest paragraphs) vote for the paragraphs that contain them, and only the best few
candidates are matched exactly or fuzzily.  Postings are compact ``array('I')`` per word, so a
50 MB corpus costs tens of MB, not a Python object per word occurrence; a quote costs the size of
its rarest words' postings, never a scan of the corpus.  A changed word (a misquote) simply has no
or other postings: the others still vote.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterable
from itertools import chain

_WORD = re.compile(r"\w+")


class WordIndex:
    """Word -> paragraph ordinals.  ``add`` in order, then ``candidates``."""

    def __init__(self) -> None:
        self.postings: dict[str, array] = {}
        self.keys: list[object] = []

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: object, lower_text: str) -> None:
        """Index one paragraph (already normalised and lower-cased) under ``key``."""
        ordinal = len(self.keys)
        self.keys.append(key)
        postings = self.postings
        for word in set(_WORD.findall(lower_text)):
            arr = postings.get(word)
            if arr is None:
                postings[word] = arr = array("I")
            arr.append(ordinal)

    def df(self, word: str) -> int:
        arr = self.postings.get(word)
        return len(arr) if arr is not None else 0

    def candidates(self, words: Iterable[str], limit: int = 8, rare: int = 5) -> list[object]:
        """Keys of the paragraphs sharing most of the quote's ``rare`` rarest words."""
        known = sorted({(len(self.postings[w]), w) for w in set(words) if w in self.postings})
        if not known:
            return []
        chosen = [w for _, w in known[:rare]]
        # with few rare words, a quote of common words still needs enough votes to rank
        votes = Counter(chain.from_iterable(self.postings[w] for w in chosen))
        return [self.keys[o] for o, _ in votes.most_common(limit)]
