"""The words the quote rules reason about, in one place (English, lower-case).

Negations flip a clause; pronouns and determiners make a phrase that may stand for a referent;
function words carry grammar, not content; number words are numbers; editorial marks are a
writer's notes inside brackets; subordinators open a clause that can be left out whole.
"""

from __future__ import annotations

import re

_NEGATIONS = (
    "not no never without nor neither none nobody nothing nowhere cannot can't won't don't "
    "doesn't didn't isn't aren't wasn't weren't hasn't haven't hadn't shouldn't wouldn't "
    "couldn't mustn't needn't mightn't shan't ain't n't hardly barely scarcely"
)
NEGATIONS = frozenset(_NEGATIONS.split())
NEGATION_RX = re.compile(
    r"(?<![\w'])(?:"
    + "|".join(sorted((re.escape(w) for w in NEGATIONS), key=len, reverse=True))
    + r")(?![\w'])|n't\b"
)

PRONOUNS = frozenset(
    [
        "i",
        "me",
        "my",
        "mine",
        "we",
        "us",
        "our",
        "ours",
        "you",
        "your",
        "yours",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "it",
        "its",
        "they",
        "them",
        "their",
        "theirs",
        "this",
        "that",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "whose",
        "itself",
        "himself",
        "herself",
        "themselves",
        "ourselves",
        "yourself",
        "yourselves",
    ]
)
DETERMINERS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "its",
        "their",
        "his",
        "her",
        "our",
        "my",
        "your",
        "such",
        "each",
        "every",
    ]
)
_FUNCTION = (
    "the a an and or but so yet for of to in on at by with from into onto upon over under "
    "about above below after before between among through during against within without "
    "than as if then also too very just only even both either is are was were be been being "
    "am has have had having do does did done 's s"
)
#: Words like pronouns that refer to nothing a bracket could name ("There is", "one may").
NON_REFERRING = frozenset(["there", "here", "what", "one", "ones"])
FUNCTION_WORDS = frozenset(_FUNCTION.split()) | PRONOUNS | DETERMINERS | NON_REFERRING

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 10**6, "billion": 10**9, "trillion": 10**12, "dozen": 12, "half": 0.5,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "once": 1, "twice": 2, "thrice": 3,
    "single": 1, "double": 2, "triple": 3, "couple": 2, "several": "several",
}  # fmt: skip
NUMBER_WORDS: dict[str, object] = dict(_UNITS)

#: Bracketed notes that stand for nothing in the source (``[sic]``, ``[emphasis added]``).
EDITORIAL_MARKS = re.compile(
    r"\[\s*(?:sic|sic passim|sic!|emphasis (?:added|mine|in original|omitted|supplied)|"
    r"italics (?:added|mine|in original)|original emphasis|emphasis original|"
    r"(?:footnotes?|citations?|references?|internal (?:quotation marks|citations)) omitted|"
    r"brackets in original|translation mine|my translation|(?:my|our) emphasis)\s*[.!]?\s*\]",
    re.IGNORECASE,
)

#: A clause that opens with one of these (after an optional and/or/but) can be elided whole.
SUBORDINATORS = frozenset(
    [
        "if",
        "when",
        "whenever",
        "where",
        "wherever",
        "because",
        "since",
        "although",
        "though",
        "while",
        "whereas",
        "as",
        "after",
        "before",
        "once",
        "until",
        "till",
        "which",
        "who",
        "whom",
        "whose",
        "even",
    ]
)
#: A clause opened by one of these describes; leaving it out whole negates nothing kept.
RELATIVES = frozenset(["which", "who", "whom", "whose"])
