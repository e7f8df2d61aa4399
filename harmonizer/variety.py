"""Variety: how many different chords a harmonization uses, and how the decoder is told.

The most likely progression leans on the few chords a style uses most: human harmonizations
use more different chords in a piece.  With ``variety`` ``lambda > 0`` the decoder maximises the
path's score plus ``lambda`` times the entropy of the piece's chord histogram, to first order:
around the histogram ``h`` the lattice expects (its posteriors averaged over the slots), adding
``N * H(h)`` changes by ``-log h(c)`` for each slot given chord ``c``, so each slot's emission
gains ``-lambda * log h(c)``.  Chords the piece would otherwise rarely use gain the most.  The
slots of a cadence note, held as long as it lasts, and the slot before it get no bonus: they
carry the cadence.  Cadence notes are the phrase ends thinned where long notes are the melody's
everyday rhythm (:attr:`~harmonizer.slots.SlotGrid.cadences`); spared at every phrase end, a
3/4 hymn with a half note in each bar got no bonus anywhere.

One ``lambda`` for every piece gives a long piece the most new chords and a short one too few.
``variety="auto"`` instead asks each piece for the number of different chords the style's own
music uses in a piece of its length (:class:`ChordCoverage`: a power law in the number of slots,
fitted on the style's training songs, times the share its card chose on validation songs) and
takes the smallest ``lambda`` of :data:`AUTO_VARIETIES` whose best progression reaches it.

``variety="colour"`` aims at the same chord count another way: it keeps the roots of the likeliest
progression (no bonus) and lets the bonus choose only each chord's quality, a triad, a seventh,
a suspension, on those roots (:func:`coloured_paths`: the smallest ``lambda`` of
:data:`COLOUR_VARIETIES` that reaches the count).  Human harmonizations of a style often move
through about as many roots as its likeliest progression but colour them more: the bonus then
costs agreement on the qualities only, never on the roots.  The alternatives and confidences of a
coloured piece are those of its qualities, given its roots.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np

from .chords import TRIAD_CLASS
from .decoder import Lattice, posteriors, viterbi
from .errors import OptionError
from .vocabulary import VOCABULARY

__all__ = ["AUTO", "COLOUR", "Variety", "VARIETY_FLOOR", "MAX_VARIETY", "AUTO_VARIETIES",
           "COLOUR_VARIETIES", "COLOUR_MARGIN", "ChordCoverage", "BestPaths", "ladder_paths",
           "check_variety",
           "expected_histogram",
           "with_variety", "auto_variety", "same_roots", "coloured_paths", "apply_variety",
           "require_coverage", "fit_coverage"]

#: The variety that asks each piece for its style's chord count (see the module docstring).
AUTO: Literal["auto"] = "auto"
#: The variety that keeps the likeliest roots and colours their qualities (module docstring).
COLOUR: Literal["colour"] = "colour"
#: A variety: a bonus weight in 0..MAX_VARIETY, :data:`AUTO` or :data:`COLOUR`.
Variety: TypeAlias = float | Literal["auto", "colour"]
#: The floor under the expected histogram's shares: a chord the lattice gives (almost) no
#: weight in the piece gains at most ``-log(VARIETY_FLOOR)`` times ``variety``.
VARIETY_FLOOR = 1e-4
#: The largest variety the engine takes (its bonus then outweighs most fits: see README).
MAX_VARIETY = 1.0
#: The bonuses :data:`AUTO` tries, smallest first.  It stops at 0.5: beyond it the bonus
#: outweighs the fit in most slots, and a piece that still lacks chords keeps 0.5's progression.
AUTO_VARIETIES = tuple(round(0.05 * i, 2) for i in range(11))
#: The bonuses :data:`COLOUR` tries, smallest first: with the roots fixed the bonus can only
#: change qualities, so it may go up to MAX_VARIETY.
COLOUR_VARIETIES = tuple(round(0.05 * i, 2) for i in range(21))
#: How much less likely than a slot's likeliest quality on its root (in the lattice's log units,
#: a factor of 10) a quality may be for :data:`COLOUR` to choose it: the bonus picks among the
#: colours the melody allows, and never buys one the melody contradicts.
COLOUR_MARGIN = float(np.log(10.0))
_ROOTS = np.array([chord.root for chord in VOCABULARY])
_TRIADS = np.array([TRIAD_CLASS[chord.quality] for chord in VOCABULARY])


def check_variety(variety: object) -> Variety:
    """``variety`` as a float, :data:`AUTO` or :data:`COLOUR`, or OptionError unless it is a
    number in 0..MAX_VARIETY or the word ``"auto"`` or ``"colour"`` (any case; ``"color"`` too)."""
    if isinstance(variety, str):
        word = variety.strip().lower()
        if word == AUTO:
            return AUTO
        if word in (COLOUR, "color"):
            return COLOUR
    if isinstance(variety, bool) or not isinstance(variety, (int, float)) \
            or not 0.0 <= variety <= MAX_VARIETY:
        raise OptionError(f"The variety must be a number in 0..{MAX_VARIETY:g}, 'auto' or 'colour'. "
                          f"Got {variety!r}.")
    return float(variety)


@dataclass(frozen=True, slots=True)
class ChordCoverage:
    """How many different chords a style's piece of ``n`` slots uses:
    ``share * scale * n ** exponent`` (``scale`` and ``exponent`` fitted on the training songs'
    human chords, ``share`` chosen on validation songs with the rest of the decoding).  Below
    ``min_slots``, the shortest song fitted, the law is not extrapolated (it would ask a
    five-note phrase for five chords): the target shrinks in proportion to the slots instead."""

    scale: float
    exponent: float
    share: float = 1.0
    min_slots: int = 1

    def __post_init__(self) -> None:
        for name in ("scale", "exponent", "share", "min_slots"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value <= 0 or (name == "exponent" and value > 1) \
                    or (name == "min_slots" and value != int(value)):
                raise ValueError(f"ChordCoverage.{name} must be a positive "
                                 f"{'whole number' if name == 'min_slots' else 'number'}"
                                 f"{' up to 1' if name == 'exponent' else ''}. Got {value!r}.")

    def target(self, slots: int) -> float:
        """The number of different chords asked of a piece of ``slots`` slots."""
        slots = max(slots, 1)
        law = self.share * self.scale * max(slots, self.min_slots) ** self.exponent
        return law * min(slots / self.min_slots, 1.0)

    def to_dict(self) -> dict[str, float]:
        return {"scale": self.scale, "exponent": self.exponent, "share": self.share,
                "min_slots": self.min_slots}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChordCoverage:
        """From a card's ``decoding.coverage``; ValueError if a field is missing or out of range."""
        try:
            coverage = cls(data["scale"], data["exponent"], data.get("share", 1.0), data.get("min_slots", 1))
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"a coverage needs a scale and an exponent ({error})") from None
        # a whole number written as 25.0 reads as 25
        return dataclasses.replace(coverage, min_slots=int(coverage.min_slots))


def fit_coverage(slot_counts: Any, chord_counts: Any) -> ChordCoverage:
    """The least-squares power law ``chords = scale * slots ** exponent`` (in logs) through
    songs' slot counts and different-chord counts (songs with none of either are left out),
    valid from the shortest song's slots (``min_slots``)."""
    slots = np.asarray(slot_counts, dtype=float)
    chords = np.asarray(chord_counts, dtype=float)
    kept = (slots > 0) & (chords > 0)
    if kept.sum() < 2 or np.ptp(np.log(slots[kept])) == 0:
        raise ValueError("fitting a chord coverage needs songs of at least two lengths")
    exponent, intercept = np.polyfit(np.log(slots[kept]), np.log(chords[kept]), 1)
    # a style whose longer songs used fewer chords would make no sense as a target: flat instead
    exponent = float(min(max(exponent, 1e-3), 1.0))
    scale = float(np.exp(np.mean(np.log(chords[kept]) - exponent * np.log(slots[kept]))))
    return ChordCoverage(round(scale, 4), round(exponent, 4), min_slots=int(slots[kept].min()))


def expected_histogram(lattice: Lattice) -> np.ndarray:
    """The piece's chord histogram as ``lattice`` expects it: its posteriors (temperature 1)
    averaged over the slots, (chords,)."""
    marginals, _ = posteriors(lattice)
    return marginals.mean(axis=0)


def _spared(cadences: np.ndarray) -> np.ndarray:
    """The slots the bonus leaves alone: each cadence slot, the slot before it, the piece's last."""
    ends = np.asarray(cadences, dtype=bool)
    spared = ends.copy()
    spared[:-1] |= ends[1:]
    spared[-1] = True
    return spared


def _bonus(variety: float, histogram: np.ndarray) -> np.ndarray:
    """The bonus per chord: ``-variety * log h(c)``, the histogram floored at VARIETY_FLOOR."""
    return -variety * np.log(histogram + VARIETY_FLOOR)


def with_variety(lattice: Lattice, variety: float, cadences: np.ndarray,
                 histogram: np.ndarray | None = None) -> Lattice:
    """``lattice`` with the variety bonus (see the module docstring) on every slot but the
    cadences' (``cadences``: one flag per slot, :attr:`SlotGrid.cadences
    <harmonizer.slots.SlotGrid.cadences>`), the slot before each, and the piece's last;
    ``histogram`` is :func:`expected_histogram` of ``lattice`` when the caller has it."""
    if not variety:
        return lattice
    if histogram is None:
        histogram = expected_histogram(lattice)
    bonus = _bonus(variety, histogram)
    emission = np.where(_spared(cadences)[:, None], lattice.emission, lattice.emission + bonus[None, :])
    return dataclasses.replace(lattice, emission=emission)


class BestPaths:
    """A lattice's best progression per variety bonus, each found once.  The expected histogram
    the bonus reads (one forward-backward pass) is computed only when a bonus needs it, or given
    by a caller that has it.

    ``open_chords`` (slots, chords), when given, marks the only chords the lattice leaves
    possible in each slot (every other emission is -inf), as :func:`same_roots` does: then
    :meth:`prepare` finds the paths of a whole ladder of bonuses in one pass over the slots, over
    those few chords only (:func:`ladder_paths`), the same paths one Viterbi pass per bonus
    finds."""

    def __init__(self, lattice: Lattice, cadences: np.ndarray,
                 histogram: np.ndarray | None = None, open_chords: np.ndarray | None = None) -> None:
        self.lattice, self.cadences = lattice, cadences
        self._histogram = histogram
        self._open = open_chords
        self._paths: dict[float, tuple[int, ...]] = {}

    @property
    def histogram(self) -> np.ndarray:
        if self._histogram is None:
            self._histogram = expected_histogram(self.lattice)
        return self._histogram

    def with_bonus(self, variety: float) -> Lattice:
        """The lattice with the bonus ``variety`` (itself for 0)."""
        if not variety:
            return self.lattice
        return with_variety(self.lattice, variety, self.cadences, self.histogram)

    def __call__(self, variety: float) -> tuple[int, ...]:
        if variety not in self._paths:
            self._paths[variety] = tuple(viterbi(self.with_bonus(variety)).chords)
        return self._paths[variety]

    def prepare(self, ladder: Sequence[float]) -> None:
        """Find the paths of every bonus of ``ladder`` at once where that is cheap: for a lattice
        with few open chords per slot (``open_chords``); otherwise each is found when asked,
        so that a search that stops early decodes no more than it needs."""
        missing = [variety for variety in dict.fromkeys(ladder) if variety not in self._paths]
        if self._open is None or not missing:
            return
        bonuses = [variety for variety in missing if variety]
        found = ladder_paths(self.lattice, self._open, self.cadences,
                             self.histogram if bonuses else None, missing)
        self._paths.update(zip(missing, found))


def ladder_paths(lattice: Lattice, open_chords: np.ndarray, cadences: np.ndarray,
                 histogram: np.ndarray | None, ladder: Sequence[float]) -> list[tuple[int, ...]]:
    """The best path of ``lattice`` with each bonus of ``ladder`` (:func:`with_variety`, reading
    ``histogram``), as :func:`~harmonizer.decoder.viterbi` finds them one by one, found in one
    pass over the slots for all bonuses together, over only the chords ``open_chords`` leaves
    open in each slot (every other chord's emission must be -inf there).

    The colour search decodes a piece once per bonus of its ladder (21): over the full
    vocabulary that was two thirds of the engine's time on a long piece.  With a root fixed per
    slot a few chords stay open, so the ladder's passes fit in one batch of small arrays.  Every
    sum is the one the dense pass makes, in the same order, and ties go to the earlier chord as
    there: the paths are the same, bit for bit."""
    emission = lattice.emission
    slots = len(emission)
    open_chords = np.asarray(open_chords, dtype=bool)
    if open_chords.shape != emission.shape:
        raise ValueError("open_chords must have the lattice's (slots, chords) shape")
    spared = _spared(cadences)  # as with_variety spares them
    varieties = np.asarray(list(ladder), dtype=float)
    if histogram is None:
        if varieties.any():
            raise ValueError("a bonus needs the lattice's expected histogram")
        histogram = np.ones(emission.shape[1])  # unread: every bonus is 0
    # the bonus per ladder step and chord, exactly as with_variety computes it
    bonus = np.stack([_bonus(float(variety), histogram) for variety in varieties])  # (ladder, chords)
    columns = [np.flatnonzero(row) for row in open_chords]
    if any(len(chords) == 0 for chords in columns):
        raise OptionError("No chord progression satisfies the constraints: every path is impossible.")

    def scores_at(t: int) -> np.ndarray:
        chords = columns[t]
        base = emission[t, chords]
        if spared[t]:
            return base  # broadcast over the ladder
        return base + bonus[:, chords]  # (ladder, open chords)

    transposed = lattice.transition.T
    scores = lattice.start[columns[0]] + scores_at(0)
    scores = np.broadcast_to(scores, (len(varieties), len(columns[0])))
    back: list[np.ndarray] = [np.empty(0, dtype=np.intp)]
    for t in range(1, slots):
        step = transposed[np.ix_(columns[t], columns[t - 1])]  # [next, previous]
        if lattice.hold is not None:  # the hold joins the transition first (Lattice)
            step = np.where(columns[t][:, None] == columns[t - 1][None, :], step + lattice.hold[t], step)
        candidates = step[None, :, :] + scores[:, None, :]
        back.append(candidates.argmax(axis=2))  # (ladder, next): the first of equals, as dense
        scores = candidates.max(axis=2) + scores_at(t)  # the winner's own sum, bit for bit
    final = scores + lattice.end[columns[-1]]
    rungs = np.arange(len(varieties))
    position = final.argmax(axis=1)
    if not np.isfinite(final[rungs, position]).all():
        raise OptionError("No chord progression satisfies the constraints: every path is impossible.")
    chosen = np.empty((len(varieties), slots), dtype=np.intp)
    chosen[:, -1] = columns[-1][position]
    for t in range(slots - 1, 0, -1):
        position = back[t][rungs, position]
        chosen[:, t - 1] = columns[t - 1][position]
    return [tuple(path) for path in chosen.tolist()]


def auto_variety(paths: BestPaths, coverage: ChordCoverage,
                 ladder: Sequence[float] = AUTO_VARIETIES) -> float:
    """The smallest bonus of ``ladder`` whose best progression (``paths``) uses at least
    ``coverage``'s different chords for the piece's length, rounded to the nearest whole number
    (if none does, the smallest that gives the most: a bonus that changes nothing is not reported
    as used)."""
    # A count of chords is a whole number: the nearest to the law's.  Compared with the law's own
    # value, a three-note line whose law asked for 1.0004 chords was pushed to a second one.
    target = math.floor(coverage.target(len(paths.lattice.emission)) + 0.5)
    best, most = ladder[0], -1
    for position, variety in enumerate(ladder):
        if position == 1:
            # The first bonus (0: the likeliest progression) often does: one pass.  Else the rest
            # in one pass where that is cheap (a colour lattice), not one per bonus.
            paths.prepare(ladder[1:])
        count = len(set(paths(variety)))
        if count >= target:
            return variety
        if count > most:  # none reaches it: the smallest bonus that gives the most chords
            best, most = variety, count
    return best


def same_roots(lattice: Lattice, path: Sequence[int], margin: float = COLOUR_MARGIN) -> Lattice:
    """``lattice`` with each slot open only to the chords on the root of ``path``'s chord there
    whose emission is within ``margin`` of the likeliest of them: a colour the melody allows (a
    seventh over a held root), never one it contradicts (G minor under a held B); and only on the
    triad of ``path``'s chord (:data:`harmonizer.chords.TRIAD_CLASS`): G7 or Gmaj7 for G, never
    G minor."""
    chosen = np.asarray(path)
    allowed = _ROOTS[None, :] == _ROOTS[chosen][:, None]
    on_root = np.where(allowed, lattice.emission, -np.inf)
    allowed &= on_root >= on_root.max(axis=1, keepdims=True) - margin
    # ... and on its triad: a colour adds a seventh or a sixth, it does not turn G into G minor.
    # The melody alone allows G minor under a bar of G and D, or E-flat minor under a lone
    # E-flat, and the bonus bought them in pieces in G and E-flat major.
    allowed &= _TRIADS[None, :] == _TRIADS[chosen][:, None]
    allowed[np.arange(len(chosen)), chosen] = True  # the chord of the path itself, always
    return dataclasses.replace(lattice, emission=np.where(allowed, lattice.emission, -np.inf))


def coloured_paths(paths: BestPaths) -> BestPaths:
    """The :data:`COLOUR` lattice's paths: ``paths``' lattice restricted to the roots of its best
    progression without a bonus; its ladder of bonuses is decoded in one pass over the few
    chords each slot leaves open (:func:`ladder_paths`)."""
    plain = paths(0.0)
    lattice = same_roots(paths.lattice, plain)
    coloured = BestPaths(lattice, paths.cadences, open_chords=np.isfinite(lattice.emission))
    # Without a bonus the restricted lattice's best path is the plain one, found already: it is
    # open there with the same score, every path there is one of the full lattice's with its
    # score, and at each step the plain path's predecessor still wins, first among equals too
    # (no other predecessor scores more there than it did in the full lattice).
    coloured._paths[0.0] = plain
    return coloured


def apply_variety(lattice: Lattice, variety: Variety, cadences: np.ndarray,
                  coverage: ChordCoverage | None) -> tuple[float, Lattice]:
    """The bonus ``variety`` comes to for this piece (itself, or for :data:`AUTO` and
    :data:`COLOUR`, which need the style's ``coverage``, :func:`auto_variety`'s on the lattice or
    on its :func:`coloured_paths`) and the lattice it decodes: ``lattice`` with that bonus
    (restricted to the likeliest roots for :data:`COLOUR`)."""
    paths = BestPaths(lattice, cadences)
    if isinstance(variety, str):
        coverage = require_coverage(variety, coverage)
        if variety == COLOUR:
            paths = coloured_paths(paths)
        ladder = COLOUR_VARIETIES if variety == COLOUR else AUTO_VARIETIES
        variety = auto_variety(paths, coverage, ladder)
    return float(variety), paths.with_bonus(float(variety))


def require_coverage(variety: Variety, coverage: ChordCoverage | None) -> ChordCoverage:
    """``coverage``, or OptionError for a ``variety`` (:data:`AUTO` or :data:`COLOUR`) that aims at
    a chord count the style's card does not give."""
    if coverage is None:
        raise OptionError(f"The variety {variety!r} needs the style's chord coverage (decoding.coverage "
                          "in its model card, which this card lacks): give a number instead.")
    return coverage
