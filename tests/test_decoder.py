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


def _assert_posteriors_match(lattice, ranked, temperature):
    """Forward-backward's marginals and partition against the brute-force sum over ``ranked``
    (every path with its score, best first)."""
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


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_posteriors_match_brute_force(temperature):
    lattice = _random_lattice(11)
    ranked = _all_paths(lattice)
    _assert_posteriors_match(lattice, ranked, temperature)


def _held_score(lattice, path):
    """A path's score written out on its own: the chain's, plus the hold wherever a chord stays."""
    score = lattice.start[path[0]] + lattice.emission[0, path[0]] + lattice.end[path[-1]]
    for t in range(1, len(path)):
        score += lattice.transition[path[t - 1], path[t]] + lattice.emission[t, path[t]]
        score += lattice.hold[t] if path[t] == path[t - 1] else 0.0
    return score


@pytest.mark.parametrize("seed", range(4))
def test_a_hold_per_slot_is_decoded_as_brute_force_scores_it(seed):
    rng = np.random.default_rng(100 + seed)
    plain = _random_lattice(seed, slots=5, chords=3)
    # a strong hold: negative (change!) at even slots, positive (stay!) at odd ones
    hold = np.where(np.arange(5) % 2 == 0, -2.0, 2.0) + rng.normal(size=5) * 0.3
    lattice = Lattice(plain.emission, plain.transition, plain.start, plain.end, hold)
    ranked = sorted(((_held_score(lattice, p), p) for p in itertools.product(range(3), repeat=5)),
                    reverse=True)
    assert (ranked[0][1] != viterbi(plain).chords) == (seed < 3)  # the hold moved three of the four
    assert viterbi(lattice).chords == ranked[0][1]
    assert viterbi(lattice).score == pytest.approx(ranked[0][0])
    assert lattice.path_score(list(ranked[3][1])) == pytest.approx(ranked[3][0])
    top = k_best(lattice, 7)
    assert [p.chords for p in top] == [p for _, p in ranked[:7]]
    assert [p.score for p in top] == pytest.approx([s for s, _ in ranked[:7]])
    temperature = 0.7
    _assert_posteriors_match(lattice, ranked, temperature)


def test_a_hold_must_give_every_slot_a_finite_score():
    lattice = _random_lattice(2)
    with pytest.raises(ValueError, match="shapes"):
        Lattice(lattice.emission, lattice.transition, lattice.start, lattice.end, np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        Lattice(lattice.emission, lattice.transition, lattice.start, lattice.end,
                np.array([0.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="-inf"):
        Lattice(lattice.emission, lattice.transition, lattice.start, lattice.end,
                np.array([0.0, -np.inf, 0.0, 0.0]))


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


def test_pruned_k_best_and_viterbi_equal_the_dense_list_viterbi():
    # k_best prunes chords that cannot be on the k best paths; on lattices with ties, -inf
    # (impossible) chords and the engine's 44-chord size it must return what the dense
    # algorithm returns, path for path.
    from harmonizer.decoder import _dense_k_best

    rng = np.random.default_rng(7)
    pruned_runs = 0
    for _ in range(400):
        slots, chords, k = int(rng.integers(1, 9)), int(rng.choice([3, 5, 44])), int(rng.integers(1, 7))
        emission = rng.normal(size=(slots, chords)) * rng.choice([0.1, 1.0, 3.0])
        if rng.random() < 0.3:
            emission[rng.random((slots, chords)) < 0.5] = -np.inf
        transition = rng.normal(size=(chords, chords))
        if rng.random() < 0.3:  # coarse values: many exact ties
            emission, transition = np.round(emission, 1), np.round(transition, 1)
        hold = rng.normal(size=slots) if rng.random() < 0.4 else None  # a bar line's hold
        lattice = Lattice(emission, transition, rng.normal(size=chords), rng.normal(size=chords), hold)
        try:
            expected = _dense_k_best(lattice, k)
        except OptionError:
            with pytest.raises(OptionError):
                k_best(lattice, k)
            continue
        got = k_best(lattice, k)
        assert [p.chords for p in got] == [p.chords for p in expected]
        assert [p.score for p in got] == pytest.approx([p.score for p in expected])
        pruned_runs += chords == 44
    assert pruned_runs > 50


def test_read_only_chain_scores_are_checked_once_and_still_checked():
    lattice = _random_lattice(5)
    transition = lattice.transition.copy()
    transition.setflags(write=False)
    first = posteriors(Lattice(lattice.emission, transition, lattice.start, lattice.end), 0.7)
    again = posteriors(Lattice(lattice.emission, transition, lattice.start, lattice.end), 0.7)
    np.testing.assert_array_equal(first[0], again[0])
    broken = transition.copy()
    broken[0, 0] = np.nan
    broken.setflags(write=False)
    with pytest.raises(ValueError, match="NaN"):
        Lattice(lattice.emission, broken, lattice.start, lattice.end)


def test_pruning_stays_exact_when_huge_scores_cancel():
    lattice = Lattice(np.array([[1e8, 1e8], [-1e8 + 0.2, -1e8 + 0.1]]), np.array([[0.2, 0.2], [0.1, 0.2]]),
                      np.array([0.2, 0.2]), np.array([0.1, 0.2]))
    from harmonizer.decoder import _dense_k_best

    assert [p.chords for p in k_best(lattice, 2)] == [p.chords for p in _dense_k_best(lattice, 2)]


def test_a_read_only_view_of_a_changing_array_is_not_cached():
    lattice = _random_lattice(8)
    base = lattice.transition.copy()
    view = base.view()
    view.setflags(write=False)
    before, _ = posteriors(Lattice(lattice.emission, view, lattice.start, lattice.end))
    base[:, 0] -= 50.0  # the view changes with its base
    after, _ = posteriors(Lattice(lattice.emission, view, lattice.start, lattice.end))
    assert after[1:, 0].max() < before[1:, 0].max()
    base[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Lattice(lattice.emission, view, lattice.start, lattice.end)
