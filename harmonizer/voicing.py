"""Voicing: chords as MIDI pitches below the melody, moving as little as possible.

Each chord gets a bass (its root, in the bass register) and three upper
voices: root, third and fifth of a triad, or third, fifth and seventh of a
seventh chord.  The upper voices sit below the lowest melody note of the slot
and are chosen, chord after chord, to minimise the total semitone movement
from the previous voicing.  The same measure, taken between ideal voicings of
two chords, is the voice-leading factor the decoder uses.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from .vocabulary import VOCABULARY, VocabularyChord

__all__ = [
    "Voicing",
    "upper_pitch_classes",
    "ideal_voice_leading",
    "voice_leading_matrix",
    "efficiency",
    "voice_chords",
]

#: Semitone movement that halves... no: efficiency = exp(-movement / VOICE_LEADING_SCALE).
VOICE_LEADING_SCALE = 6.0
BASS_LOW, BASS_HIGH = 36, 52  # C2 .. E3 (exclusive)
LOWEST_UPPER = 48  # C3: upper voices never go lower
HIGHEST_UPPER = 79  # G5


@dataclass(frozen=True, slots=True)
class Voicing:
    """The pitches of one voiced chord: bass first, then upper voices low to high."""

    bass: int
    upper: tuple[int, ...]

    @property
    def pitches(self) -> tuple[int, ...]:
        return (self.bass, *self.upper)


def upper_pitch_classes(chord: VocabularyChord) -> tuple[int, ...]:
    """Pitch classes (above the tonic) of the three upper voices."""
    tones = chord.pitch_classes
    return tones if len(tones) == 3 else tones[1:]


def _circular(a: int, b: int) -> int:
    d = abs(a - b) % 12
    return min(d, 12 - d)


@cache
def _ideal(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    return min(sum(_circular(x, y) for x, y in zip(a, perm)) for perm in itertools.permutations(b))


def ideal_voice_leading(previous: VocabularyChord, chord: VocabularyChord) -> int:
    """Fewest semitones the three upper voices must move from ``previous`` to ``chord``."""
    return _ideal(upper_pitch_classes(previous), upper_pitch_classes(chord))


def efficiency(movement: float) -> float:
    """Voice-leading efficiency in (0, 1]: 1 for no movement."""
    return float(np.exp(-movement / VOICE_LEADING_SCALE))


@lru_cache(maxsize=1)
def voice_leading_matrix() -> np.ndarray:
    """Ideal upper-voice movement between every pair of vocabulary chords, [previous, next]."""
    size = len(VOCABULARY)
    matrix = np.zeros((size, size))
    for a in VOCABULARY:
        for b in VOCABULARY:
            matrix[a.index, b.index] = ideal_voice_leading(a, b)
    matrix.setflags(write=False)
    return matrix


@lru_cache(maxsize=4096)
def _candidates(pitch_classes: tuple[int, ...], ceiling: int) -> tuple[tuple[int, ...], ...]:
    """Every close-enough placement of the pitch classes at or below ``ceiling`` (cached: a
    piece asks for the same few chords under the same few ceilings again and again)."""
    floor = max(LOWEST_UPPER, ceiling - 19)
    options = [[p for p in range(floor, ceiling + 1) if p % 12 == pc] for pc in pitch_classes]
    result = []
    for combo in itertools.product(*options):
        ordered = tuple(sorted(combo))
        if len(set(ordered)) == len(ordered) and ordered[-1] - ordered[0] <= 16:
            result.append(ordered)
    return tuple(result)


@lru_cache(maxsize=16384)
def _place(pcs: tuple[int, ...], ceiling: int, previous: tuple[int, ...] | None) -> tuple[int, ...]:
    """The upper voices for ``pcs`` under ``ceiling``: nearest to ``previous`` (fewest semitones
    moved, then closest to the ceiling), or for the first chord centred a fourth below it.
    Cached: pieces repeat the same chord after the same voicing under the same melody."""
    options = _candidates(pcs, ceiling)
    if not options:  # only for extreme registers: stack close from the floor
        options = (tuple(sorted(LOWEST_UPPER + (pc - LOWEST_UPPER) % 12 for pc in pcs)),)
    if previous is None:
        target = ceiling - 5  # start close under the melody
        return min(options, key=lambda o: (abs(sum(o) / len(o) - target), o))
    return min(options, key=lambda o: (sum(abs(a - b) for a, b in zip(o, previous)),
                                       abs(o[-1] - ceiling), o))


def voice_chords(
    chords: Sequence[VocabularyChord],
    tonic: int,
    melody_floors: Sequence[int | None],
) -> list[Voicing]:
    """Voice each chord of a progression in a key with tonic pitch class ``tonic``.

    ``melody_floors`` holds the lowest melody pitch in each slot (``None`` for
    a rest); the upper voices stay below it when the register allows.
    """
    voicings: list[Voicing] = []
    previous: tuple[int, ...] | None = None
    last_floor = 67
    for chord, floor in zip(chords, melody_floors):
        if floor is not None:
            last_floor = floor
        ceiling = min(HIGHEST_UPPER, max(last_floor - 1, LOWEST_UPPER + 11))
        pcs = tuple((tonic + pc) % 12 for pc in upper_pitch_classes(chord))
        best = _place(pcs, ceiling, previous)
        root = (tonic + chord.root) % 12
        bass = BASS_LOW + (root - BASS_LOW) % 12
        # The octave up only where it stays below the upper voices: the two registers overlap
        # (C3 .. E3), and a bass on an upper voice's pitch would sound one key twice.
        if voicings and abs(bass + 12 - voicings[-1].bass) < abs(bass - voicings[-1].bass) \
                and bass + 12 < min(BASS_HIGH, best[0]):
            bass += 12
        voicings.append(Voicing(bass, best))
        previous = best
    return voicings


def realised_movement(a: Voicing, b: Voicing) -> int:
    """Semitones the upper voices of ``a`` move to reach ``b`` (voices matched low to high)."""
    return sum(abs(x - y) for x, y in zip(a.upper, b.upper))
