"""What each shipped style's variety bonus costs ordinary melodies: the variety guard
(:class:`harmonizer.training.decoding.VarietyGuard`) applied to the cards as shipped.

    python scripts/variety_guard.py --corpus nottingham=../shared/data/nottingham \\
        --corpus openewld=../shared/data/openewld [--styles classical,folk,pop,jazz]

For each style, the guard corpora's validation songs (cut as the style cuts them, each in its own
key) are decoded at the card's prior correction and weights with every variety the training
tries, and the script prints their same-root (and exact) agreement with the human chords, the
change against no bonus, and whether the guard would let the variety through.  The row marked
``card`` is the variety the card decodes with.  A measurement, not a feature: training applies
the guard only when its command gives ``--guard-corpus``.
"""

from __future__ import annotations

import argparse

from harmonizer.scorer import load_model
from harmonizer.training.corpora import corpus_pairs
from harmonizer.training.decoding import GUARD_TOLERANCE, VarietyGuard, guard_songs
from harmonizer.training.train import SEED


def _label(trial: dict) -> str:
    share = trial.get("coverage_share")
    return f"{trial['variety']}" + (f" at {share:g}" if share is not None else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", required=True, metavar="NAME=PATH",
                        help="a corpus of ordinary melodies (its validation songs are used; repeatable)")
    parser.add_argument("--styles", default="classical,folk,pop,jazz")
    options = parser.parse_args()
    corpora = corpus_pairs(options.corpus, parser.error)
    for style in [s.strip() for s in options.styles.split(",") if s.strip()]:
        bundle = load_model(style)
        songs, report = guard_songs(corpora, SEED, bundle.chord_per_beat, lambda _: None)
        guard = VarietyGuard(songs, bundle, bundle.coverage)
        record = {"prior_correction": bundle.prior_correction, "weights": list(bundle.weights)}
        own_share = None if bundle.coverage is None else bundle.coverage.share
        print(f"\n## {style}: prior correction {bundle.prior_correction}, weights {tuple(bundle.weights)}, "
              f"variety {bundle.variety!r}; {len(songs)} guard songs {report['validation_songs']}\n")
        print("| variety | same root | exact | same root against no bonus | passes |")
        print("|---|---:|---:|---:|---|")
        for trial in guard.figures(bundle.prior_correction, bundle.weights):
            checked = {**record, "variety": trial["variety"],
                       **({"coverage_share": trial["coverage_share"]} if "coverage_share" in trial else {})}
            passes = guard(checked)
            own = trial["variety"] == bundle.variety and (
                not isinstance(bundle.variety, str) or trial.get("coverage_share") == own_share)
            print(f"| {_label(trial)}{' (card)' if own else ''} | {100 * trial['root']:.2f} % | "
                  f"{100 * trial['exact']:.2f} % | "
                  f"{100 * (checked['guard_root'] - checked['guard_root_without_variety']):+.2f} | "
                  f"{'yes' if passes else 'no'} |")
    print(f"\nThe guard lets a variety through when its same-root agreement is at most "
          f"{100 * GUARD_TOLERANCE:g} point below no bonus's.")


if __name__ == "__main__":
    main()
