"""Split a clinical note into quotable sentences and prepare them for matching.

Notes arrive in every shape: prose, terse abbreviations, SOAP sections, filled-in templates,
bullet lists, typos. Each sentence keeps its exact span in the original note, so the
evidence quoted is always a substring of what the therapist wrote.

>>> [s.text for s in split_sentences("HW: TR daily. Risk: denies SI; no plans.")]
['HW: TR daily.', 'Risk: denies SI;', 'no plans.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise


# A sentence ends at . ! ? ; or a line break, unless the full stop belongs to a known
# abbreviation or a number ("e.g.", "approx.", "2.5"); bullets and SOAP/template headers
# at the start of a line also start a new sentence.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ABBREVIATIONS = _words(
    """
e.g eg i.e ie etc approx dr mr mrs ms vs wk wks min mins hr hrs no nos pt cl tel inc appt
appts sess re st mt ref w/c disc ses sesh psychoed approx cont
"""
)
_TITLES = _words(
    """
dr mr mrs ms prof e.g eg i.e ie
"""
)
# A full stop may be followed by the closing quote of reported speech: '... suffering." Goals:'
_BOUNDARY = re.compile(
    r"[.!?;]+['\"\u201d\u2019]?(?=\s|$)|\n+|(?<=\s)[•·▪◦*]\s|(?<=\s)-\s(?=[A-Z])"
)
_HEADER = re.compile(r"(?m)^\s*(?:[-*•]\s*)?(?:[SOAP]|[A-Z][A-Za-z /'&()-]{1,40})\s*[:\-–]\s")
_WORD = re.compile(r"[a-z0-9]+(?:['/][a-z0-9]+)*")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a note: its exact text, where it starts, and its words."""

    text: str
    start: int
    index: int

    @property
    def lower(self) -> str:
        """The sentence lower-cased, with typos of known words corrected."""
        return normalise(self.text)


def split_sentences(note: str) -> list[Sentence]:
    """Split ``note`` into sentences, each an exact substring of the note."""
    cuts = {0, len(note)}
    for match in _BOUNDARY.finditer(note):
        end = match.end()
        if match.group().startswith(".") and _is_abbreviation(note, match.start()):
            continue
        cuts.add(end)
    for match in _HEADER.finditer(note):
        cuts.add(match.start())
    sentences: list[Sentence] = []
    ordered = sorted(cuts)
    for start, end in pairwise(ordered):
        raw = note[start:end]
        stripped = raw.strip()
        if not _has_word(stripped):
            continue
        offset = start + raw.index(stripped)
        sentences.append(Sentence(stripped, offset, len(sentences)))
    return sentences


def _is_abbreviation(note: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` ends an abbreviation rather than a sentence."""
    before = note[max(0, dot - 6) : dot].lower()
    word = re.split(r"[\s(]", before)[-1]
    if word in _TITLES:
        return True
    if word in _ABBREVIATIONS:
        # "wk." ends a sentence when a capital follows: "into her wk. She said ..."
        following = note[dot + 1 : dot + 3].lstrip()
        return not (following[:1].isupper())
    # A single letter ("e.g", "i.e" handled above; "x." in a list) or a decimal point.
    return len(word) == 1 and word.isalpha() and dot + 1 < len(note) and note[dot + 1] != " "


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` (keeps "h/w", "didn't", "0-10" parts)."""
    return _WORD.findall(text.lower())


# Typo correction: words a note might misspell, restored when one edit away (a deletion,
# insertion, substitution or swap of neighbours), by the symmetric-delete method.
_VOCABULARY = _words(
    """
homework homeworks assignment assignments worksheet worksheets thought thoughts record
records recording diary diaries schedule scheduling activity activities behavioural
behavioral experiment experiments exposure hierarchy practise practice practising practicing
relaxation breathing mindfulness meditation monitoring monitor rating ratings between
session sessions complete completed completing agreed agree discussed discuss reviewed
review reviewing rationale obstacles barriers difficulties troubleshoot troubleshooting
problem solving reaction confident confidence written handout sheet printed emailed booklet
workbook leaflet leaflets safety suicidal suicide ideation thoughts harm risk protective
factors goals goal targets weekly daily morning evening evenings every times client patient
therapist agreed agreeing identified because explained purpose reminder reminders schedule
planned planning anxiety anxious worry worries depression mood avoidance avoiding activation
exercise exercises module modules reading chapter continue continued continuing forgot
forgotten declined unable wasn't didn't doesn't
"""
)
# Real words one edit away from a word above: never "corrected".
_REAL_WORDS = _words(
    """
though rational planed thoughtful recorder reviewer complex competed patent rating ratings
session sessions relaxing breathe breath worried worrier planning planner recorded reviews
reviewer thought thoughts complete completes completed record records manage managed manages
worse worst better taking making having going doing committed negotiated previously therapy
module course progress evidence gather attended presented minutes weekly
"""
)


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    from ontrack.fidelity.lexicon import vocabulary

    return frozenset(_VOCABULARY) | vocabulary() | _REAL_WORDS


@lru_cache(maxsize=1)
def _deletes() -> dict[str, str]:
    """Deletions of the words worth restoring: the typo list, and the lexicons' words other
    than ``_REAL_WORDS`` ("talking" must not become "taking")."""
    from ontrack.fidelity.lexicon import vocabulary

    index: dict[str, str] = {}
    for word in sorted(_VOCABULARY | (vocabulary() - _REAL_WORDS)):
        if len(word) < 6:
            continue
        index.setdefault(word, word)
        for i in range(len(word)):
            index.setdefault(word[:i] + word[i + 1 :], word)
    return index


@lru_cache(maxsize=65536)
def correct(word: str) -> str:
    """Return ``word`` with a likely typo of a known word corrected.

    >>> correct("homwork"), correct("thougth"), correct("recrod"), correct("walk")
    ('homework', 'thought', 'record', 'walk')
    """
    if len(word) < 6 or word in _known() or not word.isalpha():
        return word
    index = _deletes()
    candidates = [index[word]] if word in index else []
    for i in range(len(word)):
        hit = index.get(word[:i] + word[i + 1 :])
        if hit is not None and abs(len(hit) - len(word)) <= 1:
            candidates.append(hit)
    candidates = [c for c in candidates if _typo_of(word, c)]
    if not candidates:
        return word
    # A swap of neighbours keeps the length: prefer the candidate of the same length.
    return min(candidates, key=lambda c: (len(c) != len(word), c))


def _typo_of(word: str, known: str) -> bool:
    """Whether ``word`` is a hurried-typing slip of ``known``: two neighbours swapped, or a
    letter dropped or added inside the word. A different letter ("present" for
    "prevent"), or a letter dropped or added at either end ("notice"/"noticed",
    "practised"/"practise", "mother"/"other"), usually makes another real word, so it is
    left alone."""
    if len(word) == len(known):
        diff = [i for i, (a, b) in enumerate(zip(word, known, strict=True)) if a != b]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and sorted(word) == sorted(known)
    return word[0] == known[0] and word[-1] == known[-1]


_LETTERS = re.compile(r"[a-z]+")
# Shorthand that notes use, spelt out so one lexicon reads both ("last wk's hw").
_SHORTHAND = {
    "wk": "week",
    "wks": "weeks",
    "wkly": "weekly",
    "sess": "session",
    "sessn": "session",
    "appt": "appointment",
    "appts": "appointments",
    "hw": "homework",
    "pt": "client",
    "cl": "client",
    "b4": "before",
    "thru": "through",
    "ev": "every",
    "evry": "every",
    "mins": "minutes",
    "min": "minutes",
    "anx": "anxiety",
    "tmrw": "tomorrow",
    "nxt": "next",
    "bc": "because",
    "cos": "because",
    "coz": "because",
    "w": "with",
    "re": "about",
    "dept": "department",
    "rev'd": "reviewed",
    "rv'd": "reviewed",
    "revd": "reviewed",
    "rvd": "reviewed",
    "rvw": "review",
    "rv": "review",
    "hwk": "homework",
    "hmwk": "homework",
    "h/w": "homework",
    "sesh": "session",
    "ses": "session",
    "disc": "discussed",
    "psychoed": "psychoeducation",
}
# Not after an apostrophe: "you're" is not "you' about".
_SHORT = re.compile(
    r"(?<!['’])\b(?:"
    + "|".join(re.escape(k) for k in sorted(_SHORTHAND, key=len, reverse=True))
    + r")(?![\w/])"
)


def _expand(match: re.Match[str]) -> str:
    return _SHORTHAND[match.group()]


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Lower-case ``text``, straighten quotes, spell out shorthand ("wk", "pt", "b4"),
    and correct typos of known words.

    >>> normalise("Pt did hw b4 sess & w/ her son")
    'client did homework before session and with her son'
    """
    lowered = text.lower().replace("’", "'").replace("‘", "'").replace("–", "-")
    lowered = lowered.replace("w/o ", "without ").replace("w/ ", "with ").replace(" & ", " and ")
    lowered = _SHORT.sub(_expand, lowered)
    return _LETTERS.sub(lambda m: correct(m.group()), lowered)
