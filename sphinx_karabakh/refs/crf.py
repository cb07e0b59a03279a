"""CRF sequence labeller for reference strings (python-crfsuite).

A reference is split on whitespace into tokens; each token gets AnyStyle-like features (word, shape,
punctuation, dictionaries, position, quote/parenthesis state) and the model assigns one label per token:
author, date, title, journal, container-title, editor, volume, pages, publisher, location, url, doi,
edition, note, citation-number, isbn, translator. ``label(text)`` returns (token, label) pairs; the
parser turns runs of one label into fields with its normalisers. The model is trained by
``bench/train_refs_crf.py`` on ../shared/refdata and shipped as ``refs/data/refs.crfsuite``.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from importlib import resources

MODEL_NAME = "refs.crfsuite"
LABEL_MAP = {
    "director": "note",
    "producer": "note",
    "medium": "note",
    "genre": "note",
    "dataset": "note",
    "source": "note",
    "collection-title": "note",
}

_MONTHS = set(
    [
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
        "januar",
        "februar",
        "märz",
        "juni",
        "juli",
        "oktober",
        "dezember",
        "spring",
        "summer",
        "autumn",
        "fall",
        "winter",
    ]
)
_JOURNAL = set(
    [
        "journal",
        "j",
        "jour",
        "review",
        "rev",
        "proceedings",
        "proc",
        "trans",
        "transactions",
        "acta",
        "annals",
        "ann",
        "bulletin",
        "bull",
        "quarterly",
        "letters",
        "lett",
        "magazine",
        "science",
        "sciences",
        "research",
        "studies",
        "review",
        "revue",
        "zeitschrift",
        "zeitschr",
        "rivista",
        "revista",
        "archives",
        "arch",
        "international",
        "int",
        "natl",
        "national",
        "american",
        "am",
        "european",
        "eur",
        "british",
        "br",
        "medicine",
        "med",
        "clinical",
        "clin",
        "physics",
        "phys",
        "chemistry",
        "chem",
        "biology",
        "biol",
        "economic",
        "econ",
        "society",
        "soc",
        "quarterly",
        "series",
        "newsletter",
        "forum",
        "times",
        "news",
        "daily",
        "gazette",
    ]
)
_PUBLISHER = set(
    [
        "press",
        "publishing",
        "publishers",
        "publisher",
        "verlag",
        "books",
        "university",
        "univ",
        "universitaires",
        "editions",
        "éditions",
        "edizioni",
        "editorial",
        "editora",
        "company",
        "co",
        "inc",
        "ltd",
        "routledge",
        "springer",
        "wiley",
        "elsevier",
        "sage",
        "palgrave",
        "macmillan",
        "penguin",
        "harper",
        "blackwell",
        "pearson",
        "norton",
        "academic",
        "mit",
        "oxford",
        "cambridge",
        "gruyter",
        "kluwer",
        "brill",
        "suhrkamp",
        "gallimard",
        "seuil",
        "puf",
        "dunod",
        "hachette",
        "mohr",
        "beck",
        "wissenschaftliche",
    ]
)
PLACES = _PLACES = set(
    [
        "london",
        "new",
        "york",
        "oxford",
        "cambridge",
        "paris",
        "berlin",
        "boston",
        "chicago",
        "princeton",
        "amsterdam",
        "leiden",
        "frankfurt",
        "münchen",
        "munich",
        "wien",
        "vienna",
        "stuttgart",
        "tübingen",
        "hamburg",
        "leipzig",
        "zürich",
        "zurich",
        "basel",
        "bern",
        "milano",
        "milan",
        "roma",
        "rome",
        "madrid",
        "barcelona",
        "moscow",
        "москва",
        "tokyo",
        "beijing",
        "washington",
        "philadelphia",
        "toronto",
        "montreal",
        "sydney",
        "melbourne",
        "heidelberg",
        "göttingen",
        "bonn",
        "köln",
        "lyon",
        "bruxelles",
        "brussels",
        "praha",
        "prague",
        "warszawa",
        "stockholm",
        "copenhagen",
        "oslo",
        "helsinki",
        "dordrecht",
        "hoboken",
        "berkeley",
        "stanford",
        "baltimore",
        "thousand",
        "oaks",
        "abingdon",
        "basingstoke",
        "malden",
        "ithaca",
        "ny",
        "uk",
        "usa",
        "ca",
        "ma",
        "nj",
        "dc",
    ]
)
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "des", "le", "la"}
_EDITOR_WORDS = {
    "ed",
    "eds",
    "editor",
    "editors",
    "edited",
    "hrsg",
    "hg",
    "dir",
    "coord",
    "éd",
    "éds",
}
_PAGE_WORDS = {"pp", "p", "s", "pages", "page", "str", "с", "стр"}
_VOL_WORDS = {
    "vol",
    "volume",
    "vols",
    "bd",
    "band",
    "t",
    "tome",
    "jg",
    "no",
    "nr",
    "issue",
    "n",
    "num",
}
_GENRE = {
    "thesis",
    "dissertation",
    "phd",
    "ph",
    "report",
    "doctoral",
    "master",
    "masters",
    "diss",
    "technical",
    "working",
    "paper",
    "thèse",
    "tesi",
    "tesis",
}
_IN_WORDS = {"in", "in:", "dans", "en", "im"}
_ABBREV = {
    "vol",
    "no",
    "pp",
    "ed",
    "eds",
    "trans",
    "al",
    "jr",
    "dr",
    "st",
    "nr",
    "hrsg",
    "hg",
    "bd",
}


_RX0 = re.compile(r"[A-ZÀ-ÞА-Я]")
_RX1 = re.compile(r"[a-zß-ÿа-я]")
_RX2 = re.compile(r"[0-9]")
_RX3 = re.compile(r"(.)\1+")
_RX5 = re.compile(r"(?:[A-ZÀ-Þ]\.-?){1,3}[,;]?")
_RX6 = re.compile(r"[A-ZÀ-Þ]{1,3}[,.]?")
_RX7 = re.compile(r"(?<!\d)(1[5-9]|20)\d\d(?!\d)")
_RX8 = re.compile(r"\(?\[?(1[5-9]|20)\d\d[a-z]?\]?\)?[.,:;]?")
_RX9 = re.compile(r"\d+")
_RX10 = re.compile(r"\d\s*[-–—]+\s*\d")  # searched: the same truth as \d+…\d+, in linear time
_RX11 = re.compile(r"\d")
_RX12 = re.compile(r"\d+\(\w+\)")
_RX13 = re.compile(r"^\d+\(")
_RX14 = re.compile(r"\.(?:com|org|net|edu|gov|html?|pdf)\b")
_RX15 = re.compile(r"10\.\d{4,}/")
_RX16 = re.compile(r"\d{1,3}\.")
_RX17 = re.compile(r"[.?!][\"”’']?$")
_RX18 = re.compile(r"[A-ZÀ-Þ][a-z]?\.")
_RX19 = re.compile(r"[.,]$")


def _shape(word: str) -> str:
    s = _RX0.sub("A", word)
    s = _RX1.sub("a", s)
    s = _RX2.sub("0", s)
    return _RX3.sub(r"\1\1", s)


def _core(tok: str) -> str:
    """The token without leading and trailing non-word characters ("(2019)." -> "2019"); the
    same as removing ``^[\\W_]+|[\\W_]+$``, without a regex that is quadratic in a long run."""
    start, end = 0, len(tok)
    while start < end and not tok[start].isalnum():
        start += 1
    while end > start and not tok[end - 1].isalnum():
        end -= 1
    return tok[start:end]


def token_features(tokens: list[str]) -> list[list[str]]:
    """Feature strings for each token (crfsuite's ItemSequence accepts lists of strings)."""
    n = len(tokens)
    cores = [_core(t) for t in tokens]
    lows = [c.lower() for c in cores]
    shapes = [_shape(t) for t in tokens]
    feats: list[list[str]] = []
    in_quote = False
    paren = 0
    seen_year = False
    seen_quote_close = False
    sentences = 0
    seen_in = False
    seen_editor = False
    prev_end = False
    for i, tok in enumerate(tokens):
        core, low = cores[i], lows[i]
        f = [
            "b",
            f"w={low}" if len(low) < 25 else "w=LONG",
            f"sh={shapes[i][:8]}",
            f"p1={core[:1]}",
            f"p3={low[:3]}",
            f"s2={low[-2:]}",
            f"s3={low[-3:]}",
            f"last={tok[-1]}" if not tok[-1].isalnum() else "last=AN",
            f"first={tok[0]}" if not tok[0].isalnum() else "first=AN",
            f"pos={min(9, (10 * i) // max(n, 1))}",
            f"len={min(len(core), 8)}",
        ]
        if i < 3:
            f.append(f"abs={i}")
        if i == n - 1:
            f.append("LAST")
        if core.isupper() and len(core) > 1:
            f.append("UPPER")
        if core[:1].isupper():
            f.append("CAP")
        if core[:1].islower():
            f.append("LOW")
        if _RX5.fullmatch(tok) or _RX6.fullmatch(tok):
            f.append("INITIAL")
        if _RX7.search(tok):
            f.append("YEAR")
            if _RX8.fullmatch(tok):
                f.append("YEARONLY")
            if seen_year:
                f.append("YEAR2")
            seen_year = True
        if _RX9.fullmatch(core):
            f.append(f"NUM{min(len(core), 5)}")
        if _RX10.search(tok):
            f.append("RANGE")
        if _RX11.search(tok):
            f.append("DIGIT")
        if _RX12.match(core) or _RX13.match(tok):
            f.append("VOLNUM")
        if "http" in low or "www." in low or _RX14.search(low):
            f.append("URL")
        if _RX15.search(tok) or low.startswith("doi"):
            f.append("DOI")
        if low in _MONTHS:
            f.append("MONTH")
        if low in _JOURNAL:
            f.append("JOURNAL")
        if low in _PUBLISHER:
            f.append("PUB")
        if low in _PLACES:
            f.append("PLACE")
        if low in _PARTICLES:
            f.append("PARTICLE")
        if low.strip(".") in _EDITOR_WORDS:
            f.append("EDITOR")
        if low in _PAGE_WORDS:
            f.append("PAGEWORD")
        if low in _VOL_WORDS:
            f.append("VOLWORD")
        if low in _GENRE:
            f.append("GENRE")
        if low in _IN_WORDS:
            f.append("IN")
        if low in {"and", "und", "et", "&", "y"} or tok == "&":
            f.append("AND")
        if low in {"al", "etal"}:
            f.append("ETAL")
        if tok[:1] in "\"“„«'‘":
            f.append("QOPEN")
        if tok.rstrip(".,;:")[-1:] in "\"”»'’":
            f.append("QCLOSE")
        if tok.endswith(":"):
            f.append("COLON")
        if "(" in tok:
            f.append("POPEN")
        if ")" in tok:
            f.append("PCLOSE")
        if (tok.startswith("[") and i == 0) or (_RX16.fullmatch(tok) and i == 0):
            f.append("CITNUM")
        if in_quote:
            f.append("INQUOTE")
        if seen_quote_close:
            f.append("AFTERQUOTE")
        if paren > 0:
            f.append("INPAREN")
        if not seen_year:
            f.append("BEFOREYEAR")
        f.append(f"sent={min(sentences, 4)}")
        if seen_in:
            f.append("SEEN_IN")
        if seen_editor:
            f.append("SEEN_ED")
        if prev_end:
            f.append("PREV_END")
        if prev_end and low in _IN_WORDS:
            f.append("IN_AT_START")
        # state for following tokens
        if tok[:1] in '"“„«' and not (len(tok) > 1 and tok.rstrip(".,;:")[-1:] in '"”»'):
            in_quote = True
        elif tok.rstrip(".,;:")[-1:] in '"”»':
            if in_quote:
                seen_quote_close = True
            in_quote = False
        ends = bool(_RX17.search(tok)) and not (_RX18.fullmatch(tok) or low in _ABBREV)
        if ends:
            sentences += 1
        prev_end = ends
        if low in _IN_WORDS and (i == 0 or _RX19.search(tokens[i - 1])):
            seen_in = True
        if low.strip(".") in _EDITOR_WORDS:
            seen_editor = True
        paren += tok.count("(") - tok.count(")")
        paren = max(paren, 0)
        feats.append(f)
    # neighbour features
    out: list[list[str]] = []
    for i, f in enumerate(feats):
        g = list(f)
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < n:
                g.append(f"{d}w={lows[j]}" if len(lows[j]) < 25 else f"{d}w=LONG")
                g.append(f"{d}sh={shapes[j][:6]}")
                if abs(d) == 1:
                    last = tokens[j][-1]
                    g.append(f"{d}last={last if not last.isalnum() else 'AN'}")
                    for tag in (
                        "YEAR",
                        "INITIAL",
                        "QOPEN",
                        "QCLOSE",
                        "EDITOR",
                        "PAGEWORD",
                        "VOLWORD",
                        "IN",
                        "MONTH",
                        "JOURNAL",
                        "PUB",
                        "PLACE",
                        "URL",
                        "CAP",
                        "RANGE",
                    ):
                        if tag in feats[j]:
                            g.append(f"{d}{tag}")
            else:
                g.append(f"{d}BOUND")
        out.append(g)
    return out


def tokenize(text: str) -> list[str]:
    return text.split()


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _tagger():
    import os

    import pycrfsuite

    override = os.environ.get("SPHINX_KARABAKH_REFS_MODEL")  # for bench experiments only
    if override:
        tagger = pycrfsuite.Tagger()
        tagger.open(override)
        return tagger
    path = resources.files("sphinx_karabakh.refs").joinpath("data", MODEL_NAME)
    with resources.as_file(path) as p:
        if not p.exists():
            return None
        tagger = pycrfsuite.Tagger()
        tagger.open(str(p))
        return tagger


def model_available() -> bool:
    return _tagger() is not None


def label(text: str) -> list[tuple[str, str]]:
    """(token, label) for each whitespace token; [] when the model is missing or text is empty."""
    return label_with_confidence(text)[0]


def label_with_confidence(text: str) -> tuple[list[tuple[str, str]], float]:
    """Labels and the model's certainty of the whole labelling: the per-token geometric mean of
    P(labels | tokens), 0..1."""
    tokens = tokenize(text)
    if not tokens:
        return [], 0.0
    tagger = _tagger()
    if tagger is None:
        return [], 0.0
    feats = token_features(tokens)
    with _lock:  # a crfsuite Tagger is not safe to share between threads
        tags = tagger.tag(feats)
        prob = tagger.probability(tags)
    return list(zip(tokens, tags, strict=True)), prob ** (1.0 / len(tokens))


def spans(labelled: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Runs of one label joined by spaces: [(label, text), ...] in order."""
    out: list[tuple[str, str]] = []
    for tok, lab in labelled:
        if out and out[-1][0] == lab:
            out[-1] = (lab, out[-1][1] + " " + tok)
        else:
            out.append((lab, tok))
    return out
