"""Whole-piece decoding over the (slot x chord) lattice.

The lattice is a first-order chain: each slot's chord has a local score
(emission), each pair of neighbouring chords a transition score, and the
first and last chords a start and end score.  An optional per-slot ``hold``
score is added where a slot keeps the chord of the slot before: the chain's
transitions are the same everywhere, but musicians change chord more often
on a bar line than inside a bar.  All scores are natural logs of
unnormalised potentials.  We find

* the best progression (Viterbi),
* the posterior probability of every chord in every slot (forward–backward,
  after dividing all scores by a temperature), and
* the k best progressions (list Viterbi, k best per state).

References
----------
Rabiner, L. R. (1989). A tutorial on hidden Markov models and selected
applications in speech recognition. *Proc. IEEE* 77(2).
Seshadri, N., & Sundberg, C.-E. (1994). List Viterbi decoding algorithms with
applications. *IEEE Trans. Communications* 42(234).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import OptionError

__all__ = ["Lattice", "Path", "viterbi", "k_best", "posteriors", "is_frozen"]


# Read-only arrays (the engine's cached transition, start and end scores) are checked and
# exponentiated once, then recognised by identity: a lattice is built for every melody, but its
# chain scores come from a handful of cached arrays.  A writeable array is always checked afresh.
_CACHE_LIMIT = 256
_TRUSTED: dict[int, np.ndarray] = {}
_SCALED: dict[tuple[int, float], tuple[np.ndarray, np.ndarray, float]] = {}
_LARGEST: dict[int, tuple[np.ndarray, float]] = {}


def is_frozen(values: np.ndarray) -> bool:
    """Read-only and owning its data: a read-only view of a writeable array can still change."""
    return not values.flags.writeable and values.base is None


def _trusted(values: np.ndarray) -> bool:
    return is_frozen(values) and _TRUSTED.get(id(values)) is values


def _trust(values: np.ndarray) -> None:
    if is_frozen(values):
        if len(_TRUSTED) >= _CACHE_LIMIT:
            _TRUSTED.clear()
        _TRUSTED[id(values)] = values


@dataclass(frozen=True)
class Lattice:
    """Log scores: ``emission`` (slots, chords), ``transition`` (chords, chords) indexed
    [previous, next], ``start`` and ``end`` (chords), and optionally ``hold`` (slots): added at
    slot ``t`` when its chord is slot ``t - 1``'s (``hold[0]`` is never read).  Every search adds
    it to the transition first, ``(transition + hold) + score``, on its candidates' diagonal:
    the same sums in each search, and no copy of the transitions per slot."""

    emission: np.ndarray
    transition: np.ndarray
    start: np.ndarray
    end: np.ndarray
    hold: np.ndarray | None = None

    def __post_init__(self) -> None:
        slots, chords = self.emission.shape
        if slots == 0:
            raise OptionError("Nothing to decode: the lattice has no slots.")
        if self.transition.shape != (chords, chords) or self.start.shape != (chords,) \
                or self.end.shape != (chords,) or (self.hold is not None and self.hold.shape != (slots,)):
            raise ValueError("Lattice shapes do not agree.")
        for name in ("emission", "transition", "start", "end", "hold"):
            values = getattr(self, name)
            if values is None or _trusted(values):
                continue
            if np.isnan(values).any() or np.isposinf(values).any():
                raise ValueError(f"The lattice's {name} scores hold NaN or +inf.")
            if name == "hold" and np.isneginf(values[1:]).any():
                raise ValueError("The lattice's hold scores hold -inf.")
            _trust(values)

    def path_score(self, chords: list[int]) -> float:
        score = self.start[chords[0]] + self.emission[0, chords[0]]
        for t in range(1, len(chords)):
            kept = self.hold[t] if self.hold is not None and chords[t] == chords[t - 1] else 0.0
            score += (self.transition[chords[t - 1], chords[t]] + kept) + self.emission[t, chords[t]]
        return float(score + self.end[chords[-1]])


@dataclass(frozen=True)
class Path:
    """One progression: a chord index per slot and its total log score."""

    chords: tuple[int, ...]
    score: float


def viterbi(lattice: Lattice) -> Path:
    """The best progression; raises OptionError if every progression is impossible."""
    return k_best(lattice, 1)[0]


def k_best(lattice: Lattice, k: int) -> list[Path]:
    """The ``k`` best distinct progressions, best first (fewer if fewer are possible).

    For ``k > 1`` the lattice is first pruned exactly: a chord whose best
    path (its max-marginal, from a max-product forward and backward pass)
    scores below a proven lower bound on the k-th best path cannot be on any
    of the k best, so the list Viterbi runs only over the few chords that
    survive.  Ties break as in the dense algorithm: earlier chord first.
    """
    k = max(1, int(k))
    if k == 1:
        return [_viterbi(lattice)]
    survivors = _survivors(lattice, k)
    if survivors is None:
        return _dense_k_best(lattice, k)
    return _sparse_k_best(lattice, k, survivors)


def _viterbi(lattice: Lattice) -> Path:
    """The single best path: max-product forward pass, then follow the back pointers."""
    emission = lattice.emission
    slots, chords = emission.shape
    transposed = np.ascontiguousarray(lattice.transition.T)  # [next, previous]: rows contiguous
    rows = np.arange(chords)
    hold, kept = lattice.hold, np.diag(lattice.transition).copy()
    back = np.empty((slots, chords), dtype=np.intp)
    scores = lattice.start + emission[0]
    for t in range(1, slots):
        candidates = transposed + scores
        if hold is not None:
            candidates[rows, rows] = (kept + hold[t]) + scores
        winner = candidates.argmax(axis=1)
        back[t] = winner
        scores = candidates[rows, winner] + emission[t]
    final = scores + lattice.end
    chord = int(final.argmax())
    if not np.isfinite(final[chord]):
        raise OptionError("No chord progression satisfies the constraints: every path is impossible.")
    sequence = [chord]
    pointers = back.tolist()
    for t in range(slots - 1, 0, -1):
        chord = pointers[t][chord]
        sequence.append(chord)
    return Path(tuple(reversed(sequence)), float(final[sequence[0]]))


#: Above this many chords left in any slot, the dense numpy list Viterbi is faster than the
#: pure-Python one over the survivors (measured on lattices of the 46-chord vocabulary).
_SPARSE_LIMIT = 6


def _survivors(lattice: Lattice, k: int) -> list[list[int]] | None:
    """Per slot, the chords that can be on one of the ``k`` best paths (None: too many, or
    scores too large to bound the rounding of)."""
    emission, transition = lattice.emission, lattice.transition
    slots, chords = emission.shape
    # Max-marginals are sums in another order than path scores: allow for their rounding, which
    # scales with the largest terms summed (huge scores of opposite sign can cancel).
    hold = 0.0 if lattice.hold is None else _largest(lattice.hold[1:])
    magnitude = slots * (_largest(emission) + _largest(transition) + hold) + _largest(lattice.start) \
        + _largest(lattice.end)
    if not magnitude < 1e300:
        return None
    diagonal, kept = np.arange(chords), np.diag(transition).copy()
    forward = np.empty_like(emission)
    forward[0] = lattice.start + emission[0]
    for t in range(1, slots):
        candidates = forward[t - 1][:, None] + transition
        if lattice.hold is not None:
            candidates[diagonal, diagonal] = forward[t - 1] + (kept + lattice.hold[t])
        forward[t] = candidates.max(axis=0) + emission[t]
    backward = np.empty_like(emission)
    backward[-1] = lattice.end
    for t in range(slots - 2, -1, -1):
        ahead = emission[t + 1] + backward[t + 1]
        candidates = transition + ahead[None, :]
        if lattice.hold is not None:
            candidates[diagonal, diagonal] = (kept + lattice.hold[t + 1]) + ahead
        backward[t] = candidates.max(axis=1)
    marginal = forward + backward  # the best score of any path through (slot, chord)
    # At any one slot, k distinct chords with max-marginal >= m give k distinct paths scoring
    # >= m, so the largest k-th max-marginal of a slot is a lower bound on the k-th best path.
    if k <= chords:
        bound = float(np.partition(marginal, chords - k, axis=1)[:, chords - k].max())
    else:
        bound = -np.inf
    if np.isfinite(bound):
        keep = marginal >= bound - 1e-9 * (1.0 + magnitude)
    else:
        keep = np.isfinite(marginal)
    counts = keep.sum(axis=1)
    if counts.max() > _SPARSE_LIMIT or counts.min() == 0:
        return None
    survivors: list[list[int]] = [[] for _ in range(slots)]
    for t, c in zip(*np.nonzero(keep)):
        survivors[t].append(int(c))
    return survivors


def _largest(values: np.ndarray) -> float:
    """The largest finite magnitude among ``values`` (0 if none is finite); remembered for
    frozen arrays (the engine's chain scores)."""
    entry = _LARGEST.get(id(values))
    if entry is not None and entry[0] is values:
        return entry[1]
    largest = float(np.abs(np.where(np.isfinite(values), values, 0.0)).max(initial=0.0))
    if is_frozen(values):
        if len(_LARGEST) >= _CACHE_LIMIT:
            _LARGEST.clear()
        _LARGEST[id(values)] = (values, largest)
    return largest


def _sparse_k_best(lattice: Lattice, k: int, survivors: list[list[int]]) -> list[Path]:
    """List Viterbi in plain Python over each slot's surviving chords."""
    slots = len(survivors)
    # Gather every score the recursion reads with three numpy calls.
    emission = lattice.emission
    flat = emission[[t for t, chords in enumerate(survivors) for _ in chords],
                    [c for chords in survivors for c in chords]].tolist()
    em, offset = [], 0
    for chords in survivors:
        em.append(flat[offset:offset + len(chords)])
        offset += len(chords)
    previous_index = [p for t in range(1, slots) for p in survivors[t - 1] for _ in survivors[t]]
    next_index = [c for t in range(1, slots) for _ in survivors[t - 1] for c in survivors[t]]
    gathered = lattice.transition[previous_index, next_index] if previous_index else np.zeros(0)
    if lattice.hold is not None and previous_index:  # the hold joins the move first (Lattice)
        held = np.asarray(previous_index) == np.asarray(next_index)
        slot_of = np.repeat(np.arange(1, slots), [len(survivors[t - 1]) * len(survivors[t])
                                                  for t in range(1, slots)])
        gathered = np.where(held, gathered + lattice.hold[slot_of], gathered)
    moves = gathered.tolist()
    start = lattice.start[survivors[0]].tolist()
    end = lattice.end[survivors[-1]].tolist()
    # beams[i]: up to k (score, previous position, previous rank) for the i-th survivor, best first
    beams: list[list[tuple[float, int, int]]] = [
        [(s + e, -1, -1)] for s, e in zip(start, em[0])]
    history = [beams]
    cursor = 0
    for t in range(1, slots):
        before, here = survivors[t - 1], survivors[t]
        width = len(here)
        new_beams = []
        for j in range(width):
            candidates = []
            for i in range(len(before)):
                move = moves[cursor + i * width + j]
                for rank, entry in enumerate(beams[i]):
                    candidates.append((entry[0] + move, i, rank))
            # sorted() is stable: among equal scores the earlier chord and rank come first.
            candidates.sort(key=lambda entry: -entry[0])
            emitted = em[t][j]
            new_beams.append([(score + emitted, i, rank) for score, i, rank in candidates[:k]
                              if score + emitted > -np.inf])
        cursor += len(before) * width
        beams = new_beams
        history.append(beams)
    finals = [(entry[0] + end[j], j, rank) for j, beam in enumerate(beams)
              for rank, entry in enumerate(beam)]
    finals.sort(key=lambda entry: -entry[0])
    paths: list[Path] = []
    for score, j, rank in finals[:k]:
        if not np.isfinite(score):  # as the dense search: -inf is impossible, +inf an overflow
            break
        sequence = []
        for t in range(slots - 1, -1, -1):
            sequence.append(survivors[t][j])
            _, j, rank = history[t][j][rank]
        paths.append(Path(tuple(reversed(sequence)), float(score)))
    if not paths:
        raise OptionError("No chord progression satisfies the constraints: every path is impossible.")
    return paths


def _dense_k_best(lattice: Lattice, k: int) -> list[Path]:
    """List Viterbi over every chord of every slot, vectorised per slot."""
    emission = lattice.emission
    slots, chords = emission.shape
    # scores[c, r]: r-th best score of a path ending in chord c at the current slot
    scores = np.full((chords, k), -np.inf)
    scores[:, 0] = lattice.start + emission[0]
    back_chord = np.zeros((slots, chords, k), dtype=np.int32)
    back_rank = np.zeros((slots, chords, k), dtype=np.int32)
    transposed = np.ascontiguousarray(lattice.transition.T)
    row_index, kept = np.arange(chords), np.diag(lattice.transition).copy()
    for t in range(1, slots):
        # candidates[c, p * k + r] = scores[p, r] + transition[p, c]: rows are contiguous
        stacked = transposed[:, :, None] + scores[None, :, :]
        if lattice.hold is not None:
            stacked[row_index, row_index, :] = (kept + lattice.hold[t])[:, None] + scores
        candidates = stacked.reshape(chords, chords * k)
        if k == 1:
            winner = np.argmax(candidates, axis=1)
            best = winner[:, None]
            new_scores = candidates[row_index, winner][:, None]  # (chords, 1)
        else:
            # k rounds of argmax with the winners masked: for small k far cheaper than sorting.
            # Values are read before masking, so an exhausted row yields -inf, never a repeat.
            work = candidates  # a fresh array: masking it in place is safe
            best = np.empty((chords, k), dtype=np.intp)
            new_scores = np.empty((chords, k))
            rows = np.arange(chords)
            for rank in range(k):
                winner = np.argmax(work, axis=1)
                best[:, rank] = winner
                new_scores[:, rank] = work[rows, winner]
                work[rows, winner] = -np.inf
        back_chord[t] = best // k
        back_rank[t] = best % k
        scores = new_scores + emission[t][:, None]
    final = (scores + lattice.end[:, None]).reshape(-1)
    order = np.argsort(-final, kind="stable")[:k]
    paths: list[Path] = []
    for flat in order:
        if not np.isfinite(final[flat]):
            break
        chord, rank = int(flat // k), int(flat % k)
        sequence = [chord]
        for t in range(slots - 1, 0, -1):
            chord, rank = int(back_chord[t, chord, rank]), int(back_rank[t, chord, rank])
            sequence.append(chord)
        paths.append(Path(tuple(reversed(sequence)), float(final[flat])))
    if not paths:
        raise OptionError("No chord progression satisfies the constraints: every path is impossible.")
    return paths


def posteriors(lattice: Lattice, temperature: float = 1.0) -> tuple[np.ndarray, float]:
    """P(slot t has chord c | melody), shape (slots, chords), rows summing to 1, and the
    log partition function (so a path's probability is ``exp(score / T - log_z)``).

    Scores are divided by ``temperature`` first (calibrated on held-out songs
    and stored with the model).  The recursions run in probability space,
    rescaled at every slot (Rabiner 1989, section V.A), which is exact and
    several times faster than log-space sums.
    """
    if not temperature > 0:
        raise OptionError(f"The temperature must be > 0. Got {temperature}.")
    slots, _ = lattice.emission.shape

    def scaled(values: np.ndarray, axis: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        peak = np.max(values, axis=axis, keepdims=axis is not None)
        peak = np.where(np.isfinite(peak), peak, 0.0)
        return np.exp((values - peak) / temperature), peak / temperature

    def scaled_once(values: np.ndarray) -> tuple[np.ndarray, float]:
        if not is_frozen(values):
            exponent, peak = scaled(values)
            return exponent, float(peak)
        key = (id(values), temperature)
        entry = _SCALED.get(key)
        if entry is None or entry[0] is not values:
            if len(_SCALED) >= _CACHE_LIMIT:
                _SCALED.clear()
            exponent, peak = scaled(values)
            entry = _SCALED[key] = (values, exponent, float(peak))
        return entry[1], entry[2]

    emission, emission_peak = scaled(lattice.emission, axis=1)
    transition, transition_peak = scaled_once(lattice.transition)
    start, start_peak = scaled_once(lattice.start)
    end, end_peak = scaled_once(lattice.end)
    # A hold multiplies the diagonal of slot t's exponentiated transitions by exp(hold[t] / T):
    # (v @ E_t)[c] = (v @ E)[c] + v[c] E[c, c] (exp(hold[t] / T) - 1), and E_t @ v alike.
    diagonal = np.diag(transition).copy()
    extra = None if lattice.hold is None else np.expm1(lattice.hold / temperature)

    def into(t: int, values: np.ndarray) -> np.ndarray:
        moved = values @ transition
        return moved if extra is None else moved + values * diagonal * extra[t]

    def out_of(t: int, values: np.ndarray) -> np.ndarray:
        moved = transition @ values
        return moved if extra is None else moved + values * diagonal * extra[t]

    forward = np.empty_like(emission)
    scale = np.empty(slots)
    current = start * emission[0]
    for t in range(slots):
        if t:
            current = into(t, forward[t - 1]) * emission[t]
        total = current.sum()
        if not total > 0:
            raise OptionError("No chord progression satisfies the constraints: every path is impossible.")
        scale[t] = total
        forward[t] = current / total
    backward = np.empty_like(emission)
    backward[-1] = end
    for t in range(slots - 2, -1, -1):
        backward[t] = out_of(t + 1, emission[t + 1] * backward[t + 1]) / scale[t + 1]
    joint = forward * backward
    sums = joint.sum(axis=1, keepdims=True)
    marginals = joint / np.where(sums > 0, sums, 1.0)
    closing = float(forward[-1] @ end)
    log_z = (float(np.log(scale).sum() + emission_peak.sum()) + (slots - 1) * float(transition_peak)
             + float(start_peak) + float(end_peak) + float(np.log(closing)))
    return marginals, log_z
