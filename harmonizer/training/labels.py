"""Lead-sheet chord symbols read into (root, quality, bass), strictly.

:func:`parse_chord_symbol` maps the spellings found in our corpora onto the
quality names of :data:`harmonizer.chords.QUALITIES`; anything it cannot map
with confidence gives ``None`` so the caller can count it (:class:`LabelStats`)
instead of guessing.

Accepted, besides the usual ``C  Cm  C7  Cmaj7  Cm7b5  Cdim7  Csus4  C6 ...``:

- minor as ``m``, ``mi``, ``min`` or ``-`` (jazz: ``D-7``); major seventh as
  ``maj``, ``M``, ``ma``, ``j``, ``^`` or ``Δ``; ``o``/``°`` diminished,
  ``ø``/``h`` half-diminished, ``+``/``aug`` augmented;
- extensions reduced to their seventh chord (``C9``, ``C13``, ``C7b9``,
  ``C7alt`` -> dom7, ``Cmaj9`` -> maj7, ``Cm11`` -> min7), added tones dropped
  (``Cadd9`` -> maj), ``6/9`` read as a sixth chord, and the Weimar Jazz
  Database's postfix alterations (``F79b``, ``Ebj7911#``);
- an augmented *seventh* (``C+7``, ``C7#5``, Nottingham ``Fa7``) is reduced to
  dom7 -- the altered fifth is dropped like any other alteration -- and
  ``C+maj7`` to maj7; a plain ``C+`` stays aug;
- the Nottingham (jukedeck) conventions: ``d`` suffix = diminished (``Ed``),
  ``a`` suffix = augmented (``Ca``), a lower-case bass with ``+`` for sharp and
  ``-`` for flat (``D/f+`` = D over F#, ``Gm/bb`` = Gm over Bb), parenthesised
  alternates ``(E7)``.

A ``-`` right after the root means minor (``B-`` is B minor, ``Bb-7`` B-flat
minor seven) because that is how lead sheets and the Weimar Jazz Database
write it; write a flat root with ``b`` or ``♭``.  In a bass after ``/`` there
is no such clash, so ``-`` is a flat there.  A bass equal to the root is
returned as ``None`` (root position).

Power chords (``C5``), bare ``C2``/``C4``, omissions and contradictory
spellings (``Cm#5``, ``C7sus2``) are unknown: ``None``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["ParsedChord", "parse_chord_symbol", "is_no_chord", "LabelStats"]

#: (root pitch class, quality name, bass pitch class or None for root position).
ParsedChord = tuple[int, str, int | None]

_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ROOT_ACCIDENTALS = {"#": 1, "♯": 1, "b": -1, "♭": -1}
_BASS_ACCIDENTALS = {"#": 1, "♯": 1, "+": 1, "b": -1, "♭": -1, "-": -1}

_ROOT_RE = re.compile(r"([A-G])(##|#|♯♯|♯|bb|b|♭♭|♭)?")
_BASS_RE = re.compile(r"([A-Ga-g])([#♯+b♭-]{0,2})")
_NO_CHORD_TEXTS = frozenset({"n", "nc", "nochord", "none"})

# Quality words, tried in this order: longest first, so that "maj" wins over "m",
# "dim" over "d" (jukedeck diminished) and "add"/"alt"/"aug" over "a" (jukedeck
# augmented); "ma" is a major seventh mark except in "madd9" (minor, add 9).
_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"sus4", "sus4"), (r"sus2", "sus2"), (r"sus", "sus4"),
        (r"maj|Maj|MAJ", "majmark"), (r"min|Min", "minor"), (r"dim", "dim"),
        (r"aug", "aug"), (r"alt", "alt"),
        (r"(?:ma|Ma)(?!dd)", "majmark"), (r"mi", "minor"),
        (r"M", "majmark"), (r"[\^jΔ△]", "majmark7"),
        (r"[m-]", "minor"), (r"[°od]", "dim"), (r"[+a]", "aug"), (r"[øØh]", "hdim"),
    )
)
_ADD_RE = re.compile(r"add(2|4|6|9|11|13)")
_ALTERATION_RE = re.compile(r"([b♭#♯+-])(5|9|11|13)")
_NUMBER_RE = re.compile(r"69|13|11|9|7|6|5|4|2")
_POSTFIX_RE = re.compile(r"[b♭#♯]")
_TRIAD_KINDS = frozenset({"minor", "dim", "aug", "hdim", "sus4", "sus2"})


def is_no_chord(text: str) -> bool:
    """True for the ways corpora write "no chord": ``N``, ``NC``, ``N.C.``, ``(N.C.)``."""
    return re.sub(r"[\s.()]", "", text).lower() in _NO_CHORD_TEXTS


def parse_chord_symbol(text: str) -> ParsedChord | None:
    """Read a lead-sheet chord symbol as ``(root, quality, bass)``.

    ``root`` and ``bass`` are pitch classes (0 = C); ``bass`` is ``None`` unless
    a slash bass different from the root is written.  ``quality`` is a key of
    :data:`harmonizer.chords.QUALITIES`.  Returns ``None`` for anything that is
    not a chord symbol we can map -- including "no chord" (see
    :func:`is_no_chord`) -- so callers can count unknown labels.
    """
    body = text.strip()
    if body.startswith("(") and body.endswith(")"):  # "(E7)": an alternate, same chord
        body = body[1:-1].strip()
    body = body.replace("6/9", "69")
    bass: int | None = None
    if "/" in body:
        body, _, bass_text = body.partition("/")
        bass = _parse_bass(bass_text.strip())
        if bass is None:
            return None
    root_match = _ROOT_RE.match(body)
    if root_match is None:
        return None
    letter, accidental = root_match.groups()
    root = (_LETTER_PC[letter] + _accidental_sum(accidental or "", _ROOT_ACCIDENTALS)) % 12
    quality = _quality(re.sub(r"[\s(),]", "", body[root_match.end():]))
    if quality is None:
        return None
    return root, quality, (None if bass == root else bass)


def _accidental_sum(text: str, values: dict[str, int]) -> int:
    return sum(values[char] for char in text)


def _parse_bass(text: str) -> int | None:
    match = _BASS_RE.fullmatch(text)
    if match is None:
        return None
    letter, accidentals = match.groups()
    if len(set(_BASS_ACCIDENTALS[c] for c in accidentals)) > 1:  # "f+-" is no note
        return None
    return (_LETTER_PC[letter.upper()] + _accidental_sum(accidentals, _BASS_ACCIDENTALS)) % 12


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """Split the part after the root into (kind, value) tokens; None if any is unknown."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        rest = text[position:]
        first = not tokens
        match = _ADD_RE.match(rest)
        if match:  # added tones are dropped, except a sixth, which names the chord
            tokens.append(("number" if match.group(1) == "6" else "add", match.group(1)))
            position += match.end()
            continue
        # Right after the root "-" and "+" are minor and augmented ("C-9" is Cm9);
        # later they alter a degree ("C7-9", "C7+5").
        match = None if first and rest[0] in "+-" else _ALTERATION_RE.match(rest)
        if match:
            tokens.append(("flat" if match.group(1) in "b♭-" else "sharp", match.group(2)))
            position += match.end()
            continue
        word = next(((m, kind) for pattern, kind in _WORDS if (m := pattern.match(rest))), None)
        if word is not None:
            tokens.append((word[1], word[0].group()))
            position += word[0].end()
            continue
        match = _NUMBER_RE.match(rest)
        if match:
            tokens.append(("number", match.group()))
            position += match.end()
            continue
        # Weimar Jazz Database writes alterations after the degree: "79b", "7911#".
        match = _POSTFIX_RE.match(rest)
        if match and tokens and tokens[-1][0] in ("number", "flat", "sharp") and (
            tokens[-1][1] in ("9", "11", "13")
        ):
            tokens.append(("postfix", match.group()))
            position += 1
            continue
        return None
    return tokens


def _quality(text: str) -> str | None:
    tokens = _tokens(text)
    if tokens is None:
        return None
    kinds = [kind for kind, _ in tokens]
    triads = [kind for kind in kinds if kind in _TRIAD_KINDS]
    if len(triads) > 1:  # "Cmdim", "Cmm": contradictory or doubled
        return None
    triad = triads[0] if triads else "major"
    numbers = {value for kind, value in tokens if kind == "number"}
    if numbers & {"5", "4", "2"}:  # power chords and bare 2/4: no third to name
        return None
    sixth = bool(numbers & {"6", "69"})
    # With a sixth, 9/11/13 are added tones (E6/9#11); otherwise they imply a seventh.
    seventh = "7" in numbers or (not sixth and bool(numbers & {"9", "11", "13"}))
    if sixth and "7" in numbers:
        return None
    majmark = "majmark" in kinds
    majmark7 = "majmark7" in kinds
    flat5 = ("flat", "5") in tokens
    sharp5 = ("sharp", "5") in tokens
    alt = "alt" in kinds
    if alt and (triad != "major" or majmark or majmark7 or sixth):
        return None
    if triad == "hdim":
        return None if (majmark or majmark7 or sixth) else "hdim7"
    if triad == "dim":
        if majmark or majmark7 or sixth:
            return None
        return "dim7" if seventh else "dim"
    if triad == "aug":
        if sixth:
            return None
        if majmark7 or (majmark and seventh):
            return "maj7"
        return "dom7" if seventh else ("aug" if not majmark else None)
    if triad in ("sus4", "sus2"):
        if majmark or majmark7 or sixth:
            return None
        if triad == "sus2":
            return None if seventh else "sus2"
        return "dom7sus4" if seventh else "sus4"
    if triad == "minor":
        if majmark or majmark7:
            return "minmaj7" if (seventh or majmark7) and not sixth else None
        if seventh:
            return "hdim7" if flat5 else "min7"
        if sixth:
            return "min6"
        if sharp5:
            return None
        return "dim" if flat5 else "min"
    # Major triad family.
    if majmark7:
        return None if sixth else "maj7"
    if majmark:
        return "maj7" if seventh else ("maj6" if sixth else "maj")
    if seventh or alt:
        return "dom7"
    if sixth:
        return "maj6"
    if sharp5:
        return "aug"
    if flat5:
        return None
    return "maj"


@dataclass
class LabelStats:
    """Counts of chord labels a loader met: mapped, unknown and "no chord".

    Use :meth:`parse` in place of :func:`parse_chord_symbol` to parse and count
    at once, or :meth:`add` when another mapper decided.
    """

    mapped: Counter[str] = field(default_factory=Counter)
    unknown: Counter[str] = field(default_factory=Counter)
    no_chord: Counter[str] = field(default_factory=Counter)

    def parse(self, text: str) -> ParsedChord | None:
        """Parse ``text`` with :func:`parse_chord_symbol` and count the outcome."""
        if is_no_chord(text):
            self.no_chord[text] += 1
            return None
        parsed = parse_chord_symbol(text)
        self.add(text, parsed is not None)
        return parsed

    def add(self, text: str, mapped: bool) -> None:
        (self.mapped if mapped else self.unknown)[text] += 1

    def merge(self, other: LabelStats) -> None:
        self.mapped.update(other.mapped)
        self.unknown.update(other.unknown)
        self.no_chord.update(other.no_chord)

    @property
    def mapped_count(self) -> int:
        return sum(self.mapped.values())

    @property
    def unknown_count(self) -> int:
        return sum(self.unknown.values())

    @property
    def no_chord_count(self) -> int:
        return sum(self.no_chord.values())

    @property
    def total(self) -> int:
        return self.mapped_count + self.unknown_count + self.no_chord_count

    def most_common_unknown(self, n: int = 10) -> list[tuple[str, int]]:
        return self.unknown.most_common(n)

    def summary(self, n: int = 10) -> str:
        """One line: counts and the ``n`` most common unknown labels."""
        unknown = ", ".join(f"{text!r} x{count}" for text, count in self.most_common_unknown(n))
        return (
            f"{self.total} labels: {self.mapped_count} mapped, {self.unknown_count} unknown, "
            f"{self.no_chord_count} no-chord" + (f"; top unknown: {unknown}" if unknown else "")
        )
