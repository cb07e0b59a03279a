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
        probe: int = 20_000,
        keep: int = 256,
        wide: int = 1_024,
    ) -> list[object]:
        """Keys of the ``limit`` paragraphs most likely to hold a quote.

        ``words`` are the quote's lower-cased words, ``phrases`` its runs of two and three words
        as typed (``"ganja in"``, ``"ganja in karabakh"``).  Three cheap steps, none a scan of the corpus:

        1. for the rarest word (then the next, if needed; ``df <= probe``), every paragraph
           holding it is probed for a phrase of the quote around it (a substring test) -- this
           finds the paragraph even when every word of the quote is common;
        2. unless that found a paragraph holding most of the quote, the rarest words (as many
           as fit in ``budget`` postings) vote and the ``pool`` best paragraphs join (all those
           tied for the best vote, up to ``wide``, when the pool is one tie) -- robust to a
           changed word, which just has other postings;
        3. the candidates are ranked by how many of the quote's phrases and words each holds.
        """
        known = sorted((len(self.postings[w]), w) for w in set(words) if w in self.postings)
        if not known:
            return []
        texts = self.texts
        all_words = [w for _, w in known]

        weights = [p.count(" ") + 1 for p in phrases]  # a three-word phrase counts three

        def score(o: int) -> int:
            low = texts[o]
            hit = sum(wt for p, wt in zip(phrases, weights, strict=True) if p in low)
            return hit + sum(1 for w in all_words if w in low)

        # step 2 first: it is cheap and usually decisive
        ordinals: dict[int, None] = {}
        scored: list[tuple[int, int, int]] = []
        good = False
        for df, w in known[:2]:
            if df > probe:
                break
            around = [p for p in phrases if w in p]
            if not around:
                continue
            hits = [o for o in self.postings[w] if any(p in texts[o] for p in around)]
            if len(hits) > keep:  # a common phrase: keep the paragraphs holding most of the quote
                ranked = sorted((-score(o), o) for o in hits)
                hits = [o for _, o in ranked[:keep]]
            ordinals.update(dict.fromkeys(hits))
            scored = sorted((-score(o), rank, o) for rank, o in enumerate(ordinals))
            good = bool(scored) and -scored[0][0] >= (sum(weights) + len(all_words)) // 2
            if good:
                break
        if not good:
            # step 1: the rarest words vote (a changed word may have broken every phrase)
            chosen: list[str] = []
            spent = 0
            for df, w in known:
                if chosen and spent + df > budget:
                    break
                chosen.append(w)
                spent += df
            votes = Counter(chain.from_iterable(self.postings[w] for w in chosen))
            top = votes.most_common(pool)
            if len(votes) > pool and top[0][1] == top[-1][1]:
                # a tie all through the pool: rank every paragraph with the best vote instead
                best = top[0][1]
                top = [(o, c) for o, c in votes.items() if c == best][:wide]
            extra = [o for o, _ in top if o not in ordinals]
            n = len(scored)
            scored += [(-score(o), n + rank, o) for rank, o in enumerate(extra)]
            scored.sort()
        return [self.keys[o] for _, _, o in scored[:limit]]
