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
    for t in range(1, slots):
        # candidates[p, r, c] = scores[p, r] + transition[p, c]
        candidates = (scores[:, :, None] + transition[:, None, :]).reshape(chords * k, chords)
        if k == 1:
            best = np.argmax(candidates, axis=0)[None, :]
        else:
            best = np.argsort(-candidates, axis=0, kind="stable")[:k]
        new_scores = np.take_along_axis(candidates, best, axis=0).T  # (chords, k)
        back_chord[t] = (best // k).T
        back_rank[t] = (best % k).T
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


def _logsumexp(values: np.ndarray, axis: int) -> np.ndarray:
    peak = np.max(values, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    total = np.log(np.sum(np.exp(values - peak), axis=axis, keepdims=True)) + peak
    return np.squeeze(total, axis=axis)


def posteriors(lattice: Lattice, temperature: float = 1.0) -> tuple[np.ndarray, float]:
    """P(slot t has chord c | melody), shape (slots, chords), rows summing to 1, and the
    log partition function (so a path's probability is ``exp(score / T - log_z)``).

    Scores are divided by ``temperature`` first (calibrated on held-out songs
    and stored with the model).
    """
    if not temperature > 0:
        raise OptionError(f"The temperature must be > 0. Got {temperature}.")
    emission = lattice.emission / temperature
    transition = lattice.transition / temperature
    slots, _ = emission.shape
    forward = np.empty_like(emission)
    backward = np.zeros_like(emission)
    forward[0] = lattice.start / temperature + emission[0]
    for t in range(1, slots):
        forward[t] = _logsumexp(forward[t - 1][:, None] + transition, axis=0) + emission[t]
    backward[-1] = lattice.end / temperature
    for t in range(slots - 2, -1, -1):
        backward[t] = _logsumexp(transition + (emission[t + 1] + backward[t + 1])[None, :], axis=1)
    joint = forward + backward
    total = _logsumexp(joint, axis=1)
    with np.errstate(invalid="ignore"):
        result = np.exp(joint - total[:, None])
    return np.nan_to_num(result, nan=0.0), float(_logsumexp(forward[-1] + backward[-1], axis=0))
