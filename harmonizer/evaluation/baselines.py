"""Two baselines that answer one chord per harmonic slot, like the engine.

* :class:`BigramHMM`: a plain first-order HMM over the engine's chord vocabulary.  The emission
  of chord ``c`` in slot ``t`` is the chord-tone fit of the slot's melody
  (:func:`harmonizer.features.harmonic_strength`, the same factor the engine's model reads),
  normalised over the chords of the slot; transitions and first-chord probabilities are counted
  on the training songs (:func:`harmonizer.training.dataset.count_context`, smoothed towards the
  unigram).  No learned scorer, no voice leading, no end-of-piece term.  Decoded by Viterbi.
* :class:`NotebookBaseline`: the original notebook's algorithm
  (:class:`harmonizer.baselines.notebook.NotebookHarmonizer`: greedy, three candidate chords per
  scale degree, 0.5 / 0.3 / 0.2, a RandomForest trained on its synthetic data) run on the
  song's melody as it was meant to be used: one scale degree per melody note (chromatic notes
  count as their degree number, ``#4`` as 4), one chord per note.  To compare per slot, each
  slot takes the notebook's chord of the note sounding at the slot's onset, else of the first
  note starting in the slot; a slot with no note keeps the previous slot's chord (the first
  such slots take the first chord).  Its Roman numeral becomes a root and quality in the key
  the baseline is given (minor-key ``V`` and ``vii°`` are harmonic minor's, as the notebook
  meant them).  The notebook knows the styles classical, jazz, pop and blues; any other style
  (folk) uses its default, classical.

Both take the key they are given; the evaluation gives them the corpus key (the human analyst's
key), an advantage over the engine's headline run, which finds the key itself.

References
----------
Rabiner, L. R. (1989). A tutorial on hidden Markov models and selected applications in speech
recognition. *Proc. IEEE* 77(2), 257-286.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..decoder import Lattice, viterbi
from ..features import harmonic_strength
from ..melody import Melody
from ..slots import Slot, SlotGrid
from ..theory import Key, Mode, degree_of
from ..training.dataset import ContextTables, SongSlots, count_context
from ..vocabulary import VOCABULARY
from .metrics import TimedChord

__all__ = ["BigramHMM", "NotebookBaseline", "numeral_chord", "slot_note_indices", "NOTEBOOK_STYLES"]

_EPS = 1e-6
#: Styles the notebook knows; any other style is run as the notebook's default, classical.
NOTEBOOK_STYLES: tuple[str, ...] = ("classical", "jazz", "pop", "blues")


class BigramHMM:
    """A bigram HMM over the vocabulary: chord-tone fit emissions, counted transitions.

    ``__init__`` stores the parameters; :meth:`fit` counts the tables (``tables_``).
    ``floor`` keeps a chord that fits no note of a slot possible (probability ``floor``).
    """

    def __init__(self, floor: float = 1e-4, smoothing: float = 0.1, prior_strength: float = 5.0) -> None:
        self.floor = floor
        self.smoothing = smoothing
        self.prior_strength = prior_strength

    def fit(self, songs: Iterable[SongSlots]) -> BigramHMM:
        """Count transitions and first chords on ``songs`` (the training split)."""
        self.tables_: ContextTables = count_context(songs, self.smoothing, self.prior_strength)
        return self

    def lattice(self, grid: SlotGrid, mode: Mode) -> Lattice:
        """The HMM as the decoder's lattice (log probabilities; no end term)."""
        if not hasattr(self, "tables_"):
            raise ValueError("The BigramHMM is not fitted: call fit(training songs) first.")
        strength, _ = harmonic_strength(grid)
        emission = strength / np.maximum(strength.sum(axis=1, keepdims=True), _EPS)
        return Lattice(
            emission=np.log(np.maximum(emission, self.floor)),
            transition=self.tables_.transition[mode],
            start=self.tables_.start[mode],
            end=np.zeros(len(VOCABULARY)),
        )

    def harmonize(self, grid: SlotGrid, key: Key) -> list[TimedChord]:
        """The Viterbi chord of every slot of ``grid`` (cut in ``key``), as timed chords."""
        path = viterbi(self.lattice(grid, key.mode))
        return [
            TimedChord(slot.onset, slot.duration, VOCABULARY[i].root_pitch_class(key), VOCABULARY[i].quality)
            for slot, i in zip(grid.slots, path.chords)
        ]


def _numeral_table() -> dict[tuple[str, str], tuple[int, str]]:
    table: dict[tuple[str, str], tuple[int, str]] = {}
    for mode in ("major", "minor"):
        for chord in VOCABULARY:
            if chord.quality in ("maj", "min", "dim"):
                table.setdefault((mode, chord.numeral(mode)), (chord.root, chord.quality))
    return table


_NUMERALS = _numeral_table()


def numeral_chord(numeral: str, key: Key) -> tuple[int, str]:
    """(root pitch class, quality) of a triad numeral of the notebook (``"V"``, ``"ii°"``) in ``key``."""
    try:
        root, quality = _NUMERALS[(key.mode, numeral)]
    except KeyError:
        raise ValueError(f"Unknown {key.mode} triad numeral {numeral!r}.") from None
    return (key.tonic + root) % 12, quality


def slot_note_indices(melody: Melody, slots: Sequence[Slot]) -> list[int | None]:
    """Per slot, the note sounding at its onset, else the first note starting in it, else None."""
    notes = melody.notes
    onsets = [n.onset for n in notes]
    chosen: list[int | None] = []
    for slot in slots:
        index = bisect.bisect_right(onsets, slot.onset + _EPS) - 1
        if index >= 0 and notes[index].end > slot.onset + _EPS:
            chosen.append(index)
        elif index + 1 < len(notes) and notes[index + 1].onset < slot.end - _EPS:
            chosen.append(index + 1)
        else:
            chosen.append(None)
    return chosen


class NotebookBaseline:
    """The original notebook's harmonizer, read per slot (see the module docstring).

    ``harmonizer`` is a :class:`~harmonizer.baselines.notebook.NotebookHarmonizer` to reuse
    (default: a new one, trained on first use; needs scikit-learn).
    """

    def __init__(self, style: str = "classical", harmonizer: Any = None) -> None:
        self.style = style
        self.harmonizer = harmonizer

    @property
    def notebook_style(self) -> str:
        return self.style if self.style in NOTEBOOK_STYLES else "classical"

    def _model(self) -> Any:
        if self.harmonizer is None:
            from ..baselines.notebook import NotebookHarmonizer  # noqa: PLC0415 - needs scikit-learn

            self.harmonizer = NotebookHarmonizer()
        return self.harmonizer

    def note_numerals(self, melody: Melody, key: Key) -> list[str]:
        """The notebook's Roman numeral for every melody note (its one chord per note)."""
        degrees = [degree_of(note.pitch, key).number for note in melody.notes]
        result = self._model().harmonize_pattern(degrees, key=key.tonic_name, is_minor=key.is_minor,
                                                 style=self.notebook_style)
        return list(result["harmonization"])

    def harmonize(self, melody: Melody, grid: SlotGrid, key: Key) -> list[TimedChord]:
        """One chord per slot of ``grid``: the notebook's chord at the slot's onset note."""
        numerals = self.note_numerals(melody, key)
        if not numerals:
            raise ValueError(f"{melody.source or 'melody'}: no notes for the notebook baseline")
        indices = slot_note_indices(melody, grid.slots)
        first = next((i for i in indices if i is not None), 0)
        chords: list[TimedChord] = []
        previous = first
        for slot, index in zip(grid.slots, indices):
            if index is not None:
                previous = index
            root, quality = numeral_chord(numerals[previous], key)
            chords.append(TimedChord(slot.onset, slot.duration, root, quality))
        return chords
