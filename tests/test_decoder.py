"""Decoder checked against brute force on small random lattices."""

import itertools

import numpy as np
import pytest

from harmonizer.decoder import Lattice, k_best, posteriors, viterbi
from harmonizer.errors import OptionError


def _random_lattice(seed, slots=4, chords=3):
    rng = np.random.default_rng(seed)
    return Lattice(rng.normal(size=(slots, chords)), rng.normal(size=(chords, chords)),
                   rng.normal(size=chords), rng.normal(size=chords))


def _all_paths(lattice):
    slots, chords = lattice.emission.shape
    return sorted(((lattice.path_score(list(p)), p) for p in itertools.product(range(chords), repeat=slots)),
                  reverse=True)


@pytest.mark.parametrize("seed", range(5))
def test_viterbi_and_k_best_match_brute_force(seed):
    lattice = _random_lattice(seed)
    ranked = _all_paths(lattice)
    best = viterbi(lattice)
    assert best.chords == ranked[0][1]
    assert best.score == pytest.approx(ranked[0][0])
    top = k_best(lattice, 6)
    assert [p.chords for p in top] == [p for _, p in ranked[:6]]
    assert len({p.chords for p in top}) == 6


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_posteriors_match_brute_force(temperature):
    lattice = _random_lattice(11)
    ranked = _all_paths(lattice)
    scores = np.array([s for s, _ in ranked]) / temperature
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    expected = np.zeros(lattice.emission.shape)
    for w, (_, path) in zip(weights, ranked):
        for t, c in enumerate(path):
            expected[t, c] += w
    marginals, log_z = posteriors(lattice, temperature)
    np.testing.assert_allclose(marginals, expected, atol=1e-9)
    assert np.exp(ranked[0][0] / temperature - log_z) == pytest.approx(weights[0])


def test_impossible_constraints_are_an_error_not_an_answer():
    lattice = _random_lattice(3)
    blocked = Lattice(np.full_like(lattice.emission, -np.inf), lattice.transition, lattice.start, lattice.end)
    with pytest.raises(OptionError, match="impossible"):
        viterbi(blocked)


def test_nan_scores_are_refused():
    lattice = _random_lattice(4)
    emission = lattice.emission.copy()
    emission[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Lattice(emission, lattice.transition, lattice.start, lattice.end)
