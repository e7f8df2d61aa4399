"""The 12-bar blues as chord statistics: the prior the blues model blends into a base model.

No corpus of blues *melodies with their chords* exists in a size to learn from (the shared
data holds 97 Weimar Jazz Database solos over blues changes and 5 OpenEWLD lead sheets with
"Blues" in the title), but the harmony of the blues is a documented form.  This module writes
that form down as the forms below, counts them exactly as training counts human chords
(:func:`~harmonizer.training.dataset.count_sequences`: chord priors, transitions, starts and
ends per mode, slot by slot, at one chord per bar and per half bar), and blends the result with a
base model's learned tables (:func:`blend_tables`).  Nothing here comes from our own scorer.

The forms (Levine 1995, ch. "The Blues"; Kernfeld 2002, "Blues"), in Roman numerals of the key:

- **basic**: ``I7 I7 I7 I7 | IV7 IV7 I7 I7 | V7 IV7 I7 V7`` (bar 12 is the turnaround
  back to bar 1; the last chorus ends on I7);
- **quick change**: the same with IV7 in bar 2;
- **jazz blues**: ``I7 IV7 I7 v7-I7 | IV7 #iv°7 I7 VI7 | ii7 V7 I7-VI7 ii7-V7`` (the ii-V
  into IV in bar 4, the diminished passing chord, the ii-V turnaround);
- **minor blues**: ``i7 i7 i7 i7 | iv7 iv7 i7 i7 | bVI7 V7 i7 V7`` and the same with
  ``iiø7 V7`` in bars 9-10.

Dominant sevenths on I, IV and V are the sound of the blues.  The engine's vocabulary
(:mod:`harmonizer.vocabulary`) has all three, I7 (written V7/IV elsewhere), IV7 and V7, and the
jazz blues' v7, so the forms are counted with the chords a blues player writes.

References
----------
Levine, M. (1995). *The Jazz Theory Book*. Sher Music.
Kernfeld, B. (ed.) (2002). *The New Grove Dictionary of Jazz*, 2nd ed., "Blues". Macmillan.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..theory import Mode
from ..vocabulary import VOCABULARY, chord_index
from .dataset import ContextTables, count_sequences

__all__ = ["BLUES_CHORDS", "BluesForm", "FORMS", "CHORUSES", "form_labels", "form_tables",
           "tables_from_card", "blend_tables"]

#: The chords of the forms by the numeral a blues player writes, as (root above tonic, quality).
BLUES_CHORDS: dict[str, tuple[int, str]] = {
    "I7": (0, "dom7"), "IV7": (5, "dom7"),
    "V7": (7, "dom7"), "v7": (7, "min7"),
    "ii7": (2, "min7"), "VI7": (9, "dom7"),
    "#iv°7": (6, "dim7"), "i7": (0, "min7"), "iv7": (5, "min7"), "bVI7": (8, "dom7"),
    "iiø7": (2, "hdim7"),
}
#: Pseudo count per chord in the forms' prior and start.  Small: the forms are not a sample
#: whose unseen chords need room (the blend with the base model keeps every chord possible).
FORM_SMOOTHING = 1e-3
#: Choruses per counted performance: the turnaround (bar 12 -> bar 1) is counted between
#: them, and the last one ends on the tonic chord instead of its turnaround.
CHORUSES = 2


@dataclass(frozen=True)
class BluesForm:
    """One blues form: twelve bars, each of one or two chords (two split the bar in halves)."""

    name: str
    mode: Mode
    bars: tuple[tuple[str, ...], ...]
    ending: str  # the last chorus's final bar

    def __post_init__(self) -> None:
        if len(self.bars) != 12 or not all(1 <= len(bar) <= 2 for bar in self.bars):
            raise ValueError(f"blues form {self.name!r} must have 12 bars of one or two chords")
        unknown = {n for bar in self.bars for n in bar} - set(BLUES_CHORDS)
        if unknown or self.ending not in BLUES_CHORDS:
            raise ValueError(f"blues form {self.name!r} names chords outside BLUES_CHORDS: {unknown}")


def _bars(text: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(bar.split("-")) for bar in text.split())


FORMS: dict[Mode, tuple[BluesForm, ...]] = {
    "major": (
        BluesForm("basic", "major", _bars("I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7"), "I7"),
        BluesForm("quick change", "major", _bars("I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7"), "I7"),
        BluesForm("jazz blues", "major",
                  _bars("I7 IV7 I7 v7-I7 IV7 #iv°7 I7 VI7 ii7 V7 I7-VI7 ii7-V7"), "I7"),
    ),
    "minor": (
        BluesForm("minor blues", "minor", _bars("i7 i7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7"), "i7"),
        BluesForm("minor blues, ii-V", "minor", _bars("i7 i7 i7 i7 iv7 iv7 i7 i7 iiø7 V7 i7 V7"),
                  "i7"),
    ),
}


def _index(numeral: str) -> int:
    root, quality = BLUES_CHORDS[numeral]
    index = chord_index(root, quality)
    if index is None:  # a BLUES_CHORDS entry outside the vocabulary is a bug here, not data
        raise ValueError(f"{numeral} = {(root, quality)} is not in the vocabulary")
    return index


def form_labels(form: BluesForm, harmonic_rhythm: str, choruses: int = CHORUSES) -> list[int]:
    """The vocabulary index per slot of ``choruses`` choruses of ``form``.

    ``harmonic_rhythm`` is ``"bar"`` (a split bar is labelled with its first chord, which is
    what training's longest-chord rule picks on a tie) or ``"half"`` (a whole-bar chord fills
    both halves).
    """
    if harmonic_rhythm not in ("bar", "half"):
        raise ValueError(f"The 'harmonic_rhythm' must be one of ['bar', 'half']. Got {harmonic_rhythm!r}.")
    if choruses < 1:
        raise ValueError(f"The number of choruses must be at least 1. Got {choruses!r}.")
    labels: list[int] = []
    for chorus in range(choruses):
        bars = list(form.bars)
        if chorus == choruses - 1:
            bars[-1] = (form.ending,)
        for bar in bars:
            halves = (bar[0], bar[-1]) if harmonic_rhythm == "half" else (bar[0],)
            labels.extend(_index(numeral) for numeral in halves)
    return labels


def _sequences(choruses: int) -> Iterator[tuple[Mode, list[int]]]:
    for mode, forms in FORMS.items():
        for form in forms:
            for rhythm in ("bar", "half"):
                yield mode, form_labels(form, rhythm, choruses)


def form_tables(choruses: int = CHORUSES) -> ContextTables:
    """The forms' chord prior, transitions, starts and ends per mode, every form at both
    harmonic rhythms weighing the same, transitions smoothed as training smooths them.

    ``end`` is NaN for chords the forms never use: the forms say nothing about how often
    those end a piece (:func:`blend_tables` keeps the base model's there).
    """
    sequences = list(_sequences(choruses))
    tables = count_sequences(sequences, smoothing=FORM_SMOOTHING)
    for mode in ("major", "minor"):
        used = {label for sequence_mode, labels in sequences if sequence_mode == mode for label in labels}
        unused = np.ones(len(VOCABULARY), dtype=bool)
        unused[sorted(used)] = False
        tables.end[mode] = np.where(unused, np.nan, tables.end[mode])
    return tables


def tables_from_card(context: Mapping[str, Mapping[str, Any]]) -> ContextTables:
    """A model card's ``context`` section back as :class:`ContextTables`."""
    tables = ContextTables()
    for mode in ("major", "minor"):
        entry = context[mode]
        tables.unigram[mode] = np.asarray(entry["log_prior"], dtype=float)
        tables.transition[mode] = np.asarray(entry["log_transition"], dtype=float)
        tables.start[mode] = np.asarray(entry["log_start"], dtype=float)
        tables.end[mode] = np.asarray(entry["log_end"], dtype=float)
        tables.counts[mode] = int(entry.get("slots_counted", 0))
    return tables


def _mix(base: np.ndarray, prior: np.ndarray, weight: float) -> np.ndarray:
    return np.log((1.0 - weight) * np.exp(base) + weight * np.exp(prior))


def blend_tables(base: ContextTables, prior: ContextTables, weight: float | Mapping[str, float]
                 ) -> ContextTables:
    """``(1 - weight) * base + weight * prior``, as probabilities, table by table; ``weight`` is
    one number or one per mode (``{"major": w, "minor": w}``).

    A mixture keeps every distribution normalised (each transition row, the chord prior, the
    start) and every chord the base knows possible, while ``weight`` of the probability mass
    follows the form; ``P(end | chord)`` is mixed the same way where the prior knows the chord
    (NaN: the base's value).  ``counts`` stay the base's: the form adds no observed slots.
    """
    per_mode = {m: weight for m in ("major", "minor")} if isinstance(weight, (int, float)) else dict(weight)
    if set(per_mode) != {"major", "minor"} or not all(0.0 <= w <= 1.0 for w in per_mode.values()):
        raise ValueError(f"The blend weight must be in 0..1 (one, or one per mode). Got {weight!r}.")
    size = len(VOCABULARY)
    blended = ContextTables()
    for mode in ("major", "minor"):
        mode_weight = per_mode[mode]
        if base.transition[mode].shape != (size, size):
            raise ValueError(f"base transition table of {mode} has shape {base.transition[mode].shape}")
        blended.unigram[mode] = _mix(base.unigram[mode], prior.unigram[mode], mode_weight)
        blended.transition[mode] = _mix(base.transition[mode], prior.transition[mode], mode_weight)
        blended.start[mode] = _mix(base.start[mode], prior.start[mode], mode_weight)
        known = ~np.isnan(prior.end[mode])
        blended.end[mode] = np.where(known, _mix(base.end[mode], np.nan_to_num(prior.end[mode]), mode_weight),
                                     base.end[mode])
        blended.counts[mode] = base.counts[mode]
    return blended
