"""How a style decodes: its factor weights, prior correction and variety, chosen on validation songs.

The decoder adds, per slot, ``w_h * log fit + w_v * log efficiency + w_c * log P(chord | previous)``
after dividing ``P(chord) ** beta`` out of the fit, and a song-level bonus for the chords the
piece uses least, weighted by ``variety`` (see :mod:`harmonizer.variety`).  The scorer is trained
once; these numbers only say how much to trust each factor, so they are chosen afterwards, like
the language-model weight of a speech recogniser: every combination of :data:`PRIOR_CORRECTIONS`,
:data:`DECODING_WEIGHTS` and the varieties (each of :data:`VARIETIES`, "auto" and "colour" at each of
:data:`COVERAGE_SHARES` of the chord coverage of the training songs, :func:`coverage_of`)
decodes the validation songs (key given) and :func:`choose_decoding` applies the rule below.
The scorer's output for the validation songs is computed once, and so is each lattice's
expected chord histogram (which the variety bonus reads) and its best path per bonus, shared
by the fixed varieties, "auto" and "colour"; only the Viterbi path is redone per trial.

The rule is the issue's targets, measured on the validation songs.  First, agreement: same-root
agreement above the bigram HMM's and at least 1.5 times the notebook algorithm's, both run on
the same songs with the corpus key (:func:`baseline_roots`); a trial that loses either target is
not taken.  (Where no trial keeps both, or no baselines are given, the trials within
:data:`TARGETS_PRICE` of the best exact agreement take their place.)  Of those trials it takes
the most accurate that meets the cadences (phrase-final slots on a tonic, half or deceptive
cadence, as :mod:`harmonizer.evaluation` counts them, at least as often as in the human chords)
and the variety (chord histogram entropy and chord coverage within :data:`VARIETY_TOLERANCE` of
the human chords'); else the most accurate that meets the cadences; else the most accurate.
Accuracy is exact agreement plus same-root agreement (:func:`accuracy`): the chord's quality and
its root count alike.  Exact agreement alone, the rule until stop 23, ignored the root the
issue's targets are stated on: it took pop's decoding for 0.2 points more exact agreement on
validation at a cost of 0.4 points of same root, and classical's for 0.5 at 2.4 (both trials
are in the cards' ``decoding.validation``).  Equal
accuracy goes to the better same-root agreement, then to the trial tried first (smaller
``beta``, then the order of :data:`DECODING_WEIGHTS`, then smaller variety, the fixed ones
before "auto" before "colour", then the smaller share).

A style trained with guard corpora (``--guard-corpus``) also keeps its variety bonus from
overturning the chords of ordinary melodies (:class:`VarietyGuard`): each step of the rule above
passes over a trial whose bonus costs the guard songs more than :data:`GUARD_TOLERANCE` of
same-root agreement against the same prior correction and weights without a bonus.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..engine import Weights, build_lattice
from ..features import build_features
from ..scorer import ModelBundle
from ..theory import Key
from ..variety import (
    AUTO,
    AUTO_VARIETIES,
    COLOUR,
    COLOUR_VARIETIES,
    BestPaths,
    ChordCoverage,
    auto_variety,
    coloured_paths,
    fit_coverage,
)
from ..vocabulary import VOCABULARY
from .dataset import SongSlots, prepared_splits

__all__ = ["PRIOR_CORRECTIONS", "DECODING_WEIGHTS", "VARIETIES", "VARIETY_TOLERANCE", "TARGETS_PRICE",
           "SELECTION_WEIGHTS", "decoding_trials", "choose_decoding", "accuracy", "path_agreement",
           "song_fits", "add_variety", "baseline_roots", "COVERAGE_SHARES", "COVERAGE_RULE",
           "coverage_of", "coverage_or_none", "chosen_coverage", "coverage_entry", "GUARD_TOLERANCE",
           "guard_songs", "VarietyGuard"]

#: Shares of the chord prior divided out of the scorer's output (``beta``).
PRIOR_CORRECTIONS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
#: Factor weights (harmonic fit, voice leading, context) tried: every split of 1 in tenths that
#: gives the harmonic fit, the only factor that reads the melody, at least 0.4, and the context
#: at least 0.1 (without it the decoder would forget the style's learned progressions, and its
#: cadences, which come from the learned end probabilities).  21 of them.
DECODING_WEIGHTS = tuple(Weights(h / 10, v / 10, (10 - h - v) / 10)
                         for h in range(4, 10) for v in range(0, 10 - h))
#: The weights candidate models are compared at (the original notebook's): a fixed yardstick,
#: so that choosing the scorer and choosing its decoding stay two separate steps.
SELECTION_WEIGHTS = Weights()
#: The variety bonuses tried (0: none; by 0.4 the bonus outweighs the fit in most slots).
VARIETIES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
#: The shares of the style's chord coverage "auto" and "colour" are tried at (harmonizer.variety).
COVERAGE_SHARES = (0.8, 0.9, 1.0)
VARIETY_TOLERANCE = 0.15
#: How a card's ``decoding.coverage`` was found, as the card says it.
COVERAGE_RULE = ("different chords = share * scale * slots ** exponent: scale and exponent by least "
                 "squares in logs over the training songs' human chords (different vocabulary chords "
                 "against slots, per song); below min_slots (the shortest of those songs) the law is "
                 "not extrapolated: its value at min_slots times slots / min_slots; share: the chosen "
                 "trial's (variety 'auto' or 'colour'), else 1")
#: The most exact agreement (share of slots) the targets may cost against the best trial.
TARGETS_PRICE = 0.03
#: Same-root agreement on ordinary melodies (the guard songs, share of slots) that a style's
#: variety bonus, or the blues' blend of its forms, may give up.
GUARD_TOLERANCE = 0.01


def path_agreement(songs: Sequence[SongSlots], paths: Sequence[Sequence[int]]) -> dict[str, float]:
    """Exact and same-root agreement of ``paths`` (vocabulary indices, one per slot) with the
    songs' human chords over the labelled slots, and the chord histogram entropy and coverage
    of ours and the human's (Yeh et al. 2021; per song, averaged)."""
    # imported here: harmonizer.evaluation imports the training package
    from ..evaluation.evaluate import cadence_kind
    from ..evaluation.metrics import TimedChord

    slots = exact = root = phrase_ends = cadences_ours = cadences_human = 0
    variety: dict[str, list[float]] = defaultdict(list)
    for prepared, path in zip(songs, paths):
        key = prepared.song.key
        ours: list[TimedChord] = []
        human: list[TimedChord] = []
        for t, (slot, label, index) in enumerate(zip(prepared.grid.slots, prepared.labels, path)):
            if label is None:
                continue
            chord, truth = VOCABULARY[int(index)], VOCABULARY[label]
            slots += 1
            exact += chord.index == truth.index
            root += chord.root == truth.root
            ours.append(TimedChord(slot.onset, slot.duration, chord.root_pitch_class(key), chord.quality))
            human.append(TimedChord(slot.onset, slot.duration, truth.root_pitch_class(key), truth.quality))
            if slot.phrase_end:  # the cadence, as harmonizer.evaluation counts it
                ours_before, human_before = (path[t - 1], prepared.labels[t - 1]) if t > 0 else (None, None)
                phrase_ends += 1
                cadences_ours += cadence_kind(ours[-1].root, chord.quality, _root(ours_before, key),
                                              key) is not None
                cadences_human += cadence_kind(human[-1].root, truth.quality, _root(human_before, key),
                                               key) is not None
        add_variety(variety, ours, human)
    count, ends = max(slots, 1), max(phrase_ends, 1)
    return {"exact": round(exact / count, 4), "root": round(root / count, 4),
            "cadence_ours": round(cadences_ours / ends, 4), "cadence_human": round(cadences_human / ends, 4),
            **{name: round(float(np.mean(values)), 4) for name, values in variety.items() if values}}


def add_variety(variety: dict[str, list[float]], ours: Sequence[Any], human: Sequence[Any]) -> None:
    """Append one song's chord histogram entropy and chord coverage, ours and the human's on the
    same labelled slots (Yeh et al. 2021), to ``variety`` (a song without labels adds nothing)."""
    from ..evaluation.metrics import chord_coverage, chord_histogram_entropy

    if human:
        variety["che_ours"].append(chord_histogram_entropy(ours))
        variety["che_human"].append(chord_histogram_entropy(human))
        variety["cc_ours"].append(chord_coverage(ours))
        variety["cc_human"].append(chord_coverage(human))


def song_fits(songs: Sequence[SongSlots], bundle: ModelBundle) -> list[np.ndarray]:
    """The scorer's distribution over each slot's candidates, per song (one ONNX call a song),
    as the engine computes it; it depends on neither the weights nor the prior correction."""
    fits = []
    for prepared in songs:
        features, _ = build_features(prepared.grid, prepared.mode, bundle.log_prior[prepared.mode])
        fits.append(bundle.chord_fit(features, len(prepared.grid)))
    return fits


def _root(index: int | None, key: Key) -> int | None:
    """The root pitch class of vocabulary chord ``index`` in ``key`` (None for None)."""
    return None if index is None else VOCABULARY[int(index)].root_pitch_class(key)


def coverage_of(songs: Sequence[SongSlots]) -> ChordCoverage:
    """The chord coverage of ``songs``' human chords: how many different vocabulary chords a song
    of so many slots uses (:func:`~harmonizer.variety.fit_coverage` over the songs)."""
    return fit_coverage([len(p.grid) for p in songs],
                        [len({label for label in p.labels if label is not None}) for p in songs])


def coverage_or_none(songs: Sequence[SongSlots], what: str,
                     log: Callable[[str], None]) -> ChordCoverage | None:
    """:func:`coverage_of` ``songs`` (the ``what``: "training songs"), or None where none can be
    fitted (too few songs, or all of one length): then no trial decodes "auto" or "colour"."""
    try:
        coverage: ChordCoverage | None = coverage_of(songs)
    except ValueError as error:
        coverage = None
        log(f"no chord coverage: {error}")
    log(f"chord coverage of the {what}: {coverage}")
    return coverage


def chosen_coverage(coverage: ChordCoverage | None, trial: Mapping[str, Any]) -> ChordCoverage | None:
    """The coverage a style decodes with: ``coverage`` at the share of the chosen ``trial``
    (an "auto" or "colour" one), else at the human chords' own (1)."""
    return None if coverage is None else dataclasses.replace(coverage, share=trial.get("coverage_share", 1.0))


def coverage_entry(coverage: ChordCoverage | None, songs: int, what: str) -> dict[str, Any]:
    """The card's ``decoding.coverage`` (with the count and kind of songs it was fitted on and
    its rule), as a dict to merge: empty without a coverage."""
    if coverage is None:
        return {}
    return {"coverage": {**coverage.to_dict(), "fitted_on": f"{songs} {what}",
                         "rule": COVERAGE_RULE.replace("training songs", what)}}


def decoding_trials(songs: Sequence[SongSlots], bundle: ModelBundle,
                    corrections: Sequence[float] = PRIOR_CORRECTIONS,
                    weights: Sequence[Weights] = DECODING_WEIGHTS,
                    fits: Sequence[np.ndarray] | None = None,
                    varieties: Sequence[float] = VARIETIES,
                    coverage: ChordCoverage | None = None,
                    shares: Sequence[float] = COVERAGE_SHARES) -> list[dict[str, Any]]:
    """Decode ``songs`` (each in its own key) with every correction, weights and variety, and
    with ``coverage`` (the style's, fitted on its training songs) the varieties "auto" and
    "colour" at every share of it; one record per trial: ``prior_correction``, ``weights``
    (harmonic, voice leading, context), ``variety`` (with ``coverage_share`` for "auto" and
    "colour") and the figures of
    :func:`path_agreement`.  ``bundle``'s own correction and variety are ignored; ``fits`` are
    :func:`song_fits` when the caller has them already."""
    fits = song_fits(songs, bundle) if fits is None else fits
    aims = [] if coverage is None else [dataclasses.replace(coverage, share=share) for share in shares]
    trials = []
    for correction in corrections:
        corrected = dataclasses.replace(bundle, prior_correction=correction)
        for factors in weights:
            scaled = factors.normalised()  # as the engine decodes
            lattices = [build_lattice(fit, corrected, prepared.mode, scaled, prepared.grid)
                        for fit, prepared in zip(fits, songs)]
            # each song's path per bonus (and the histogram the bonus reads) is found once for
            # the fixed varieties and every share of "auto"; so are the "colour" lattice's
            paths = [BestPaths(lattice, prepared.grid.cadences)
                     for lattice, prepared in zip(lattices, songs)]
            coloured = [coloured_paths(song) for song in paths] if aims else []
            record = {"prior_correction": correction,
                      "weights": [factors.harmonic, factors.voice_leading, factors.contextual]}
            for variety in varieties:
                trials.append({**record, "variety": variety,
                               **path_agreement(songs, [song(variety) for song in paths])})
            for mode, ladder, mode_paths in ((AUTO, AUTO_VARIETIES, paths),
                                             (COLOUR, COLOUR_VARIETIES, coloured)):
                for aim in aims:  # as harmonizer.variety.apply_variety decodes
                    chosen = [song(auto_variety(song, aim, ladder)) for song in mode_paths]
                    trials.append({**record, "variety": mode, "coverage_share": aim.share,
                                   **path_agreement(songs, chosen)})
    return trials


def baseline_roots(training: Sequence[SongSlots], songs: Sequence[SongSlots], style: str
                   ) -> dict[str, float]:
    """Same-root agreement of the two baselines of :mod:`harmonizer.evaluation` on ``songs``
    (corpus key, the songs' own slots): the bigram HMM counted on ``training``, and the
    notebook's algorithm."""
    # imported here: harmonizer.evaluation imports the training package
    from ..evaluation.baselines import BigramHMM, NotebookBaseline

    hmm = BigramHMM().fit(training)
    notebook = NotebookBaseline(style)
    roots: dict[str, float] = {}
    for name, harmonize in (("hmm", lambda p: hmm.harmonize(p.grid, p.song.key)),
                            ("notebook", lambda p: notebook.harmonize(p.song.melody, p.grid, p.song.key))):
        slots = same = 0
        for prepared in songs:
            for chord, label in zip(harmonize(prepared), prepared.labels):
                if label is None:
                    continue
                slots += 1
                truth = VOCABULARY[label].root_pitch_class(prepared.song.key)
                same += chord is not None and chord.root == truth
        roots[name] = round(same / max(slots, 1), 4)
    return roots


def guard_songs(corpora: Sequence[tuple[str, str]], seed: int, per_beat: bool,
                log: Callable[[str], None]) -> tuple[list[SongSlots], dict[str, Any]]:
    """The validation songs (split of ``seed``) of the guard ``corpora`` (``(name, path)``), cut
    into slots as the style cuts them (``per_beat``; :func:`~harmonizer.training.dataset.prepared_splits`),
    and what the card says of them: the corpora and each one's songs per mode."""
    songs: list[SongSlots] = []
    counts: dict[str, dict[str, int]] = {}
    for name, path in corpora:
        chosen = prepared_splits(name, path, seed, per_beat, ("validation",))["validation"]
        songs.extend(chosen)
        counts[name] = {mode: sum(p.mode == mode for p in chosen) for mode in ("major", "minor")}
        log(f"guard: {name} at {path}: {counts[name]} validation songs")
    return songs, {"corpora": [list(c) for c in corpora], "validation_songs": counts}


class VarietyGuard:
    """Keeps a style's variety bonus from overturning the chords of ordinary melodies.

    The variety target is met on the style's own validation songs, and those can be far richer
    in chords than the tunes people bring: Bach's chorales change chord on most beats and use
    some 13 different chords in 54 beats, so the classical decoding chosen for them without a
    guard (a fixed bonus of 0.3) lost 8.8 points of same-root agreement on Nottingham's and
    OpenEWLD's validation songs against the same decoding without the bonus (the classical
    card's ``decoding.validation``), and harmonized "Ode to Joy" through B7 and C#m7b5.  A trial
    passes the guard when, on the guard songs (ordinary melodies, each in its own key), its
    same-root agreement is within :data:`GUARD_TOLERANCE` of that of the same prior correction
    and weights without a bonus; a trial without a bonus passes.  Calling the guard on a trial
    records ``guard_root``, ``guard_root_without_variety`` and ``passes_guard`` in it.

    The guard songs are decoded per prior correction and weights only when a trial of them is
    asked about (every variety at once, as :func:`decoding_trials` decodes them), so that
    :func:`choose_decoding` pays only for the trials its rule reaches.
    """

    def __init__(self, songs: Sequence[SongSlots], bundle: ModelBundle,
                 coverage: ChordCoverage | None, tolerance: float = GUARD_TOLERANCE) -> None:
        if not songs:
            raise ValueError("The variety guard needs songs to decode.")
        self.songs = list(songs)
        self.tolerance = tolerance
        self._bundle = bundle
        self._coverage = coverage
        self._fits = song_fits(self.songs, bundle)
        self._decoded: dict[tuple[float, tuple[float, ...]], list[dict[str, Any]]] = {}

    @property
    def decodings(self) -> int:
        """How many prior corrections and weights the guard songs were decoded with."""
        return len(self._decoded)

    def figures(self, prior_correction: float, weights: Sequence[float]) -> list[dict[str, Any]]:
        """The guard songs decoded at ``prior_correction`` and ``weights`` (harmonic, voice
        leading, context) with every variety: :func:`decoding_trials`' records, kept."""
        key = (float(prior_correction), tuple(float(w) for w in weights))
        if key not in self._decoded:
            self._decoded[key] = decoding_trials(
                self.songs, self._bundle, corrections=[key[0]], weights=[Weights(*key[1])],
                fits=self._fits, coverage=self._coverage)
        return self._decoded[key]

    def __call__(self, trial: dict[str, Any]) -> bool:
        figures = self.figures(trial["prior_correction"], trial["weights"])
        plain = next(t["root"] for t in figures if t["variety"] == 0.0)
        root = next(t["root"] for t in figures if t["variety"] == trial["variety"]
                    and t.get("coverage_share") == trial.get("coverage_share"))
        passes = trial["variety"] == 0.0 or root >= round(plain - self.tolerance, 4)
        trial.update(guard_root=root, guard_root_without_variety=plain, passes_guard=passes)
        return passes


def _keeps_agreement(trial: dict[str, Any], baselines: dict[str, float]) -> bool:
    """The issue's agreement targets: same root above the HMM's and >= 1.5 x the notebook's."""
    return trial["root"] > baselines["hmm"] and trial["root"] >= round(1.5 * baselines["notebook"], 4)


def _varied(trial: dict[str, Any]) -> bool:
    return all(abs(trial[f"{m}_ours"] - trial[f"{m}_human"]) <= VARIETY_TOLERANCE * trial[f"{m}_human"]
               for m in ("che", "cc") if f"{m}_human" in trial)


def _cadenced(trial: dict[str, Any]) -> bool:
    return trial["cadence_ours"] >= trial["cadence_human"]


def choose_decoding(trials: Sequence[dict[str, Any]],
                    baselines: dict[str, float] | None = None,
                    guard: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
    """The trial the rule of this module's docstring picks (``baselines``: the validation
    songs' :func:`baseline_roots`).

    With a ``guard`` (a :class:`VarietyGuard`), a trial it refuses is passed over: each step of
    the rule takes its most accurate trial that passes, and a step with none leaves the choice
    to the next.  The guard is asked about the trials in that order and about no others.  Where
    no trial passes, the rule chooses as without a guard."""
    if not trials:
        raise ValueError("No decoding trials to choose from.")
    affordable = [t for t in trials if _keeps_agreement(t, baselines)] if baselines else []
    if not affordable:
        best_exact = max(t["exact"] for t in trials)
        # the trials' figures are rounded to 4 decimals: so is the bar, or a trial exactly 3
        # points below would miss it by a float's last bit
        affordable = [t for t in trials if t["exact"] >= round(best_exact - TARGETS_PRICE, 4)]
    steps = [[t for t in affordable if meets(t)]
             for meets in (lambda t: _cadenced(t) and _varied(t), _cadenced, lambda t: True)]
    steps = [chosen for chosen in steps if chosen]
    if guard is not None:
        for chosen in steps:
            # the most accurate first; sorting is stable, so equals stay in the order tried
            for trial in sorted(chosen, key=lambda t: (accuracy(t), t["root"]), reverse=True):
                if guard(trial):
                    return trial
    # max() keeps the first of equals: the trial tried first
    return max(steps[0], key=lambda t: (accuracy(t), t["root"]))


def accuracy(trial: Mapping[str, Any]) -> float:
    """What :func:`choose_decoding` maximises: exact plus same-root agreement (rounded as the
    trials' figures are, so that equal sums tie rather than differ in a float's last bit)."""
    return round(trial["exact"] + trial["root"], 4)
