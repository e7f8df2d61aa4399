"""Features of every (slot, candidate chord) pair, the same at training and at run time.

One row per pair; :data:`FEATURE_NAMES` is the schema recorded in each model
card.  The harmonic-strength factor is computed here for real: the
weighted share of the slot's melody that the chord contains, where
non-chord tones count only as much as they are exposed (passing and
neighbour tones a quarter).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .slots import SlotGrid
from .theory import Mode
from .vocabulary import VOCABULARY, VocabularyChord

__all__ = ["FEATURE_NAMES", "VocabularyArrays", "harmonic_strength", "build_features"]

_QUALITY_NAMES: tuple[str, ...] = tuple(sorted({c.quality for c in VOCABULARY}))

FEATURE_NAMES: tuple[str, ...] = (
    *(f"melody_above_root_{k}" for k in range(12)),
    *(f"onset_note_above_root_{k}" for k in range(12)),
    "onset_note_none",
    *(f"melody_above_tonic_{k}" for k in range(12)),
    *(f"chord_root_{k}" for k in range(12)),
    *(f"quality_{q}" for q in _QUALITY_NAMES),
    "mode_minor",
    "harmonic_strength",
    "chord_tone_share",
    "log_chord_prior",
    "is_downbeat",
    "slot_beats",
    "phrase_end",
    "is_first",
    "is_last",
    "is_rest",
)


class VocabularyArrays:
    """The vocabulary as arrays: chord-tone masks, root and quality one-hots."""

    def __init__(self, vocabulary: Sequence[VocabularyChord] = VOCABULARY) -> None:
        size = len(vocabulary)
        self.size = size
        self.tones = np.zeros((size, 12))
        self.roots = np.array([c.root for c in vocabulary])
        self.root_onehot = np.zeros((size, 12))
        self.quality_onehot = np.zeros((size, len(_QUALITY_NAMES)))
        for chord in vocabulary:
            self.tones[chord.index, list(chord.pitch_classes)] = 1.0
            self.root_onehot[chord.index, chord.root] = 1.0
            self.quality_onehot[chord.index, _QUALITY_NAMES.index(chord.quality)] = 1.0
        # rotation[c, k] = pitch class k semitones above chord c's root
        self.rotation = (self.roots[:, None] + np.arange(12)[None, :]) % 12


_ARRAYS = VocabularyArrays()


def harmonic_strength(grid: SlotGrid, arrays: VocabularyArrays = _ARRAYS) -> tuple[np.ndarray, np.ndarray]:
    """(strength, chord-tone share), each (slots, chords) in [0, 1]; a rest slot scores 1."""
    chord_tone = grid.profiles @ arrays.tones.T
    exposed_other = grid.exposed @ (1.0 - arrays.tones).T
    denominator = chord_tone + exposed_other
    strength = np.where(denominator > 0, chord_tone / np.where(denominator > 0, denominator, 1), 1.0)
    rest = grid.profiles.sum(axis=1) <= 0
    share = np.where(rest[:, None], 1.0, chord_tone)
    return strength, share


def build_features(
    grid: SlotGrid,
    mode: Mode,
    log_prior: np.ndarray,
    arrays: VocabularyArrays = _ARRAYS,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows for every (slot, chord), slot-major, and the harmonic strength (slots, chords).

    ``log_prior`` is the log frequency of each chord in this mode, learned
    from data (the unigram part of contextual appropriateness).
    """
    slots = grid.slots
    count, size = len(slots), arrays.size
    profiles = grid.profiles
    strength, share = harmonic_strength(grid, arrays)
    features = np.zeros((count, size, len(FEATURE_NAMES)), dtype=np.float32)
    column = 0
    # melody relative to each candidate's root: profiles[t, rotation[c, k]]
    features[:, :, column:column + 12] = profiles[:, arrays.rotation]
    column += 12
    onset_pc = np.array([-1 if s.onset_pitch_class is None else s.onset_pitch_class for s in slots])
    has_onset = onset_pc >= 0
    interval = (onset_pc[:, None] - arrays.roots[None, :]) % 12
    rows, cols = np.nonzero(np.broadcast_to(has_onset[:, None], (count, size)))
    features[rows, cols, column + interval[rows, cols]] = 1.0
    column += 12
    features[~has_onset, :, column] = 1.0
    column += 1
    features[:, :, column:column + 12] = profiles[:, None, :]
    column += 12
    features[:, :, column:column + 12] = arrays.root_onehot[None, :, :]
    column += 12
    qualities = arrays.quality_onehot.shape[1]
    features[:, :, column:column + qualities] = arrays.quality_onehot[None, :, :]
    column += qualities
    features[:, :, column] = 1.0 if mode == "minor" else 0.0
    column += 1
    features[:, :, column] = strength
    features[:, :, column + 1] = share
    features[:, :, column + 2] = log_prior[None, :]
    column += 3
    per_slot = np.array(
        [
            [s.is_downbeat, s.duration, s.phrase_end, s.index == 0, s.index == count - 1, s.is_rest]
            for s in slots
        ],
        dtype=np.float32,
    )
    features[:, :, column:column + 6] = per_slot[:, None, :]
    column += 6
    assert column == len(FEATURE_NAMES)
    return features.reshape(count * size, len(FEATURE_NAMES)), strength
