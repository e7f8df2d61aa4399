"""Chords change on the bar line: how often a style's musicians change chord at a bar's first
slot and inside a bar, and the decoder's per-slot term that says so.

The learned transitions are one table for every pair of neighbouring slots, so they carry the
style's *average* chance that the chord changes between two slots.  Musicians change far more
often on a bar line.  Counted on the training songs at each style's own harmonic rhythm (the
cards' ``decoding.bar_change``), the chord changes at a bar's first slot and at a later one:
POP909 84 and 52 % of the time, Nottingham 73 and 34 %, OpenEWLD 70 and 36 %, the Bach
chorales (a chord per beat) 89 and 71 %.  A harmonization that changes anywhere as readily
moves inside the bar where a musician would hold, and holds over the bar line where one would
move.

:class:`BarChange` holds the two rates and the average, counted on a style's training songs
(``decoding.bar_change`` in the card).  :meth:`BarChange.hold_scores` turns them into the
lattice's ``hold`` term (:class:`harmonizer.decoder.Lattice`): keeping the chord at a slot scores
``-weight * (logit(p) - logit(average))``, ``p`` the rate at that slot's place in its bar, and
``weight`` the context factor's weight, so the rates are taken at their word as the learned
transitions are.  Measured on validation songs before it was built (``scripts/hold_hazard.py``,
"place in the bar alone" at ``gamma`` 1), it raised same-root agreement in all four styles with
a corpus; ``scripts/bar_change_effect.py`` measures the shipped cards with and without it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .slots import SlotGrid

__all__ = ["BarChange", "bar_starts", "count_bar_changes"]


def bar_starts(grid: SlotGrid) -> np.ndarray:
    """True for each slot that starts its bar (or the piece), False for a later slot of a bar."""
    slots = grid.slots
    return np.array([t == 0 or slots[t - 1].bar != slot.bar for t, slot in enumerate(slots)], dtype=bool)


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


@dataclass(frozen=True)
class BarChange:
    """How often the human chords change at a slot that starts a bar (``first``), at a later
    slot of a bar (``later``), and at any slot (``average``), with the slots counted at each
    place.  Rates are add-one smoothed shares in (0, 1)."""

    first: float
    later: float
    average: float
    first_slots: int
    later_slots: int

    def __post_init__(self) -> None:
        for name in ("first", "later", "average"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
                raise ValueError(f"{name} must be a share strictly between 0 and 1, got {value!r}")
        for name in ("first_slots", "later_slots"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a count >= 0, got {value!r}")

    def hold_scores(self, grid: SlotGrid, weight: float) -> np.ndarray:
        """The lattice's ``hold`` for ``grid``: per slot, the log score of keeping the chord of
        the slot before (entry 0 is never read and is 0)."""
        gain_first = _logit(self.first) - _logit(self.average)
        gain_later = _logit(self.later) - _logit(self.average)
        scores = -weight * np.where(bar_starts(grid), gain_first, gain_later)
        scores[0] = 0.0
        return scores

    def to_dict(self) -> dict[str, float | int]:
        return {"first": self.first, "later": self.later, "average": self.average,
                "first_slots": self.first_slots, "later_slots": self.later_slots}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BarChange:
        if not isinstance(data, Mapping) or set(data) != {"first", "later", "average", "first_slots",
                                                          "later_slots"}:
            raise ValueError("expected first, later, average, first_slots and later_slots")
        return cls(**data)


def count_bar_changes(songs: Iterable[tuple[SlotGrid, Sequence[int | None]]]) -> BarChange:
    """The rates of :class:`BarChange` over ``songs``, each a slot grid and its human chord per
    slot (None where no chord sounds: no change is counted into or out of such a slot)."""
    changed = [0, 0]  # [later, first]
    seen = [0, 0]
    for grid, labels in songs:
        starts = bar_starts(grid)
        for t in range(1, len(labels)):
            before, after = labels[t - 1], labels[t]
            if before is None or after is None:
                continue
            place = int(starts[t])
            seen[place] += 1
            changed[place] += before != after
    if not all(seen):
        raise ValueError("the songs need chords on slots both at and after bar lines")
    return BarChange(first=_share(changed[1], seen[1]), later=_share(changed[0], seen[0]),
                     average=_share(sum(changed), sum(seen)), first_slots=seen[1], later_slots=seen[0])


def _share(changed: int, seen: int) -> float:
    """Add-one smoothed, so that never (or always) seen to change is still a share in (0, 1)."""
    return round((changed + 1) / (seen + 2), 5)
