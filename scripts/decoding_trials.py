"""Decoding trials on a style's validation songs (corpus key): what other decoders would give.

    python scripts/decoding_trials.py classical bach ../shared/data/when_in_rome
    python scripts/decoding_trials.py jazz openewld ../shared/data/openewld --voice-leading
    python scripts/decoding_trials.py pop pop909 ../shared/data/pop909 --quality
    python scripts/decoding_trials.py pop pop909 ../shared/data/pop909 --grid

Compares, with the shipped model and card, the engine's Viterbi path against the chord of
highest posterior probability per slot (forward-backward at several temperatures), or with
``--voice-leading`` the Viterbi path at several voice-leading scales (the engine's is
``VOICE_LEADING_SCALE``; it changes nothing for a style whose card gives voice leading no weight,
as classical's, folk's and pop's do), or with ``--quality``
the Viterbi path when the prior correction is split in two: the card's for the chord's root,
another for its quality given the root (``P(chord) = P(root) P(quality | root)``).  Prints exact and
same-root agreement with the human chords, chord histogram entropy and coverage (ours / human,
per song, averaged), the chord-change rate and the different roots a song (ours / human).
The engine decodes with the card's factor weights
and prior correction; training tries every combination of them and records each in the card
(``decoding.validation``, see ``harmonizer/training/decoding.py``).  ``--grid`` runs that search
again with the shipped scorer (every prior correction, weights and variety, "auto" and "colour"
included, the two baselines on the same songs and, where the card has one, its variety guard),
timed, and prints the trial the rule picks beside the card's.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from _style_corpus import style_corpus_parser

from harmonizer.decoder import posteriors, viterbi
from harmonizer.engine import build_lattice, style_weights
from harmonizer.scorer import load_model
from harmonizer.training.dataset import prepared_splits
from harmonizer.training.decoding import (
    VarietyGuard,
    baseline_roots,
    choose_decoding,
    coverage_of,
    decoding_trials,
    guard_songs,
    path_agreement,
    song_fits,
)
from harmonizer.training.train import SEED
from harmonizer.variety import apply_variety
from harmonizer.vocabulary import VOCABULARY
from harmonizer.voicing import VOICE_LEADING_SCALE, voice_leading_matrix

TEMPERATURES = (0.3, 0.45, 0.6, 0.8, 1.0, 1.3)
SCALES = (VOICE_LEADING_SCALE, 12.0, 24.0, float("inf"))
QUALITY_CORRECTIONS = (0.3, 0.6, 0.9, 1.2)


def _figures(songs, paths) -> str:
    """Agreement and variety (as training measures them) and the chord-change rate."""
    figures = path_agreement(songs, paths)
    changes = human_changes = pairs = 0
    # different roots a song, ours and the human's (variety "colour" keeps ours and adds qualities)
    roots = np.mean([len({VOCABULARY[int(c)].root for c in path}) for path in paths])
    human_roots = np.mean([len({VOCABULARY[label].root for label in p.labels if label is not None})
                           for p in songs])
    for prepared, path in zip(songs, paths):
        kept = [(int(chord), label) for chord, label in zip(path, prepared.labels) if label is not None]
        for (chord, label), (previous, previous_label) in zip(kept[1:], kept):
            pairs += 1
            changes += chord != previous
            human_changes += label != previous_label
    pairs = max(pairs, 1)
    return (f"exact {figures['exact']:.3f}  root {figures['root']:.3f}  "
            f"CHE {figures['che_ours']:.3f}/{figures['che_human']:.3f}  "
            f"CC {figures['cc_ours']:.2f}/{figures['cc_human']:.2f}  "
            f"changes {changes / pairs:.3f}/{human_changes / pairs:.3f}  "
            f"roots {roots:.2f}/{human_roots:.2f}")


def main() -> None:
    parser = style_corpus_parser(__doc__)
    parser.add_argument("--voice-leading", action="store_true", help="vary the voice-leading scale instead")
    parser.add_argument("--quality", action="store_true",
                        help="correct the quality given the root by other amounts than the root")
    parser.add_argument("--grid", action="store_true",
                        help="rerun training's search for the weights and prior correction, timed")
    options = parser.parse_args()
    bundle = load_model(options.style)
    per_beat = bundle.chord_per_beat
    # The songs training decoded: a melody that cannot be cut into slots is left out, as there.
    splits = prepared_splits(options.corpus, options.path, SEED, per_beat,
                             ("validation", "train") if options.grid else ("validation",))
    songs = splits["validation"]
    if options.grid:
        training = splits["train"]
        coverage = coverage_of(training)
        started = time.perf_counter()
        grid = decoding_trials(songs, bundle, coverage=coverage)
        seconds = time.perf_counter() - started
        baselines = baseline_roots(training, songs, options.style)
        card = bundle.card["decoding"]
        guard = None
        if "guard" in card:  # the card's variety guard, on the corpora it names
            ordinary, _ = guard_songs([tuple(c) for c in card["guard"]["corpora"]], SEED, per_beat, print)
            guard = VarietyGuard(ordinary, bundle, coverage)
        chosen = choose_decoding(grid, baselines, guard)
        print(f"{options.style}: {len(grid)} trials on {len(songs)} validation songs "
              f"({sum(len(p.grid) for p in songs)} slots) in {seconds:.1f} s, scoring included")
        print(f"baselines' same root: {baselines} (card: {card.get('baselines_validation_root')})")
        print(f"chosen: {chosen}")
        print(f"card:   prior correction {card['prior_correction']}, weights {card['weights']}, "
              f"variety {card.get('variety', 0.0)}, coverage {card.get('coverage')}")
        print(f"coverage of the training songs: {coverage}")
        return
    weights = style_weights(bundle).normalised()
    fits = song_fits(songs, bundle)
    # as the engine decodes: the card's variety bonus included
    lattices = [apply_variety(build_lattice(fit, bundle, p.mode, weights, p.grid),
                              bundle.variety, p.grid.cadences,
                              bundle.coverage)[1]
                for fit, p in zip(fits, songs)]
    trials: dict[str, list] = {"viterbi (engine)": [np.asarray(viterbi(lat).chords) for lat in lattices]}
    if options.quality:
        roots = np.array([chord.root for chord in VOCABULARY])
        uncorrected = dataclasses.replace(bundle, prior_correction=0.0)
        for quality_beta in QUALITY_CORRECTIONS:
            paths = []
            for fit, prepared in zip(fits, songs):
                prior = np.exp(bundle.log_prior[prepared.mode])
                root_prior = np.array([prior[roots == root].sum() for root in roots])
                correction = (bundle.prior_correction * np.log(root_prior)
                              + quality_beta * np.log(prior / root_prior))
                lattice = build_lattice(fit, uncorrected, prepared.mode, weights, prepared.grid)
                paths.append(np.asarray(viterbi(dataclasses.replace(
                    lattice, emission=lattice.emission - weights.harmonic * correction)).chords))
            trials[f"root beta {bundle.prior_correction:g}, quality beta {quality_beta:g}"] = paths
    elif options.voice_leading:
        movement = -weights.voice_leading * voice_leading_matrix()
        for scale in SCALES[1:]:
            trials[f"viterbi, voice-leading scale {scale:g}"] = [
                np.asarray(viterbi(dataclasses.replace(
                    lat, transition=movement / scale + weights.contextual * bundle.transition[p.mode]
                )).chords)
                for lat, p in zip(lattices, songs)]
    else:
        for temperature in TEMPERATURES:
            trials[f"posterior argmax, T {temperature}"] = [posteriors(lat, temperature)[0].argmax(axis=1)
                                                            for lat in lattices]
    print(f"{options.style} on {len(songs)} validation songs of {options.corpus} "
          f"(card temperature {bundle.temperature}, prior correction {bundle.prior_correction}, "
          f"weights {bundle.weights})")
    for name, paths in trials.items():
        print(f"{name:<34} {_figures(songs, paths)}")


if __name__ == "__main__":
    main()
