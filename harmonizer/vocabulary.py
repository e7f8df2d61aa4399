"""The chord vocabulary, in scale-degree terms.

A vocabulary chord is a root (semitones above the tonic) and a quality.  One
vocabulary serves both modes: each chord knows its Roman numeral in a major
and in a minor key (``(7, "dom7")`` is ``V7`` in both; ``(10, "maj")`` is
``bVII`` in major and ``VII`` in minor).  Given a key, the chord is spelled
from the tonic letter: ``V7`` in G is ``D7``.

The vocabulary holds diatonic triads and seventh chords of major and of minor
(natural and harmonic: V, V7, vii°, vii°7), secondary dominants (V/x, V7/x,
vii°7/V), common borrowed chords (bVII, iv and bVI in major, bIII, the
Neapolitan bII, IV in minor, the Picardy I) and suspended fourths on I and V.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from .chords import QUALITIES, QUALITY_SUFFIX
from .theory import MAJOR_SCALE, MINOR_SCALE, Key, Mode, degree_of

__all__ = ["VocabularyChord", "VOCABULARY", "STYLE_NUMERALS", "chord_index", "map_to_vocabulary",
           "RomanNumeral"]

_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII")
_UPPER_QUALITIES = {"maj", "aug", "dom7", "maj7", "sus4", "sus2", "maj6", "dom7sus4"}
_NUMERAL_SUFFIX = {
    "maj": "", "min": "", "dim": "°", "aug": "+", "dom7": "7", "maj7": "maj7", "min7": "7",
    "hdim7": "ø7", "dim7": "°7", "sus4": "sus4", "sus2": "sus2", "minmaj7": "maj7",
    "maj6": "add6", "min6": "add6", "dom7sus4": "7sus4",
}

# (root above tonic, quality), grouped for reading; order fixes the model's chord indices.
_ENTRIES: tuple[tuple[int, str], ...] = (
    # diatonic triads, major then minor (natural and harmonic)
    (0, "maj"), (2, "min"), (4, "min"), (5, "maj"), (7, "maj"), (9, "min"), (11, "dim"),
    (0, "min"), (2, "dim"), (3, "maj"), (5, "min"), (7, "min"), (8, "maj"), (10, "maj"),
    # diatonic sevenths
    (0, "maj7"), (2, "min7"), (4, "min7"), (5, "maj7"), (7, "dom7"), (9, "min7"), (11, "hdim7"),
    (0, "min7"), (2, "hdim7"), (3, "maj7"), (5, "min7"), (8, "maj7"), (10, "dom7"), (11, "dim7"),
    # secondary dominants and vii°7/V
    (2, "maj"), (2, "dom7"), (4, "maj"), (4, "dom7"), (9, "maj"), (9, "dom7"),
    (11, "maj"), (11, "dom7"), (0, "dom7"), (3, "dom7"), (6, "dim7"),
    # borrowed: Neapolitan, bVI7-free set kept small on purpose
    (1, "maj"), (8, "dom7"),
    # suspensions
    (0, "sus4"), (7, "sus4"), (7, "dom7sus4"),
    # the blues' and the jazz ii-V's sevenths: IV7 (dominant seventh on IV) and v7 (minor
    # seventh on V), in the lead sheets and solos that the jazz and blues models learn from
    (5, "dom7"), (7, "min7"),
)


@dataclass(frozen=True)
class RomanNumeral:
    """A Roman numeral as text and the chord it names."""

    text: str
    chord: VocabularyChord


@dataclass(frozen=True)
class VocabularyChord:
    """One chord of the vocabulary: its index, root above the tonic and quality."""

    index: int
    root: int
    quality: str

    @cached_property
    def pitch_classes(self) -> tuple[int, ...]:
        """Pitch classes above the tonic, root first."""
        return tuple((self.root + i) % 12 for i in QUALITIES[self.quality])

    @cached_property
    def tone_mask(self) -> int:
        mask = 0
        for pc in self.pitch_classes:
            mask |= 1 << pc
        return mask

    def is_diatonic(self, mode: Mode) -> bool:
        scale = set(MAJOR_SCALE if mode == "major" else MINOR_SCALE)
        if mode == "minor":
            scale |= {11} if self.root in (7, 11) else set()  # harmonic minor's V and vii°
        return all(pc in scale for pc in self.pitch_classes)

    def numeral(self, mode: Mode, style: str | None = None) -> str:
        """The Roman numeral in a ``mode`` key, e.g. ``"V7"``, ``"bVII"``, ``"V/V"``; a ``style``
        names some chords by its own use of them (:data:`STYLE_NUMERALS`: in a blues, the
        tonic's dominant seventh is ``"I7"``, not ``"V7/IV"``)."""
        named = STYLE_NUMERALS.get((style, mode, self.root, self.quality)) if style else None
        return named or _numeral(self.root, self.quality, mode)

    def _numeral(self, mode: Mode) -> str:
        named = _SECONDARY_NAMES[mode].get((self.root, self.quality))
        if named:
            return named
        key = Key.from_tonic(0, mode)
        degree = degree_of(self.root, key)
        numeral = _NUMERALS[degree.number - 1]
        if self.quality not in _UPPER_QUALITIES:
            numeral = numeral.lower()
        prefix = {-1: "b", 0: "", 1: "#"}[degree.alteration]
        if mode == "minor" and self.root == 11:
            prefix = ""  # the leading-tone chord in minor is written vii°, not #vii°
        return prefix + numeral + _NUMERAL_SUFFIX[self.quality]

    def symbol(self, key: Key) -> str:
        """The lead-sheet symbol in ``key``: ``V7`` in G is ``"D7"``."""
        return _symbol(self.root, self.quality, key)

    def root_name(self, key: Key) -> str:
        return key.spell_degree(degree_of(key.tonic + self.root, key))

    def root_pitch_class(self, key: Key) -> int:
        return (key.tonic + self.root) % 12


@lru_cache(maxsize=4096)
def _numeral(root: int, quality: str, mode: Mode) -> str:
    return VocabularyChord(-1, root, quality)._numeral(mode)


@lru_cache(maxsize=8192)
def _symbol(root: int, quality: str, key: Key) -> str:
    return VocabularyChord(-1, root, quality).root_name(key) + QUALITY_SUFFIX[quality]


# Chromatic chords whose function names them better than their root does.
_SECONDARY_NAMES: dict[Mode, dict[tuple[int, str], str]] = {
    "major": {
        (2, "maj"): "V/V", (2, "dom7"): "V7/V", (4, "maj"): "V/vi", (4, "dom7"): "V7/vi",
        (9, "maj"): "V/ii", (9, "dom7"): "V7/ii", (11, "maj"): "V/iii", (11, "dom7"): "V7/iii",
        (0, "dom7"): "V7/IV", (6, "dim7"): "vii°7/V",
    },
    "minor": {
        (0, "dom7"): "V7/iv", (2, "maj"): "V/V", (2, "dom7"): "V7/V", (3, "dom7"): "V7/VI",
        (6, "dim7"): "vii°7/V",
    },
}


#: Chords a style names by its own use of them: (style, mode, root above tonic, quality) to numeral.
#: A blues sits on its tonic's dominant seventh, which in a hymn leads to IV; a blues player
#: reads I7 IV7 V7, and so does the chart.
STYLE_NUMERALS: dict[tuple[str, Mode, int, str], str] = {
    ("blues", "major", 0, "dom7"): "I7",
}


VOCABULARY: tuple[VocabularyChord, ...] = tuple(
    VocabularyChord(index, root, quality) for index, (root, quality) in enumerate(_ENTRIES)
)
_BY_KEY = {(c.root, c.quality): c.index for c in VOCABULARY}
assert len(_BY_KEY) == len(VOCABULARY), "duplicate vocabulary entry"

# How a quality outside the vocabulary is reduced, step by step, before giving up.
_REDUCTIONS: dict[str, tuple[str, ...]] = {
    "maj6": ("maj",), "min6": ("min",), "minmaj7": ("min",), "aug": ("maj",),
    "sus2": ("maj",), "dom7sus4": ("sus4", "dom7", "maj"), "maj7": ("maj",), "min7": ("min",),
    "dom7": ("maj",), "hdim7": ("dim",), "dim7": ("dim", "hdim7"), "dim": ("hdim7", "dim7"),
    "sus4": ("maj",), "maj": (), "min": (),
}


def chord_index(root: int, quality: str) -> int | None:
    """Index of ``(root above tonic, quality)`` in the vocabulary, exactly, or ``None``."""
    return _BY_KEY.get((root % 12, quality))


def map_to_vocabulary(root: int, quality: str) -> int | None:
    """Nearest vocabulary chord for a chord outside it (C6 -> C, Cm7 off-key -> Cm), or ``None``."""
    exact = chord_index(root, quality)
    if exact is not None:
        return exact
    for reduced in _REDUCTIONS.get(quality, ()):
        index = chord_index(root, reduced)
        if index is not None:
            return index
    return None
