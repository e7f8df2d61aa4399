"""Record a style's held-out evaluation in its model card.

``python -m harmonizer.training.card_evaluation --style jazz --corpus openewld=../shared/data/openewld``
runs :func:`harmonizer.evaluation.evaluate.evaluate_corpus` (the engine against the human
chords of the test songs, beside the bigram-HMM and notebook baselines: agreement, the six
metrics of Yeh et al. 2021, cadences) and writes its tables into the card's
``metrics.evaluation``, with the command that produced them, so that a card carries the same
numbers as the report.  The ``.onnx`` is not touched (its sha256 stays valid).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import HarmonizerError, ModelError, exit_code_for
from ..midi_out import write_atomic
from ..scorer import STYLES, models_dir
from .corpora import corpus_pairs
from .train import SEED

__all__ = ["summarize", "record_evaluation", "main"]

#: What a card keeps of each system's numbers (the numeral histograms stay in the report).
_KEPT = ("label", "agreement", "metrics", "cadence")


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    """The card's copy of an evaluation: per corpus its data and each system's agreement,
    metrics and cadences; the targets; the seed and the baselines' key."""
    return {
        "seed": results["seed"],
        "baseline_key": results["baseline_key"],
        "model_sha256": results["model"]["sha256"],
        "key_model_sha256": results["model"].get("key_model"),
        "key_model_minor_bias": results["model"].get("key_model_minor_bias"),
        "corpora": {
            name: {"data": {k: v for k, v in entry["data"].items() if k != "failed"},
                   "failed": len(entry["data"].get("failed", [])),
                   "systems": {system: {k: v for k, v in numbers.items() if k in _KEPT}
                               for system, numbers in entry["systems"].items()}}
            for name, entry in results["corpora"].items()
        },
        "targets": results["targets"],
    }


def record_evaluation(card_path: Path, summary: dict[str, Any], command: str,
                      key: str = "evaluation") -> dict[str, Any]:
    """Write ``summary`` (and ``command``) into the card at ``metrics.<key>``; returns the card.
    Raises :class:`ModelError` when the card cannot be read."""
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(f"{card_path}: unreadable model card ({error})") from error
    card.setdefault("metrics", {})[key] = {"command": command, **summary}
    write_atomic(card_path, lambda stream: stream.write((json.dumps(card, indent=1) + "\n").encode()))
    return card


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harmonizer.training.card_evaluation",
        description="Evaluate a style on its corpora's test songs and record the tables in its model card.",
    )
    parser.add_argument("--style", required=True, choices=STYLES)
    parser.add_argument("--corpus", action="append", required=True, metavar="NAME=PATH",
                        help="e.g. openewld=../shared/data/openewld (repeatable)")
    parser.add_argument("--models", type=Path, default=None, metavar="DIR",
                        help="folder of the style's model, whose card is updated "
                             "(default: the shipped models)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help="the training split's seed (default: %(default)s)")
    parser.add_argument("--report", type=Path, default=None, metavar="FILE.md",
                        help="also write the Markdown report and its plot here")
    args = parser.parse_args(argv)
    corpora = corpus_pairs(args.corpus, parser.error)
    from ..evaluation.evaluate import evaluate_corpus
    from ..evaluation.report import markdown_tables

    folder = args.models or models_dir()
    command = "python -m harmonizer.training.card_evaluation " + " ".join(
        sys.argv[1:] if argv is None else argv)
    try:
        results = evaluate_corpus(args.style, corpora, models_dir=folder, seed=args.seed,
                                  report=args.report)
        record_evaluation(folder / f"{args.style}.json", summarize(results), command)
    except HarmonizerError as error:
        print(f"card_evaluation: {error}", file=sys.stderr)
        return exit_code_for(error)
    print(markdown_tables(results))
    print(f"Recorded in {folder / (args.style + '.json')} (metrics.evaluation)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
