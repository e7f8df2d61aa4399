"""Whole-piece decoding over the (slot x chord) lattice.

The lattice is a first-order chain: each slot's chord has a local score
(emission), each pair of neighbouring chords a transition score, and the
first and last chords a start and end score.  All scores are natural logs of
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

__all__ = ["Lattice", "Path", "viterbi", "k_best", "posteriors"]


@dataclass(frozen=True)
class Lattice:
    """Log scores: ``emission`` (slots, chords), ``transition`` (chords, chords) indexed
    [previous, next], ``start`` and ``end`` (chords)."""

    emission: np.ndarray
    transition: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def __post_init__(self) -> None:
        slots, chords = self.emission.shape
        if slots == 0:
            raise OptionError("Nothing to decode: the lattice has no slots.")
        if self.transition.shape != (chords, chords) or self.start.shape != (chords,) \
                or self.end.shape != (chords,):
            raise ValueError("Lattice shapes do not agree.")
        for name in ("emission", "transition", "start", "end"):
            values = getattr(self, name)
            if np.isnan(values).any() or np.isposinf(values).any():
                raise ValueError(f"The lattice's {name} scores hold NaN or +inf.")

    def path_score(self, chords: list[int]) -> float:
        score = self.start[chords[0]] + self.emission[0, chords[0]]
        for t in range(1, len(chords)):
            score += self.transition[chords[t - 1], chords[t]] + self.emission[t, chords[t]]
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
    """The ``k`` best distinct progressions, best first (fewer if fewer are possible)."""
    emission, transition = lattice.emission, lattice.transition
    slots, chords = emission.shape
    k = max(1, int(k))
    # scores[c, r]: r-th best score of a path ending in chord c at the current slot
    scores = np.full((chords, k), -np.inf)
    scores[:, 0] = lattice.start + emission[0]
    back_chord = np.zeros((slots, chords, k), dtype=np.int32)
    back_rank = np.zeros((slots, chords, k), dtype=np.int32)
    transposed = np.ascontiguousarray(transition.T)
    row_index = np.arange(chords)
    for t in range(1, slots):
        # candidates[c, p * k + r] = scores[p, r] + transition[p, c]: rows are contiguous
        candidates = (transposed[:, :, None] + scores[None, :, :]).reshape(chords, chords * k)
        if k == 1:
            winner = np.argmax(candidates, axis=1)
            best = winner[:, None]
            new_scores = candidates[row_index, winner][:, None]  # (chords, 1)
        else:
            # k rounds of argmax with the winners masked: for small k far cheaper than sorting.
            # Values are read before masking, so an exhausted row yields -inf, never a repeat.
            work = candidates.copy()
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

    emission, emission_peak = scaled(lattice.emission, axis=1)
    transition, transition_peak = scaled(lattice.transition)
    start, start_peak = scaled(lattice.start)
    end, end_peak = scaled(lattice.end)
    forward = np.empty_like(emission)
    scale = np.empty(slots)
    current = start * emission[0]
    for t in range(slots):
        if t:
            current = (forward[t - 1] @ transition) * emission[t]
        total = current.sum()
        if not total > 0:
            raise OptionError("No chord progression satisfies the constraints: every path is impossible.")
        scale[t] = total
        forward[t] = current / total
    backward = np.empty_like(emission)
    backward[-1] = end
    for t in range(slots - 2, -1, -1):
        backward[t] = transition @ (emission[t + 1] * backward[t + 1]) / scale[t + 1]
    joint = forward * backward
    sums = joint.sum(axis=1, keepdims=True)
    marginals = joint / np.where(sums > 0, sums, 1.0)
    closing = float(forward[-1] @ end)
    log_z = (float(np.log(scale).sum() + emission_peak.sum()) + (slots - 1) * float(transition_peak)
             + float(start_peak) + float(end_peak) + float(np.log(closing)))
    return marginals, log_z
