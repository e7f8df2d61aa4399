"""Keys, scale degrees and note spelling: the musical vocabulary everything else uses.

The engine reasons in scale degrees relative to a key; only the output layer
turns degrees into absolute note names, and it spells them from the key's
tonic letter so that ``V7`` in G is ``D7`` and ``bVII`` in F is ``Eb``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .errors import OptionError

__all__ = [
    "Mode",
    "Key",
    "Degree",
    "parse_key",
    "parse_degree",
    "degree_of",
    "MAJOR_SCALE",
    "MINOR_SCALE",
    "spell_pitch_class",
]

Mode = Literal["major", "minor"]

#: Semitones above the tonic of degrees 1..7.
MAJOR_SCALE: tuple[int, ...] = (0, 2, 4, 5, 7, 9, 11)
#: Natural minor; the raised 6th and 7th are written as altered degrees (#6, #7).
MINOR_SCALE: tuple[int, ...] = (0, 2, 3, 5, 7, 8, 10)

_LETTERS = "CDEFGAB"
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# Tonic spelled the way musicians write the key, major and minor.
_MAJOR_TONIC_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_TONIC_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")

_ACCIDENTAL_TEXT = {-2: "bb", -1: "b", 0: "", 1: "#", 2: "##"}


def scale_of(mode: Mode) -> tuple[int, ...]:
    return MAJOR_SCALE if mode == "major" else MINOR_SCALE


@dataclass(frozen=True, slots=True)
class Key:
    """A key: tonic pitch class (0 = C), its spelling and the mode."""

    tonic: int
    mode: Mode
    tonic_name: str

    @classmethod
    def from_tonic(cls, tonic: int, mode: Mode) -> Key:
        names = _MAJOR_TONIC_NAMES if mode == "major" else _MINOR_TONIC_NAMES
        return cls(tonic % 12, mode, names[tonic % 12])

    @property
    def is_minor(self) -> bool:
        return self.mode == "minor"

    @property
    def name(self) -> str:
        return f"{self.tonic_name} {self.mode}"

    @property
    def signature_tonic(self) -> int:
        """The tonic of the major key whose key signature this key has (C for A minor)."""
        return (self.tonic + 3) % 12 if self.is_minor else self.tonic

    def degree_pitch_class(self, degree: Degree) -> int:
        return (self.tonic + scale_of(self.mode)[degree.number - 1] + degree.alteration) % 12

    def spell_degree(self, degree: Degree) -> str:
        """Note name (e.g. ``"F#"``) of ``degree`` in this key, spelled from the tonic letter."""
        letter = _LETTERS[(_LETTERS.index(self.tonic_name[0]) + degree.number - 1) % 7]
        pc = self.degree_pitch_class(degree)
        offset = (pc - _LETTER_PC[letter] + 6) % 12 - 6
        if offset not in _ACCIDENTAL_TEXT:  # only for absurd keys; fall back to plain spelling
            return spell_pitch_class(pc, prefer_flats=True)
        return letter + _ACCIDENTAL_TEXT[offset]

    def __str__(self) -> str:
        return self.name


def spell_pitch_class(pc: int, prefer_flats: bool = False) -> str:
    sharps = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
    flats = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
    return (flats if prefer_flats else sharps)[pc % 12]


_KEY_RE = re.compile(
    r"^\s*([A-Ga-g])\s*(#|♯|b|♭|-\s*sharp|-\s*flat|sharp|flat|-)?\s*"
    r"(major|minor|maj|min|m|M|dur|moll)?\s*$",
    re.IGNORECASE,
)


def parse_key(text: str) -> Key:
    """Parse ``"D minor"``, ``"Dm"``, ``"Bb major"``, ``"F#"``, ``"c"`` (lower case = minor).

    Raises :class:`OptionError` naming the text when it is not a key.
    """
    match = _KEY_RE.match(text or "")
    if not match:
        raise OptionError(
            f"The key must look like 'C', 'D minor', 'Bb major' or 'F#m'. Got {text!r}."
        )
    letter, accidental, mode_text = match.groups()
    pc = _LETTER_PC[letter.upper()]
    acc = (accidental or "").lower()
    if len(acc) > 1:
        acc = acc.lstrip("-").strip()
    if acc in ("#", "♯", "sharp"):
        pc += 1
    elif acc in ("b", "♭", "-", "flat"):
        pc -= 1
    if mode_text is None:
        mode: Mode = "minor" if letter.islower() else "major"
    elif mode_text == "M":
        mode = "major"
    else:
        mode = "minor" if mode_text.lower() in ("minor", "min", "m", "moll") else "major"
    spelled = letter.upper() + {"#": "#", "♯": "#", "sharp": "#", "b": "b", "♭": "b",
                                "-": "b", "flat": "b"}.get(acc, "")
    return Key(pc % 12, mode, spelled)


@dataclass(frozen=True, slots=True, order=True)
class Degree:
    """A scale degree 1..7 with a chromatic alteration (-1 = flat, +1 = sharp)."""

    number: int
    alteration: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 7:
            raise OptionError(f"A scale degree must be in 1..7. Got {self.number}.")
        if not -1 <= self.alteration <= 1:
            raise OptionError(f"A degree's alteration must be -1, 0 or 1. Got {self.alteration}.")

    def __str__(self) -> str:
        return {-1: "b", 0: "", 1: "#"}[self.alteration] + str(self.number)

    def semitones(self, mode: Mode) -> int:
        """Semitones above the tonic."""
        return (scale_of(mode)[self.number - 1] + self.alteration) % 12


# How each chromatic pitch class (semitones above the tonic) is named as a degree.
# Choices follow common practice: #4 over b5, b7 in major, #6/#7 for minor's raised notes.
_MAJOR_DEGREES = ((1, 0), (2, -1), (2, 0), (3, -1), (3, 0), (4, 0), (4, 1), (5, 0),
                  (6, -1), (6, 0), (7, -1), (7, 0))
_MINOR_DEGREES = ((1, 0), (2, -1), (2, 0), (3, 0), (3, 1), (4, 0), (4, 1), (5, 0),
                  (6, 0), (6, 1), (7, 0), (7, 1))


def degree_of(pitch: int, key: Key) -> Degree:
    """The scale degree of a MIDI pitch (or pitch class) in ``key``; never fails."""
    table = _MAJOR_DEGREES if key.mode == "major" else _MINOR_DEGREES
    number, alteration = table[(pitch - key.tonic) % 12]
    return Degree(number, alteration)


_DEGREE_RE = re.compile(r"^\s*(#|♯|b|♭)?\s*([0-9]+)\s*$")


def parse_degree(value: int | str | Degree) -> Degree:
    """Read a degree given as ``5``, ``"5"``, ``"b3"``, ``"♯4"``; raises OptionError otherwise."""
    if isinstance(value, Degree):
        return value
    if isinstance(value, bool):
        raise OptionError(f"A scale degree must be 1..7, optionally with b/#. Got {value!r}.")
    if isinstance(value, int):
        return Degree(value)
    match = _DEGREE_RE.match(str(value))
    if not match:
        raise OptionError(f"A scale degree must be 1..7, optionally with b/#. Got {value!r}.")
    accidental, number = match.groups()
    alteration = {None: 0, "#": 1, "♯": 1, "b": -1, "♭": -1}[accidental]
    return Degree(int(number), alteration)
