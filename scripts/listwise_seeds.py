"""The listwise candidate over several seeds: each network alone, and the average of the first k.

    python scripts/listwise_seeds.py folk nottingham ../shared/data/nottingham --seeds 20261125,1,2,3,4
    python scripts/listwise_seeds.py pop pop909 ../shared/data/pop909 --seeds 20261125,1,2,3,4
    python scripts/listwise_seeds.py classical bach ../shared/data/when_in_rome --seeds 20261125,1,2,3,4

Trains one listwise network per seed on the style's training songs (as ``harmonizer train``
does: same split, rows and class balancing) and prints, on the validation songs, its model-only
accuracy and log-likelihood and the decoded exact / same-root agreement and chord coverage at
prior corrections 0, 0.2 and 0.3; after every network past the first, the same for the average
of the networks so far (:func:`~harmonizer.training.listwise.merge_networks`' ensemble).  This
measured the seed spread and the gain behind ``LISTWISE_MEMBERS`` (docs/models.md, "Five networks").
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from _style_corpus import style_corpus_parser

from harmonizer.scorer import load_model
from harmonizer.training import train as training
from harmonizer.training.dataset import build_rows, count_context, prepare_song, split_of
from harmonizer.training.decoding import SELECTION_WEIGHTS
from harmonizer.training.listwise import ListwiseMLP

CORRECTIONS = (0.0, 0.2, 0.3)


class _Average(ListwiseMLP):
    """The mean score of networks already trained (what ``members`` > 1 exports as one)."""

    def __init__(self, networks: list[ListwiseMLP]) -> None:
        super().__init__()
        self.networks = networks

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.mean([n.predict(x) for n in self.networks], axis=0)


def main() -> None:
    parser = style_corpus_parser(__doc__)
    parser.add_argument("--seeds", default=",".join(str(training.SEED + i) for i in range(5)),
                        help="comma-separated network seeds (default: %(default)s)")
    options = parser.parse_args()
    seeds = [int(s) for s in options.seeds.split(",") if s.strip()]
    songs, _ = training._load_all([(options.corpus, options.path)], None, lambda _line: None)
    per_beat = load_model(options.style).chord_per_beat  # the style's slots, as training cuts them
    prepared = defaultdict(list)
    for song in songs:
        try:
            prepared[split_of(song, training.SEED)].append(prepare_song(song, per_beat=per_beat))
        except ValueError:  # counted and skipped by training too
            pass
    tables = count_context(prepared["train"])
    x, y, slot_ids, song_ids = build_rows(prepared["train"], tables)
    weight = training.class_balance_weights(y, slot_ids, 0.5)
    x_val, y_val, _, _ = build_rows(prepared["validation"], tables)

    def report(name: str, model: ListwiseMLP) -> None:
        accuracy, log_likelihood = training.emission_accuracy(model.predict(x_val), y_val, "score")
        parts = []
        for beta in CORRECTIONS:
            decoded = training.evaluate(prepared["validation"],
                                        training._bundle(options.style, model, tables, 1.0, beta,
                                                         per_beat=per_beat),
                                        SELECTION_WEIGHTS)
            parts.append(f"beta {beta:g}: exact {decoded['exact']:.4f} root {decoded['root']:.4f} "
                         f"CC {decoded['cc_ours']:.2f}/{decoded['cc_human']:.2f}")
        print(f"{name}: accuracy {accuracy} log-likelihood {log_likelihood} | " + " | ".join(parts),
              flush=True)

    print(f"{options.style}: {len(prepared['validation'])} validation songs of {options.corpus}")
    networks: list[ListwiseMLP] = []
    for seed in seeds:
        started = time.perf_counter()
        network = ListwiseMLP(hidden=64, alpha=1e-4, seed=seed).fit(x, y, weight, groups=song_ids)
        networks.append(network)
        report(f"seed {seed} (best epoch {network.trained[0]['best_epoch']}, "
               f"{time.perf_counter() - started:.0f} s)", network)
        if len(networks) > 1:
            report(f"average of {len(networks)}", _Average(networks))


if __name__ == "__main__":
    main()
