"""Person-name splitting: an author or editor string -> ``Person`` tuples.

Handles "Surname, I.", "I. Surname", "Given Surname", Vancouver "Surname AB", "SURNAME, Given",
lists separated by commas, semicolons, "and"/"&"/"und"/"et"/"y", "et al." (dropped), particles
("van der", "de") and corporate authors kept whole ("Center for Security Studies ETH Zurich", "RFE/RL").
"""

from __future__ import annotations

import re

from sphinx_karabakh.refs.model import Person

PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "du",
        "des",
        "dos",
        "das",
        "le",
        "la",
        "ten",
        "ter",
        "zu",
        "vom",
        "van't",
        "d'",
        "y",
    ]
)
_CAP_PARTICLES = frozenset(
    [
        "van",
        "von",
        "de",
        "del",
        "della",
        "di",
        "da",
        "du",
        "des",
        "dos",
        "das",
        "le",
        "la",
        "ten",
        "ter",
        "el",
        "al",
        "bin",
        "ibn",
        "abu",
        "ben",
    ]
)
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "jun.", "sen."})
CORPORATE_WORDS = frozenset(
    [
        "center",
        "centre",
        "institute",
        "institut",
        "university",
        "universität",
        "université",
        "college",
        "school",
        "organization",
        "organisation",
        "association",
        "society",
        "committee",
        "council",
        "agency",
        "bank",
        "group",
        "commission",
        "foundation",
        "ministry",
        "department",
        "office",
        "bureau",
        "government",
        "board",
        "federation",
        "union",
        "service",
        "services",
        "corporation",
        "company",
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "press",
        "news",
        "nations",
        "authority",
        "network",
        "project",
        "team",
        "consortium",
        "laboratory",
        "programme",
        "program",
        "president",
        "parliament",
        "congress",
        "court",
        "republic",
        "kingdom",
        "state",
        "states",
        "initiative",
        "forum",
        "fund",
        "trust",
        "alliance",
        "club",
        "panel",
        "academy",
        "library",
        "museum",
        "world",
        "international",
        "national",
        "european",
        "federal",
        "royal",
    ]
)
_FUNCTION_WORDS = frozenset({"of", "for", "the", "on", "in", "für", "du"})

_ETAL = re.compile(r",?\s*(?:\bet\s*al\b\.?|\bu\.\s*a\.|\band\s+others\b|…|\.\.\.)", re.I)
_EDS = re.compile(
    r"\(\s*(?:eds?|editors?|hrsg|hg|coords?|dirs?|comps?|éds?|édit|ed\.?\s*by|ed\.?\s*(?:and|&)\s*trans)\s*\.?\s*\)|"
    r",?\s*\b(?:eds?|editors?|hrsg|hg|édit|éd|dir|coords?|comps?)\b\.?\s*$",
    re.I,
)
_SPLIT_WORDS = re.compile(r"\s*(?:;|\s&\s|&|\s(?:[Aa]nd|AND|[Uu]nd|et|y|e|og|en|i)\s)\s*")
_INITIALS = re.compile(
    r"^(?:[A-ZÀ-ÞА-ЯЁ][a-zà-ÿа-яё]?\.?[\s-]*){1,4}$"
)  # "A.", "A. B.", "J.-P.", "Th."
_VANCOUVER = re.compile(r"^(?P<family>.+?)\s+(?P<init>[A-ZÀ-ÞА-ЯЁ]{1,4})\.?$")
_VANCOUVER_DOTTED = re.compile(
    r"^(?P<family>[A-ZÀ-ÞА-ЯЁ][\w'’-]+(?:\s[A-ZÀ-ÞА-ЯЁ][\w'’-]+)?)\s+(?P<init>(?:[A-ZÀ-ÞА-ЯЁ]\.\s?-?){1,4})$"
)
_ROMAN_OR_ACR = re.compile(r"^[A-Z0-9/&.\-]+$")


def _ends_initial(text: str) -> bool:
    return bool(re.search(r"(?:^|[\s.\-])[A-ZÀ-ÞА-ЯЁ]\.\s*$", text.rstrip(" ,;:")))


def is_initials(piece: str) -> bool:
    """'A.', 'A. B.', 'AB', 'J.-P.', 'Th.' -- the given-name part of an inverted name."""
    p = piece.strip()
    if not p:
        return False
    if (_INITIALS.match(p) and any(c == "." for c in p)) or re.fullmatch(r"[A-ZÀ-ÞА-ЯЁ]{1,3}", p):
        return True
    return bool(re.fullmatch(r"(?:[A-ZÀ-ÞА-ЯЁ]\.\s?)+[A-ZÀ-ÞА-ЯЁ]?", p))


def _titlecase_upper(word: str) -> str:
    """'RYTÖVUORI-APUNEN' -> 'Rytövuori-Apunen'; mixed-case words are left alone."""
    if not word.isupper() or len(re.sub(r"[^A-Za-zÀ-ÿ]", "", word)) < 2:
        return word
    return re.sub(
        r"[A-Za-zÀ-ÿĀ-ž]+",
        lambda m: m.group(0)[0] + m.group(0)[1:].lower(),
        word,
    )


def looks_corporate(text: str, *, by_length: bool = True) -> bool:
    """A name that is an organisation, not a person."""
    t = text.strip()
    if not t:
        return False
    words = t.split()
    low = [w.strip(".,()").lower() for w in words]
    if len(words) == 1:
        w = words[0]
        # "RFE/RL", "UNESCO", "WHO", "OECD": an acronym alone is an organisation.
        return bool(_ROMAN_OR_ACR.match(w) and len(w) >= 3 and not is_initials(w)) or "/" in w
    if any(w in CORPORATE_WORDS for w in low):
        return True
    if any(w in _FUNCTION_WORDS for w in low[1:-1]) and not all(
        w in PARTICLES for w in low[1:-1] if w in _FUNCTION_WORDS
    ):
        return True
    return by_length and len(words) >= 5


def _split_particle(family: str) -> tuple[str, str]:
    """'van der Burg' -> ('van der', 'Burg'); capitalised 'De Waal' stays whole."""
    words = family.split()
    i = 0
    while i < len(words) - 1 and words[i].lower() in PARTICLES and words[i][0].islower():
        i += 1
    if i:
        return " ".join(words[:i]), " ".join(words[i:])
    m = re.match(r"^(d'|d’|l'|l’)(\w.*)$", family)
    if m and family[0].islower():
        return m.group(1), m.group(2)
    return "", family


def _person_inverted(family: str, given: str) -> Person:
    family = family.strip(" ,")
    given = given.strip(" ,")
    suffix = ""
    parts = [g.strip() for g in given.split(",")]
    if len(parts) > 1 and parts[-1].lower() in SUFFIXES:
        suffix, given = parts[-1], ", ".join(parts[:-1])
    elif len(parts) > 1 and parts[0].lower() in SUFFIXES:
        suffix, given = parts[0], ", ".join(parts[1:])
    particle, fam = _split_particle(family)
    # "Beauvoir, Simone de": a particle after the given names belongs to the family name
    gw = given.split()
    while len(gw) > 1 and gw[-1].lower() in PARTICLES and gw[-1][0].islower():
        particle = (gw.pop() + " " + particle).strip()
    given = " ".join(gw)
    fam = " ".join(_titlecase_upper(w) for w in fam.split())
    return Person(family=fam, given=given, particle=particle, suffix=suffix)


def _person_natural(text: str) -> Person:
    """'John A. Smith', 'J. Smith', 'Ludwig van Beethoven', 'Smith AB' (Vancouver)."""
    text = text.strip(" ,")
    words = text.split()
    suffix = ""
    if len(words) > 1 and words[-1].lower().strip(",") in SUFFIXES:
        suffix = words.pop().strip(",")
    if not words:
        return Person(family=text)
    if len(words) == 1:
        return Person(family=_titlecase_upper(words[0].strip(",")))
    m = _VANCOUVER_DOTTED.match(" ".join(words))
    if m and not is_initials(words[0]) and not words[0].endswith("."):
        return Person(
            family=_titlecase_upper(m.group("family")), given=m.group("init").strip(), suffix=suffix
        )
    # Vancouver: "Smith AB", "van der Berg JH"
    m = _VANCOUVER.match(" ".join(words))
    if m and not is_initials(words[0]) and not words[0].endswith("."):
        given = " ".join(f"{c}." for c in m.group("init"))
        particle, fam = _split_particle(m.group("family"))
        return Person(family=_titlecase_upper(fam), given=given, particle=particle, suffix=suffix)
    # "SURNAME Given" (French/Scandinavian NOM Prénom): the all-caps word is the family name.
    k = 0
    while k < len(words) and words[k].isupper() and words[k].isalpha() and len(words[k]) > 1:
        k += 1
    if 0 < k < len(words) and (k > 1 or len(words[0]) > 2) and not words[-1].isupper():
        # "DUPONT Jean", "DE LUBAC Henri": the capitalised words are the family name
        return Person(
            family=" ".join(_titlecase_upper(w) for w in words[:k]),
            given=" ".join(words[k:]),
            suffix=suffix,
        )
    # particle starts at the first lowercase particle word after the given names
    i = 1
    while i < len(words) - 1 and not (words[i].lower() in PARTICLES and words[i][0].islower()):
        i += 1
    if i < len(words) - 1:
        given = " ".join(words[:i])
        particle, fam = _split_particle(" ".join(words[i:]))
    elif len(words) >= 3 and words[-2].lower() in _CAP_PARTICLES and words[-2][0].isupper():
        # "Salah El Hihi", "Vincent Van Gogh": a capitalised particle stays with the family name
        given, fam, particle = " ".join(words[:-2]), " ".join(words[-2:]), ""
    else:
        given, fam, particle = " ".join(words[:-1]), words[-1], ""
    return Person(family=_titlecase_upper(fam), given=given, particle=particle, suffix=suffix)


def _is_given_like(piece: str) -> bool:
    """The part after the comma of an inverted name: initials or one to three given names."""
    p = piece.strip()
    if not p:
        return False
    if is_initials(p):
        return True
    words = p.split()
    if len(words) > 3 or any(len(w) > 3 and w.isupper() for w in words):
        return False
    # "John", "John A.", "Marie-Claire", "Jr." -- capitalised, no lowercase function words
    return all(
        (w[0].isupper() or w.lower() in PARTICLES or w.lower() in SUFFIXES) for w in words if w
    ) and not any(w.lower().strip(".") in CORPORATE_WORDS for w in words)


def _has_initial_word(piece: str) -> bool:
    return any(is_initials(w) for w in piece.split())


def _person_like(text: str) -> bool:
    words = text.split()
    return (
        2 <= len(words) <= 4
        and not looks_corporate(text)
        and all(w[:1].isupper() or w.lower() in PARTICLES for w in words)
    ) or bool(_VANCOUVER_DOTTED.match(text) or _VANCOUVER.match(text))


def split_names(text: str) -> tuple[Person, ...]:
    """Split an author/editor string into persons. Never raises; '' gives ()."""
    text = re.sub(r"\(\s*(?:1[5-9]|20)\d\d[a-z]?\s*\)", " ", text or "")  # "(2013)"
    text = _ETAL.sub("", text.strip(" ,;:"))
    text = _EDS.sub("", text.strip(" ,;:"))
    text = re.sub(
        r"^(?:\s*(?:in|by|eds?\.(?:\s*by)?|edited(?:\s+and\s+translated)?\s+by|hrsg\.\s*v\.|hg\.\s*v\.)\s*:?\s+)+",
        "",
        text,
        flags=re.I,
    )
    text = re.sub(r"</?[a-z]+>|\\emph\{|[{}*]|\\", "", text).strip(" ,;:\t\n")
    if text.endswith(".") and not _ends_initial(text):
        text = text.rstrip(". ")
    if not text:
        return ()
    if looks_corporate(text, by_length=False) and "," not in text and ";" not in text:
        # "Department of Health and Human Services": one body, unless every part is a person
        parts = [c for c in _SPLIT_WORDS.split(text) if c.strip()]
        if len(parts) == 1 or not all(_person_like(c) for c in parts):
            return (Person(family=text, corporate=True),)
    chunks = [c for c in _SPLIT_WORDS.split(text) if c and c.strip(" ,.")]
    # Full-stop separated lists ("Smith J. Jones K.") are left to commas; ok for most styles.
    persons: list[Person] = []
    for chunk in chunks:
        persons.extend(_split_chunk(chunk.strip(" ,")))
    return tuple(p for p in persons if p.family)


def _split_chunk(chunk: str) -> list[Person]:
    if "," not in chunk and looks_corporate(chunk):
        return [Person(family=chunk.strip(" ,."), corporate=True)]
    pieces = [p.strip() for p in chunk.split(",")]
    pieces = [p for p in pieces if p]
    out: list[Person] = []
    i = 0
    while i < len(pieces):
        cur = pieces[i]
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if re.match(r"(?:inc|ltd|llc|gmbh|corp|co)\b\.?", cur, re.I) and out and out[-1].corporate:
            last = out[-1]  # "AECOM Technical Services, Inc. (AECOM)"
            out[-1] = Person(family=f"{last.family}, {cur}", corporate=True)
            i += 1
            continue
        if cur.lower().strip(".") in {"jr", "sr"} and out:
            last = out[-1]
            out[-1] = Person(last.family, last.given, last.particle, cur, last.corporate)
            i += 1
            continue
        inverted_shape = (
            is_initials(nxt or "")
            or len(cur.split()) == 1
            or any(w.lower() in PARTICLES for w in cur.split()[:-1])
            or (not out and (len((nxt or "").split()) == 1 or _has_initial_word(nxt or "")))
        )
        if (
            nxt is not None
            and inverted_shape
            and _is_given_like(nxt)
            and not _has_initial_word(cur)
            and not (
                _VANCOUVER.match(cur) and len(cur.split()) == 2 and nxt and not is_initials(nxt)
            )
        ):
            given = nxt
            # "Guerney, Jr., B. G."
            if nxt.lower().strip(".") in {"jr", "sr"} and i + 2 < len(pieces):
                given = pieces[i + 2] + ", " + nxt
                i += 1
            out.append(_person_inverted(cur, given))
            i += 2
            continue
        if " " in cur and looks_corporate(cur) and not _has_initial_word(cur):
            out.append(Person(family=cur.strip(" ,."), corporate=True))
        else:
            out.append(_person_natural(cur))
        i += 1
    return out
