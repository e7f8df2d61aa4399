"""Train a style's scorer on real harmonized music, export it to ONNX, write its card.

Run ``python -m harmonizer.training --help`` (or ``harmonizer-train``).  The
steps, all with fixed seeds:

1. load the corpora given with ``--corpus NAME=PATH`` into harmonized songs;
2. split them by song (80 / 10 / 10, by a hash of the song id);
3. cut every song into slots as the engine does and label each slot with
   the human chord, mapped into the vocabulary;
4. count chord priors, transitions, starts and ends on the training songs;
5. fit the candidates (logistic regression, a small MLP and gradient boosting,
   each classifying a (slot, chord) pair alone, and an MLP trained listwise on
   the softmax over each slot's candidates, five of them averaged, see
   :mod:`.listwise`) and keep the
   one with the best validation chord accuracy after full decoding;
6. choose how the decoder weighs its three factors, how much of the chord
   prior it divides out of the model's scores and how much it favours a
   piece's less used chords (``decoding.weights``, ``decoding.prior_correction``
   and ``decoding.variety``, by the issue's targets against the two baselines
   run on the same songs, see :mod:`.decoding`), then calibrate the posterior
   temperature, all on the validation songs;
7. export to ONNX (``zipmap=False``), check onnxruntime against scikit-learn
   on the test rows, and measure the held-out test metrics per corpus;
8. write ``<style>.onnx`` and ``<style>.json`` (the model card).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import platform
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .. import __version__
from ..bar_lines import BarChange, count_bar_changes
from ..chords import TRIAD_CLASS
from ..engine import Weights, harmonize_melody
from ..errors import HarmonizerError, OptionError, exit_code_for
from ..features import FEATURE_NAMES
from ..midi_out import write_atomic
from ..scorer import STYLES, ModelBundle, chord_distribution, ignore_features
from ..variety import ChordCoverage, Variety
from ..vocabulary import VOCABULARY
from .corpora import HarmonizedSong, LoadStats, corpus_pairs, load_corpus
from .dataset import (
    ContextTables,
    SongSlots,
    build_rows,
    count_context,
    prepare_song,
    split_of,
    unmapped_counts,
)
from .decoding import (
    COVERAGE_SHARES,
    DECODING_WEIGHTS,
    GUARD_TOLERANCE,
    PRIOR_CORRECTIONS,
    SELECTION_WEIGHTS,
    TARGETS_PRICE,
    VARIETIES,
    VARIETY_TOLERANCE,
    VarietyGuard,
    add_variety,
    baseline_roots,
    choose_decoding,
    chosen_coverage,
    coverage_entry,
    coverage_or_none,
    decoding_trials,
    guard_songs,
    song_fits,
)
from .listwise import ListwiseMLP

__all__ = ["main", "train"]

SEED = 20261125
#: Validation agreement (share of slots) within which two candidate models count as equal.
SELECTION_TOLERANCE = 0.005
#: The tie-break between candidates whose validation agreement is within SELECTION_TOLERANCE:
#: the first in this order, cheapest to run first.  A fixed order, not a timing, so the choice
#: never depends on how busy the machine was.  The two MLPs are the same size; of the two,
#: scikit-learn's own estimator comes before the one trained by our numpy code.
PREFERENCE = ("logistic", "mlp", "listwise", "gbm")
#: Networks averaged in the listwise candidate (seeds SEED, SEED + 1, ...).  Measured on the
#: validation songs before choosing it (decoded, no prior correction): one network's exact
#: agreement moved from seed to seed by 1.0 (pop), 1.2 (folk) and 3.3 (classical) points; the
#: average of five was 0.6 (pop), 0.7 (folk) and 1.1 (classical) points above the five networks'
#: mean, with a better log-likelihood in every style (``scripts/listwise_seeds.py``).
LISTWISE_MEMBERS = 5


def _output_of(model: object) -> str:
    """What the candidate returns per row: ``"score"`` (listwise) or ``"probability"``."""
    return "score" if isinstance(model, ListwiseMLP) else "probability"


def _raw_output(model: object, x: np.ndarray) -> np.ndarray:
    """The candidate's output per row, as its ONNX export returns it (see ``_output_of``)."""
    if isinstance(model, ListwiseMLP):
        return model.predict(x)
    return model.predict_proba(x)[:, 1]  # type: ignore[attr-defined]


class _SklearnSession:
    """Looks like an onnxruntime session to the engine, runs a scikit-learn model."""

    def __init__(self, model: object) -> None:
        self.model = model

    def run(self, _outputs: object, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        return [_raw_output(self.model, next(iter(feeds.values())))[:, None]]


def _bundle(style: str, model: object, tables: ContextTables, temperature: float,
            prior_correction: float = 0.0, session: object | None = None,
            weights: Weights = SELECTION_WEIGHTS, per_beat: bool = False, variety: Variety = 0.0,
            coverage: ChordCoverage | None = None, bar_change: BarChange | None = None,
            ignored_features: tuple[str, ...] = ()) -> ModelBundle:
    """A bundle that scores with ``session`` (default: ``model`` itself, run by scikit-learn);
    ``per_beat`` is what its card will say (the songs here are cut already, so it only keeps the
    bundle true to the card)."""
    return ModelBundle(
        style=style, path=Path("<training>"), card={}, session=session or _SklearnSession(model),
        input_name="features", log_prior=dict(tables.unigram), transition=dict(tables.transition),
        start=dict(tables.start), end=dict(tables.end), temperature=temperature,
        prior_correction=prior_correction, output=_output_of(model),
        weights=(weights.harmonic, weights.voice_leading, weights.contextual), chord_per_beat=per_beat,
        variety=variety, coverage=coverage, bar_change=bar_change, ignored_features=ignored_features,
    )


def _candidates(seed: int, members: int = 1) -> dict[str, Callable[[], object]]:
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "listwise": lambda: ListwiseMLP(hidden=64, alpha=1e-4, seed=seed, members=members),
        "logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=400)),
        "mlp": lambda: make_pipeline(
            StandardScaler(),
            MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, batch_size=2048, max_iter=80,
                          early_stopping=True, random_state=seed),
        ),
        "gbm": lambda: GradientBoostingClassifier(n_estimators=150, max_depth=4, learning_rate=0.1,
                                                  subsample=0.5, random_state=seed),
    }


def _subsample(x: np.ndarray, y: np.ndarray, w: np.ndarray, limit: int, seed: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At most ``limit`` rows: every positive, negatives drawn uniformly (fixed seed)."""
    if len(y) <= limit:
        return x, y, w
    rng = np.random.default_rng(seed)
    positives = np.flatnonzero(y == 1)
    negatives = np.flatnonzero(y == 0)
    keep = rng.choice(negatives, size=max(limit - len(positives), 0), replace=False)
    rows = np.sort(np.concatenate([positives, keep]))
    return x[rows], y[rows], w[rows]


def class_balance_weights(y: np.ndarray, slot_ids: np.ndarray, power: float) -> np.ndarray:
    """Row weights that lift slots whose human chord is rare: each slot weighs
    (count of the commonest chord / count of its chord) ** power, normalised to mean 1, so rare
    chords are kept and learned rather than drowned (power 0: no balancing)."""
    size = len(VOCABULARY)
    labels = y.reshape(-1, size).argmax(axis=1)
    counts = np.bincount(labels, minlength=size).astype(float)
    slot_weight = (counts.max() / np.maximum(counts[labels], 1.0)) ** power
    slot_weight = np.minimum(slot_weight, 20.0)
    slot_weight /= slot_weight.mean()
    return np.repeat(slot_weight, size)


def _fit(model: object, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> None:
    steps = getattr(model, "steps", None)
    key = f"{steps[-1][0]}__sample_weight" if steps else "sample_weight"
    model.fit(x, y, **{key: w})  # type: ignore[attr-defined]


def evaluate(songs: Sequence[SongSlots], bundle: ModelBundle, weights: Weights,
             estimated_key: bool = False) -> dict[str, float]:
    """Chord agreement with the human chords per slot: exact, same root, same root and
    triad quality; emission-only accuracy; cadence (phrase-final tonic) rates."""
    from ..evaluation.metrics import TimedChord

    totals: Counter[str] = Counter()
    variety: dict[str, list[float]] = defaultdict(list)
    for prepared in songs:
        song = prepared.song
        result = harmonize_melody(
            song.melody, key=None if estimated_key else song.key, style=bundle.style,
            harmonic_rhythm=prepared.grid.harmonic_rhythm, weights=weights, alternatives=1,
            model=bundle,
        )
        human_key = song.key
        # Chord variety, ours and the human's, on the same labelled slots (Yeh et al. 2021).
        ours = [TimedChord(c.onset, c.duration, c.root, c.quality)
                for c, label in zip(result.chords, prepared.labels) if label is not None]
        human_chords = [TimedChord(s.onset, s.duration, VOCABULARY[label].root_pitch_class(human_key),
                                   VOCABULARY[label].quality)
                        for s, label in zip(prepared.grid.slots, prepared.labels) if label is not None]
        add_variety(variety, ours, human_chords)
        for choice, label, slot in zip(result.chords, prepared.labels, prepared.grid.slots):
            if label is None:
                continue
            human = VOCABULARY[label]
            human_root = (human_key.tonic + human.root) % 12
            totals["slots"] += 1
            same_root = choice.root == human_root
            totals["root"] += same_root
            totals["triad"] += same_root and TRIAD_CLASS[choice.quality] == TRIAD_CLASS[human.quality]
            totals["exact"] += same_root and choice.quality == human.quality
            if slot.phrase_end:
                totals["phrase_ends"] += 1
                totals["ours_tonic_end"] += choice.root == result.key.key.tonic
                totals["human_tonic_end"] += human.root == 0
    slots = max(totals["slots"], 1)
    ends = max(totals["phrase_ends"], 1)
    return {
        "slots": totals["slots"],
        "exact": round(totals["exact"] / slots, 4),
        "root": round(totals["root"] / slots, 4),
        "root_and_triad": round(totals["triad"] / slots, 4),
        "phrase_end_tonic_ours": round(totals["ours_tonic_end"] / ends, 4),
        "phrase_end_tonic_human": round(totals["human_tonic_end"] / ends, 4),
        **{name: round(float(np.mean(values)), 4) for name, values in sorted(variety.items())},
    }


def choose_model(selection: dict[str, dict]) -> str:
    """The best validation agreement wins; candidates within SELECTION_TOLERANCE of it are as
    good given the validation set's size, and then the first of them in PREFERENCE wins."""
    best_exact = max(v["validation_decoded_exact"] for v in selection.values())
    close = [n for n, v in selection.items()
             if v["validation_decoded_exact"] >= best_exact - SELECTION_TOLERANCE]
    return min(close, key=PREFERENCE.index)


def emission_accuracy(raw: np.ndarray, targets: np.ndarray, output: str = "probability"
                      ) -> tuple[float, float]:
    """Per-slot accuracy of the model alone (argmax over candidates) and mean log-likelihood
    of the human chord, from the model's raw output per row (see ``ModelBundle.output``)."""
    size = len(VOCABULARY)
    p = chord_distribution(raw.reshape(-1, size), output)
    truth = targets.reshape(-1, size).argmax(axis=1)
    accuracy = float((p.argmax(axis=1) == truth).mean())
    log_likelihood = float(np.log(p[np.arange(len(truth)), truth]).mean())
    return round(accuracy, 4), round(log_likelihood, 4)


def calibrate_temperature(songs: Sequence[SongSlots], bundle: ModelBundle, weights: Weights,
                          fits: Sequence[np.ndarray] | None = None) -> float:
    """The temperature whose posteriors give the human chords the highest likelihood (``fits``:
    the songs' :func:`~.decoding.song_fits` when the caller has them already), decoded with
    ``bundle``'s variety as the engine decodes."""
    from ..decoder import posteriors
    from ..engine import build_lattice
    from ..variety import apply_variety

    fits = song_fits(songs, bundle) if fits is None else fits
    lattices = [(apply_variety(build_lattice(fit, bundle, prepared.mode, weights.normalised(), prepared.grid),
                               bundle.variety, prepared.grid.cadences, bundle.coverage)[1],
                 prepared.labels)
                for fit, prepared in zip(fits, songs)]
    best, best_nll = 1.0, np.inf
    for temperature in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.85, 1.0, 1.25, 1.5):
        total, count = 0.0, 0
        for lattice, labels in lattices:
            marginals, _ = posteriors(lattice, temperature)
            for t, label in enumerate(labels):
                if label is not None:
                    total -= np.log(max(marginals[t, label], 1e-9))
                    count += 1
        nll = total / max(count, 1)
        if nll < best_nll:
            best, best_nll = temperature, nll
    return best


def _load_all(corpora: Sequence[tuple[str, str]], limit: int | None, log: Callable[[str], None]
              ) -> tuple[list[HarmonizedSong], dict[str, dict]]:
    songs: list[HarmonizedSong] = []
    reports: dict[str, dict] = {}
    for name, path in corpora:
        stats = LoadStats(corpus=name)
        loaded = list(load_corpus(name, path, limit=limit, stats=stats))
        songs.extend(loaded)
        reports[name] = {
            "path": str(path),
            "songs": len(loaded),
            "skipped": dict(stats.skipped),
            "labels_mapped": stats.labels.mapped_count,
            "labels_unknown": stats.labels.unknown_count,
            "labels_no_chord": stats.labels.no_chord_count,
            "unknown_labels_top": stats.labels.unknown.most_common(15),
            "notes": dict(stats.events),
            "load_seconds": round(stats.seconds, 1),
        }
        log(stats.summary())
    return songs, reports


def train(style: str, corpora: Sequence[tuple[str, str]], out_dir: Path, *, limit: int | None = None,
          seed: int = SEED, model_names: Sequence[str] = ("logistic", "mlp", "gbm", "listwise"),
          max_rows: int = 600_000, balance: float = 0.5, members: int = LISTWISE_MEMBERS,
          per_beat: bool = False, guard_corpora: Sequence[tuple[str, str]] = (), command: str = "",
          ignored_features: tuple[str, ...] = (), log: Callable[[str], None] = print) -> dict:
    """Train, select, calibrate, export and document one style's model; returns the card.

    ``per_beat``: the style changes chord on every beat wherever the melody moves at least every
    other beat (``harmonizer.slots.choose_harmonic_rhythm``); its slots are cut so here and in the
    engine (the card's ``chord_per_beat``).  ``guard_corpora`` (``(name, path)``): their
    validation songs are the ordinary melodies of the variety guard
    (:class:`~harmonizer.training.decoding.VarietyGuard`); none, no guard.  ``ignored_features``:
    features held at 0 in every row the candidates learn from and in every row the style's
    model will score (:attr:`~harmonizer.scorer.ModelBundle.ignored_features`, the card's
    ``ignored_features``)."""
    import onnxruntime
    from skl2onnx import to_onnx

    np.random.seed(seed)
    songs, corpus_reports = _load_all(corpora, limit, log)
    # the guard's songs are loaded before any fitting, so that a wrong path fails at once
    ordinary, guard_report = guard_songs(guard_corpora, seed, per_beat, log) if guard_corpora else ([], {})
    if guard_corpora and not ordinary:
        raise OptionError(f"The guard corpora {[name for name, _ in guard_corpora]} have no validation "
                          "songs to guard the variety with: give larger ones, or none.")
    prepared: dict[str, list[SongSlots]] = defaultdict(list)
    skipped: Counter[str] = Counter()
    for song in songs:
        try:
            prepared[split_of(song, seed)].append(prepare_song(song, per_beat=per_beat))
        except ValueError as error:  # an unusable melody is counted, never fatal
            skipped[type(error).__name__] += 1
            log(f"skip {song.song_id}: {error}")
    for split in ("train", "validation", "test"):
        if not prepared[split]:
            raise SystemExit(f"no songs in the {split} split: give more data (or a larger --limit)")
    tables = count_context(prepared["train"])
    # the chord changes by place in the bar, counted on the training songs as the transitions are
    # (harmonizer.bar_lines): every decoding below, from the model choice on, uses them
    bar_change = count_bar_changes((p.grid, p.labels) for p in prepared["train"])
    log(f"chord changes at a bar's first slot {bar_change.first:.3f}, later {bar_change.later:.3f}, "
        f"average {bar_change.average:.3f}")
    x_train, y_train, slot_train, song_train = build_rows(prepared["train"], tables)
    w_train = class_balance_weights(y_train, slot_train, balance)
    x_val, y_val, _, _ = build_rows(prepared["validation"], tables)
    x_test, y_test, _, _ = build_rows(prepared["test"], tables)
    if ignored_features:
        for rows in (x_train, x_val, x_test):  # built here, held by no one else: no copies
            ignore_features(rows, ignored_features, in_place=True)
    log(f"rows: train {len(y_train)}, validation {len(y_val)}, test {len(y_test)}")
    selection: dict[str, dict] = {}
    fitted: dict[str, object] = {}
    factories = _candidates(seed, members)
    for name in model_names:
        started = time.perf_counter()
        model = factories[name]()
        if isinstance(model, ListwiseMLP):  # whole slots: a softmax needs every candidate
            y_fit = y_train
            model.fit(x_train, y_train, w_train, groups=song_train, log=log)
        else:
            x_fit, y_fit, w_fit = _subsample(x_train, y_train, w_train, max_rows, seed)
            _fit(model, x_fit, y_fit, w_fit)
        seconds = time.perf_counter() - started
        timed = time.perf_counter()
        validation_scores = _raw_output(model, x_val)
        microseconds_per_row = (time.perf_counter() - timed) / max(len(y_val), 1) * 1e6
        accuracy, log_likelihood = emission_accuracy(validation_scores, y_val, _output_of(model))
        decoded = evaluate(prepared["validation"],
                           _bundle(style, model, tables, 1.0, per_beat=per_beat, bar_change=bar_change,
                                   ignored_features=ignored_features),
                           SELECTION_WEIGHTS)
        selection[name] = {"fit_seconds": round(seconds, 1), "rows": int(len(y_fit)),
                           "validation_model_only_accuracy": accuracy,
                           "validation_log_likelihood": log_likelihood,
                           "validation_decoded_exact": decoded["exact"],
                           "predict_microseconds_per_row": round(microseconds_per_row, 3),
                           "validation_decoded_root": decoded["root"]}
        fitted[name] = model
        log(f"{name}: {selection[name]}")
    chosen = choose_model(selection)
    model = fitted[chosen]
    log(f"chosen: {chosen}")
    # The scorer's output on the validation songs, computed once for every trial and the temperature.
    scoring = _bundle(style, model, tables, 1.0, per_beat=per_beat, bar_change=bar_change,
                      ignored_features=ignored_features)
    fits = song_fits(prepared["validation"], scoring)
    fitted_coverage = coverage_or_none(prepared["train"], "training songs", log)
    trials = decoding_trials(prepared["validation"], scoring, fits=fits, coverage=fitted_coverage)
    baselines = baseline_roots(prepared["train"], prepared["validation"], style)
    log(f"baselines' same-root agreement on the validation songs: {baselines}")
    guard = VarietyGuard(ordinary, scoring, fitted_coverage) if guard_corpora else None
    decoding = choose_decoding(trials, baselines, guard)
    if guard is not None:
        guard_report.update(tolerance=GUARD_TOLERANCE, decodings=guard.decodings,
                            chosen={k: decoding[k] for k in
                                    ("guard_root", "guard_root_without_variety", "passes_guard")})
        log(f"guard: {guard_report}")
    prior_correction, weights = decoding["prior_correction"], Weights(*decoding["weights"])
    variety = decoding["variety"]
    coverage = chosen_coverage(fitted_coverage, decoding)
    log(f"decoding: {decoding} (of {len(trials)} trials)")
    temperature = calibrate_temperature(
        prepared["validation"],
        _bundle(style, model, tables, 1.0, prior_correction, weights=weights, per_beat=per_beat,
                variety=variety, coverage=coverage, bar_change=bar_change, ignored_features=ignored_features),
        weights, fits=fits)
    log(f"temperature: {temperature}")

    from skl2onnx.common.data_types import FloatTensorType

    output = _output_of(model)
    exported = model.pipeline if isinstance(model, ListwiseMLP) else model
    options = {} if output == "score" else {"zipmap": False}
    onnx_model = to_onnx(exported, initial_types=[("features", FloatTensorType([None, len(FEATURE_NAMES)]))],
                         options=options, target_opset={"": 17, "ai.onnx.ml": 3})
    onnx_bytes = canonical_onnx_bytes(onnx_model)
    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    bundle = _bundle(style, model, tables, temperature, prior_correction, session=session, weights=weights,
                     per_beat=per_beat, variety=variety, coverage=coverage, bar_change=bar_change,
                     ignored_features=ignored_features)
    onnx_raw = bundle.score(x_test.astype(np.float32))
    # Compared as what the decoder uses: each slot's distribution over its candidates.
    slots_test = len(y_test) // len(VOCABULARY)
    onnx_difference = float(np.abs(
        chord_distribution(onnx_raw.reshape(slots_test, -1), output)
        - chord_distribution(_raw_output(model, x_test).reshape(slots_test, -1), output)).max())
    if onnx_difference > 1e-4:
        raise SystemExit(f"onnxruntime and scikit-learn disagree by {onnx_difference} on the test rows")
    log(f"onnx vs sklearn max difference on {len(y_test)} test rows: {onnx_difference:.2e}")

    test_accuracy, test_log_likelihood = emission_accuracy(onnx_raw, y_test, output)
    per_corpus: dict[str, dict] = {}
    for corpus in sorted({p.song.corpus for p in prepared["test"]}):
        subset = [p for p in prepared["test"] if p.song.corpus == corpus]
        prior_only = _prior_baseline(subset, tables)
        per_corpus[corpus] = {
            "songs": len(subset),
            "given_key": evaluate(subset, bundle, weights),
            "estimated_key": evaluate(subset, bundle, weights, estimated_key=True),
            "most_frequent_chord_baseline_exact": prior_only,
        }
        log(f"test {corpus}: {per_corpus[corpus]}")
    unmapped = unmapped_counts(p for split in prepared.values() for p in split)
    slots_total = sum(len(p.labels) for split in prepared.values() for p in split)
    out_dir.mkdir(parents=True, exist_ok=True)
    card = {
        "name": f"harmonizer-{style}",
        "style": style,
        "engine_version": __version__,
        "created": _dt.date.today().isoformat(),
        "command": command,
        "seed": seed,
        "output": output,
        # written only when set (absent: false), as the engine reads it (ModelBundle.chord_per_beat)
        **({"chord_per_beat": True} if per_beat else {}),
        # written only when some are (absent: none), as the engine reads it
        **({"ignored_features": list(ignored_features)} if ignored_features else {}),
        "model": {"chosen": chosen, "type": type(model).__name__, "class_balance_power": balance,
                  "params": _params(model), "selection": selection,
                  **({"members": model.trained} if isinstance(model, ListwiseMLP) else {}),
                  "rule": "highest validation exact chord agreement after full decoding (the notebook's "
                          "weights 0.5, 0.3, 0.2, no prior correction); within "
                          f"{SELECTION_TOLERANCE} of it, the first of logistic, mlp, listwise, gbm "
                          "(cheapest to run first; of the two MLPs, scikit-learn's own first)"},
        "data": {
            "corpora": corpus_reports,
            "split": {s: {"songs": len(prepared[s]), "slots": sum(len(p.labels) for p in prepared[s])}
                      for s in ("train", "validation", "test")},
            "split_rule": "song-level by melody: sha256(seed:first 24 melody intervals) mod 10: "
                          "0-7 train, 8 validation, 9 test (one tune never straddles the split)",
            "rows": {"train_total": int(len(y_train)), "validation": int(len(y_val)),
                     "test": int(len(y_test))},
            "skipped_songs": dict(skipped),
            "unmapped_slots": int(sum(unmapped.values())),
            "slots_total": int(slots_total),
            "unmapped_labels_top": unmapped.most_common(25),
        },
        "metrics": {
            "test_model_only_accuracy": test_accuracy,
            "test_log_likelihood": test_log_likelihood,
            "onnx_vs_sklearn_max_abs_difference": onnx_difference,
            "test_per_corpus": per_corpus,
            "units": "share of test slots whose chord matches the human chord "
                     "(slot = the engine's default harmonic rhythm; human chord = longest in slot)",
        },
        "decoding": {
            "weights": asdict(weights),
            "prior_correction": prior_correction,
            "variety": variety,
            **coverage_entry(coverage, len(prepared["train"]), "training songs"),
            "bar_change": bar_change.to_dict(),
            "baselines_validation_root": baselines,
            "validation": trials,
            "rule": f"trials: every prior correction in {list(PRIOR_CORRECTIONS)} with every one of "
                    f"{len(DECODING_WEIGHTS)} factor weights (harmonic, voice leading and context in "
                    "tenths summing to 1, harmonic at least 0.4, context at least 0.1) and every variety "
                    f"in {list(VARIETIES)}, and 'auto' and 'colour' at each share {list(COVERAGE_SHARES)} "
                    "of the coverage, decoding the validation songs. Of the trials whose same-root "
                    "agreement stays above the bigram HMM's and at least 1.5 times the notebook "
                    "algorithm's on the same songs (baselines_validation_root; where none does, the "
                    f"trials whose exact agreement is within {TARGETS_PRICE} of the best trial's), the "
                    "most accurate whose phrase ends are tonic, half or deceptive cadences at least as "
                    "often as the human chords' and whose chord histogram entropy and chord coverage are "
                    f"within {VARIETY_TOLERANCE:.0%} of the human chords'; else the most accurate that "
                    "meets the cadences; else the most accurate. Accuracy: exact plus same-root agreement "
                    "(equal accuracy: the better same root, then the first tried)" + (
                        f". The guard (guard): a trial with a variety bonus is passed over when its "
                        "same-root agreement on the guard corpora's validation songs (each in its own "
                        f"key) is more than {GUARD_TOLERANCE} below that of the same prior correction "
                        "and weights without a bonus; each step takes its most accurate trial that "
                        "passes. The trials the rule reached carry guard_root, "
                        "guard_root_without_variety and passes_guard" if guard is not None else ""),
            **({"guard": guard_report} if guard is not None else {}),
        },
        "temperature": temperature,
        "features": list(FEATURE_NAMES),
        "vocabulary": [[c.root, c.quality] for c in VOCABULARY],
        "vocabulary_numerals": [[c.numeral("major"), c.numeral("minor")] for c in VOCABULARY],
        "context": tables.as_card(),
        "environment": {"python": platform.python_version(), **_versions()},
        "sha256": hashlib.sha256(onnx_bytes).hexdigest(),
    }
    onnx_path = out_dir / f"{style}.onnx"
    card_path = out_dir / f"{style}.json"
    write_atomic(onnx_path, lambda stream: stream.write(onnx_bytes))
    write_atomic(card_path, lambda stream: stream.write((json.dumps(card, indent=1) + "\n").encode()))
    log(f"wrote {onnx_path} ({len(onnx_bytes)} bytes) and {card_path}")
    return card


def canonical_onnx_bytes(model: object) -> bytes:
    """The serialized model with its opset imports sorted by domain.  skl2onnx lists them in
    an order that can change from one process to the next (it collects them in a set), which
    changed a retrained model's sha256 although its graph was the same."""
    imports = sorted((o.domain, o.version) for o in model.opset_import)  # type: ignore[attr-defined]
    del model.opset_import[:]  # type: ignore[attr-defined]
    for domain, version in imports:
        entry = model.opset_import.add()  # type: ignore[attr-defined]
        entry.domain, entry.version = domain, version
    return model.SerializeToString()  # type: ignore[attr-defined,no-any-return]


def _prior_baseline(songs: Sequence[SongSlots], tables: ContextTables) -> float:
    hits = total = 0
    for prepared in songs:
        guess = int(np.argmax(tables.unigram[prepared.mode]))
        for label in prepared.labels:
            if label is not None:
                total += 1
                hits += label == guess
    return round(hits / max(total, 1), 4)


def _params(model: object) -> dict:
    if isinstance(model, ListwiseMLP):
        return model.get_params()
    steps = getattr(model, "steps", None)
    final = steps[-1][1] if steps else model
    return {k: v for k, v in final.get_params().items()  # type: ignore[attr-defined,union-attr]
            if isinstance(v, (int, float, str, bool, tuple, type(None)))}


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("scikit-learn", "skl2onnx", "onnxruntime", "numpy",
                                             "music21", "mido")}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="harmonizer train",
        description="Train a style's chord scorer on real harmonized music and export it to ONNX.",
    )
    parser.add_argument("--style", required=True, choices=STYLES)
    parser.add_argument("--corpus", action="append", required=True, metavar="NAME=PATH",
                        help="a corpus to learn from, e.g. bach=../shared/data/when_in_rome "
                             "or nottingham=../shared/data/nottingham (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("models"), help="folder for the .onnx and .json")
    parser.add_argument("--limit", type=int, default=None, help="at most this many songs per corpus")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--models", default="logistic,mlp,gbm,listwise",
                        help="candidate classifiers to compare (default: %(default)s)")
    parser.add_argument("--max-rows", type=int, default=600_000,
                        help="training rows per binary candidate (all positives kept; the listwise "
                             "candidate always uses every slot whole; default: %(default)s)")
    parser.add_argument("--balance", type=float, default=0.5,
                        help="class balancing: slots weigh (commonest/their chord's count)**B "
                             "(0 = off; default: %(default)s)")
    parser.add_argument("--members", type=int, default=LISTWISE_MEMBERS,
                        help="networks (seeds) averaged in the listwise candidate (default: %(default)s)")
    parser.add_argument("--chord-per-beat", action="store_true",
                        help="the style changes chord on every beat wherever the melody moves at "
                             "least every other beat (as Bach's chorales do); else the half bar or bar")
    parser.add_argument("--guard-corpus", action="append", default=[], metavar="NAME=PATH",
                        help="ordinary melodies (the corpus's validation songs) the chosen variety "
                             "bonus may not cost more than 1 point of same-root agreement, against "
                             "no bonus, e.g. nottingham=../shared/data/nottingham (repeatable; "
                             "default: no guard)")
    parser.add_argument("--ignore-feature", action="append", default=[], choices=FEATURE_NAMES,
                        metavar="FEATURE",
                        help="a scorer feature to train without: held at 0 in every row, here and "
                             "wherever the model scores (repeatable; e.g. log_chord_prior; default: "
                             "every feature)")
    args = parser.parse_args(argv)
    if args.members < 1:
        parser.error(f"--members must be at least 1, not {args.members}")
    corpora = corpus_pairs(args.corpus, parser.error)
    command = "python -m harmonizer.training " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        train(args.style, corpora, args.out, limit=args.limit, seed=args.seed,
              model_names=[m.strip() for m in args.models.split(",") if m.strip()],
              max_rows=args.max_rows, balance=args.balance, members=args.members,
              per_beat=args.chord_per_beat, guard_corpora=corpus_pairs(args.guard_corpus, parser.error),
              ignored_features=tuple(dict.fromkeys(args.ignore_feature)), command=command)
    except HarmonizerError as error:  # a corpus that is not there or not readable: one line
        print(f"harmonizer train: {error}", file=sys.stderr)
        return exit_code_for(error)
    return 0
