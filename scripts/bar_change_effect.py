"""What the chord changes by place in the bar (``harmonizer.bar_lines``, the card's
``decoding.bar_change``) do to a style's harmonizations: the shipped model decoded as the engine
decodes it, with its card's rates and without them.  A measurement, not a feature.

    python scripts/bar_change_effect.py pop pop909 ../shared/data/pop909
    python scripts/bar_change_effect.py folk nottingham ../shared/data/nottingham

On the validation and test songs (corpus key, the card's weights, prior correction and variety),
prints exact and same-root agreement with the human chords, chord histogram entropy and
coverage per slot (ours / human), and where the chords change: the share of all changes that
fall on a bar's first slot, and the changes per slot at a bar's first slot and at a later one,
ours and the human's.  The decoding was chosen on the validation songs with the rates in place,
so "without" there is the same decoder with the rates taken out, not a decoder chosen without
them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from _style_corpus import style_corpus_parser

from harmonizer.bar_lines import bar_starts
from harmonizer.decoder import viterbi
from harmonizer.engine import build_lattice, style_weights
from harmonizer.scorer import ModelBundle, load_model
from harmonizer.training.dataset import SongSlots, prepared_splits
from harmonizer.training.decoding import path_agreement, song_fits
from harmonizer.training.train import SEED
from harmonizer.variety import apply_variety


def decode(songs: Sequence[SongSlots], fits: Sequence[np.ndarray], bundle: ModelBundle) -> list[list[int]]:
    """Each song's best path as the engine decodes it (the card's variety included)."""
    weights = style_weights(bundle).normalised()
    paths = []
    for fit, song in zip(fits, songs):
        lattice = build_lattice(fit, bundle, song.mode, weights, song.grid)
        _, lattice = apply_variety(lattice, bundle.variety, song.grid.cadences, bundle.coverage)
        paths.append(list(viterbi(lattice).chords))
    return paths


def change_places(songs: Sequence[SongSlots], paths: Sequence[Sequence[int | None]]
                  ) -> tuple[float, float, float]:
    """(share of changes on a bar's first slot, changes per first slot, changes per later slot)
    over the slots whose neighbours both have a human chord, as the rates are counted."""
    changes, seen = np.zeros(2), np.zeros(2)  # [later, first]
    for song, path in zip(songs, paths):
        starts = bar_starts(song.grid)
        for t in range(1, len(path)):
            if song.labels[t - 1] is None or song.labels[t] is None:
                continue
            place = int(starts[t])
            seen[place] += 1
            changes[place] += path[t] != path[t - 1]
    return changes[1] / max(changes.sum(), 1), changes[1] / max(seen[1], 1), changes[0] / max(seen[0], 1)


def main() -> None:
    options = style_corpus_parser(__doc__).parse_args()
    bundle = load_model(options.style)
    if bundle.bar_change is None:
        raise SystemExit(f"the {options.style} card has no decoding.bar_change")
    splits = prepared_splits(options.corpus, options.path, SEED, bundle.chord_per_beat,
                             ("validation", "test"))
    rates = bundle.bar_change
    print(f"{options.style} on {options.corpus}: card rates of change at a bar's first slot "
          f"{rates.first:.3f}, later {rates.later:.3f}, average {rates.average:.3f}; "
          f"weights {bundle.weights}, prior correction {bundle.prior_correction}, variety {bundle.variety}")
    for split, songs in splits.items():
        fits = song_fits(songs, bundle)
        human = change_places(songs, [song.labels for song in songs])
        print(f"{split} ({len(songs)} songs): human changes {human[0]:.1%} on the bar line; "
              f"per first slot {human[1]:.3f}, per later slot {human[2]:.3f}")
        for name, model in (("with the card's rates", bundle),
                            ("without them", dataclasses.replace(bundle, bar_change=None))):
            paths = decode(songs, fits, model)
            figures = path_agreement(songs, paths)
            ours = change_places(songs, paths)
            print(f"  {name:<22} exact {figures['exact']:.2%}  same root {figures['root']:.2%}  "
                  f"CHE {figures['che_ours']:.3f} / {figures['che_human']:.3f}  "
                  f"CC {figures['cc_ours']:.2f} / {figures['cc_human']:.2f}  "
                  f"changes {ours[0]:.1%} on the bar line; per first slot {ours[1]:.3f}, "
                  f"per later slot {ours[2]:.3f}", flush=True)


if __name__ == "__main__":
    main()
