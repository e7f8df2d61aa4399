"""Chord spans fitted to their melody: helpers shared by the POP909, OpenEWLD and WJD loaders."""

from __future__ import annotations

from collections.abc import Sequence

from ..chords import ChordLabel
from ..melody import Meter

__all__ = ["bar_start", "clip_chords"]

_EPS = 1e-6


def clip_chords(chords: Sequence[ChordLabel], start: float, end: float) -> tuple[ChordLabel, ...]:
    """The chords between ``start`` and ``end`` (beats), cut to fit.

    No-chords (``root=None``) left at either end are dropped, so the result
    begins and ends with a chord.
    """
    clipped: list[ChordLabel] = []
    for chord in chords:
        onset, stop = max(chord.onset, start), min(chord.end, end)
        if stop - onset > _EPS:
            clipped.append(ChordLabel(onset, stop - onset, chord.root, chord.quality, chord.bass,
                                      chord.text))
    while clipped and clipped[0].root is None:
        clipped.pop(0)
    while clipped and clipped[-1].root is None:
        clipped.pop()
    return tuple(clipped)


def bar_start(meter: Meter, beat: float) -> float:
    """Where the bar holding ``beat`` begins."""
    return max((bar.onset for bar in meter.bars(beat + 1.0) if bar.onset <= beat + _EPS), default=0.0)
