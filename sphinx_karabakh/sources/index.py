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
from collections.abc import Sequence
from itertools import chain

_WORD = re.compile(r"\w+")


class WordIndex:
    """Word -> paragraph ordinals.  ``add`` in order, then ``candidates``."""

    def __init__(self) -> None:
        self.postings: dict[str, array] = {}
        self.keys: list[object] = []
        self.texts: list[str] = []  # references to the paragraphs' lower-cased text, not copies

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: object, lower_text: str) -> None:
        """Index one paragraph (already normalised and lower-cased) under ``key``."""
        ordinal = len(self.keys)
        self.keys.append(key)
        self.texts.append(lower_text)
        postings = self.postings
        for word in set(_WORD.findall(lower_text)):
            arr = postings.get(word)
            if arr is None:
                postings[word] = arr = array("I")
            arr.append(ordinal)

    def df(self, word: str) -> int:
        arr = self.postings.get(word)
        return len(arr) if arr is not None else 0

    def candidates(
        self,
        words: Sequence[str],
        phrases: Sequence[str] = (),
        limit: int = 8,
        budget: int = 8_000,
        pool: int = 32,
        probe: int = 5_000,
        keep: int = 256,
    ) -> list[object]:
        """Keys of the ``limit`` paragraphs most likely to hold a quote.

        ``words`` are the quote's lower-cased words, ``phrases`` its word pairs as typed
        (``"ganja in"``).  Three cheap steps, none a scan of the corpus:

        1. the rarest words (as many as fit in ``budget`` postings) vote; the ``pool`` best
           paragraphs are kept -- robust to a changed word, which just has other postings;
        2. for the two rarest words (``df <= probe``), every paragraph holding the word is
           probed for a phrase of the quote around that word (a substring test) -- this finds
           the paragraph even when each word of the quote is common;
        3. the union is ranked by how many of the quote's phrases and words each holds.
        """
        known = sorted((len(self.postings[w]), w) for w in set(words) if w in self.postings)
        if not known:
            return []
        texts = self.texts
        all_words = [w for _, w in known]

        def score(o: int) -> int:
            low = texts[o]
            return 2 * sum(1 for p in phrases if p in low) + sum(1 for w in all_words if w in low)

        # step 2 first: it is cheap and usually decisive
        ordinals: dict[int, None] = {}
        for df, w in known[:2]:
            if df > probe:
                break
            around = [p for p in phrases if w in p]
            if not around:
                continue
            hits = [o for o in self.postings[w] if any(p in texts[o] for p in around)]
            if len(hits) <= keep:
                ordinals.update(dict.fromkeys(hits))
        scored = sorted((-score(o), rank, o) for rank, o in enumerate(ordinals))
        good = scored and -scored[0][0] >= len(phrases) + len(all_words) // 2
        if not good:
            # step 1: the rarest words vote (a changed word may have broken every phrase)
            chosen, spent = [], 0
            for df, w in known:
                if chosen and spent + df > budget:
                    break
                chosen.append(w)
                spent += df
            votes = Counter(chain.from_iterable(self.postings[w] for w in chosen))
            extra = [o for o, _ in votes.most_common(pool) if o not in ordinals]
            n = len(scored)
            scored += [(-score(o), n + rank, o) for rank, o in enumerate(extra)]
            scored.sort()
        return [self.keys[o] for _, _, o in scored[:limit]]
