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
from ..key_finding import (
    CONFIDENCE_TEMPERATURE,
    DEFAULT_PROFILE,
    KEY_SIGNATURE_BONUS,
    PROFILES,
    KeyEstimate,
    pitch_class_profile,
)
from ..melody import Note
from ..theory import Key, Mode

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
    scores = np.full(24, -1.0)
    if histogram.sum() > 0 and histogram.std() > 0:
        modes: tuple[Mode, Mode] = ("major", "minor")
        for m, mode in enumerate(modes):
            template = np.asarray(PROFILES[profile][mode], dtype=float)
            for tonic in range(12):
                scores[m * 12 + tonic] = float(np.corrcoef(histogram, np.roll(template, tonic))[0, 1])
    if key_signature is not None:
        major = key_signature.tonic if not key_signature.is_minor else (key_signature.tonic + 3) % 12
        scores[major] += KEY_SIGNATURE_BONUS
        scores[12 + (major + 9) % 12] += KEY_SIGNATURE_BONUS
    order = np.argsort(-scores, kind="stable")
    best, second = int(order[0]), int(order[1])
    weights = np.exp((scores - scores[best]) / CONFIDENCE_TEMPERATURE)
    confidence = float(weights[best] / weights.sum()) if histogram.sum() > 0 else 0.0
    return KeyEstimate(
        key=_key(best, key_signature),
        correlation=round(float(scores[best]), 4),
        runner_up=_key(second, key_signature),
        margin=round(float(scores[best] - scores[second]), 4),
        confidence=round(confidence, 4),
        profile=profile,
    )


def same_key_signature(a: Key, b: Key) -> bool:
    """True for the same key or relative keys (C major and A minor): one key signature."""
    def major_tonic(key: Key) -> int:
        return key.tonic if not key.is_minor else (key.tonic + 3) % 12

    return major_tonic(a) == major_tonic(b)


def _key(index: int, key_signature: Key | None) -> Key:
    mode: Mode = "major" if index < 12 else "minor"
    key = Key.from_tonic(index % 12, mode)
    if key_signature is not None and (key_signature.tonic, key_signature.mode) == (key.tonic, mode):
        return key_signature  # spelled as the file spells it
    return key
