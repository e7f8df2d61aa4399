"""Evaluation against human harmonizations (issue 3).

Cheat-sheet::

    from harmonizer.evaluation import evaluate_corpus, TimedChord
    from harmonizer.evaluation import metrics

    results = evaluate_corpus("folk", [("nottingham", "../shared/data/nottingham")],
                              report="report.md")
    metrics.chord_histogram_entropy([TimedChord(0, 2, 0, "maj"), TimedChord(2, 2, 7, "maj")])

- :mod:`harmonizer.evaluation.metrics`: the six objective metrics of Yeh et al. (2021),
  implemented once, on our own types (a melody and timed chords).
- :mod:`harmonizer.evaluation.baselines`: a bigram HMM and an adapter for the original
  notebook's algorithm, both answering one chord per harmonic slot.
- :mod:`harmonizer.evaluation.evaluate`: the held-out evaluation of a style on its corpora, its
  Markdown report and chord-distribution plot; ``python -m harmonizer.evaluation --help``.

scikit-learn (the notebook baseline) and matplotlib (the plot) are imported only when used.
"""

from __future__ import annotations

from .evaluate import evaluate_corpus, main
from .metrics import TimedChord

__all__ = ["evaluate_corpus", "main", "TimedChord"]
