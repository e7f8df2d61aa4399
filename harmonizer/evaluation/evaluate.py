"""Held-out evaluation of a style against the human chords of its corpora (issue 3).

``python -m harmonizer.evaluation --style folk --corpus nottingham=../shared/data/nottingham
--report report.md`` loads the corpora, keeps the **test** split (the same song-level split,
seed and slot cutting as training: :func:`harmonizer.training.dataset.split_of`,
:func:`~harmonizer.training.dataset.prepare_song`) and harmonizes each test melody with

* ``ours``: the full engine with the style's shipped model, finding the key itself as the
  command line does (from the melody, with the source file's key signature as evidence where
  the file writes one: the chorales' MusicXML, the Nottingham ABC, the OpenEWLD lead sheets;
  POP909 and WJD write none) (the headline row), and ``ours_given_key``: the same with the
  corpus key;
* ``hmm``: a bigram HMM (:class:`~harmonizer.evaluation.baselines.BigramHMM`) whose
  transitions are counted on the **train** split of the same corpora;
* ``notebook``: the original notebook's algorithm
  (:class:`~harmonizer.evaluation.baselines.NotebookBaseline`);

and compares them with ``human``: the human chord that sounds longest in each slot, mapped
into the vocabulary (what training learns from).  ``human_written`` is the human chords as
written (their own rhythm and qualities), scored by the metrics only.

Reported per corpus and system:

* agreement per slot with the human chord, over slots whose human chord maps into the
  vocabulary: exact (root and quality), same root, same root and triad class (as
  :func:`harmonizer.training.train.evaluate`);
* the six metrics of :mod:`harmonizer.evaluation.metrics`, per song, averaged over songs;
* cadences: at phrase-final slots (the engine's phrase ends, labelled slots only), the share on
  the tonic of the **corpus key** (the same reference for every system), on V (major triad
  class: a half cadence), and on vi (VI in minor) right after a chord on the dominant (a
  deceptive cadence).  "Deliberate" is tonic, half or deceptive.

The baselines are given the corpus key by default (``baseline_key="given"``): an advantage
over the headline engine row, so the comparison errs in their favour.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..chords import TRIAD_CLASS
from ..engine import harmonize_melody
from ..errors import HarmonizerError, OptionError, exit_code_for
from ..key_finding import estimate_key
from ..scorer import STYLES, load_model
from ..slots import make_slots
from ..theory import Key
from ..training.corpora import LoadStats, corpus_pairs, load_corpus
from ..training.dataset import SongSlots, prepare_song, split_of
from ..training.train import SEED
from ..vocabulary import VOCABULARY, VocabularyChord
from .baselines import BigramHMM, NotebookBaseline
from .metrics import METRIC_NAMES, TimedChord, all_metrics

__all__ = ["evaluate_corpus", "main", "cadence_kind", "SYSTEMS", "SYSTEM_LABELS"]

#: Systems run per slot, in report order, with their labels.
SYSTEM_LABELS: dict[str, str] = {
    "ours": "ours (key found)",
    "ours_given_key": "ours (corpus key)",
    "hmm": "bigram HMM",
    "notebook": "notebook algorithm",
    "human": "human (per slot)",
    "human_written": "human (as written)",
}
SYSTEMS: tuple[str, ...] = tuple(SYSTEM_LABELS)
#: Systems compared with the human chords slot by slot.
PREDICTORS: tuple[str, ...] = ("ours", "ours_given_key", "hmm", "notebook")
#: Systems whose cadences are counted (on the slot grid).
SLOT_SYSTEMS: tuple[str, ...] = PREDICTORS + ("human",)


@dataclass
class _Tally:
    """Running totals of one system on one corpus."""

    agreement: Counter[str] = field(default_factory=Counter)
    cadence: Counter[str] = field(default_factory=Counter)
    metrics: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    numerals: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    qualities: Counter[str] = field(default_factory=Counter)


def _shown_path(path: Path) -> str:
    """``path`` relative to the working folder when inside it (reports stay machine-neutral)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return sum(finite) / len(finite) if finite else math.nan


def _timed(slots: Sequence[Any], root: int, quality: str, t: int) -> TimedChord:
    return TimedChord(slots[t].onset, slots[t].duration, root, quality)


def _human_per_slot(prepared: SongSlots) -> list[TimedChord | None]:
    key = prepared.song.key
    slots = prepared.grid.slots
    return [
        None if label is None
        else _timed(slots, VOCABULARY[label].root_pitch_class(key), VOCABULARY[label].quality, t)
        for t, label in enumerate(prepared.labels)
    ]


def cadence_kind(root: int, quality: str, previous_root: int | None, key: Key) -> str | None:
    """How a chord (root a pitch class) ends a phrase in ``key``: ``"tonic"``, ``"half"`` (a
    major-class chord on the dominant), ``"deceptive"`` (on vi, VI in minor, right after a chord
    on the dominant), else None."""
    dominant = (key.tonic + 7) % 12
    if root == key.tonic:
        return "tonic"
    if root == dominant and TRIAD_CLASS[quality] == "maj":
        return "half"
    if root == (key.tonic + (9 if key.mode == "major" else 8)) % 12 and previous_root == dominant:
        return "deceptive"
    return None


def _numeral(chord: TimedChord, key: Key) -> str:
    return VocabularyChord(-1, (chord.root - key.tonic) % 12, chord.quality).numeral(key.mode)


def _run_song(prepared: SongSlots, bundle: Any, hmm: BigramHMM, notebook: NotebookBaseline,
              baseline_key: str) -> dict[str, list[TimedChord | None]]:
    """Every system's chord per slot of one song (``human_written`` keeps its own rhythm)."""
    song, grid = prepared.song, prepared.grid
    rhythm = grid.harmonic_rhythm
    outputs: dict[str, list[TimedChord | None]] = {}
    for name, key in (("ours", None), ("ours_given_key", song.key)):
        # Key found as the command line finds it: from the melody, with the file's own key
        # signature (where the source writes one) as evidence.
        result = harmonize_melody(song.melody, key=key, key_signature=song.key_signature,
                                  style=bundle.style, harmonic_rhythm=rhythm, alternatives=1,
                                  model=bundle)
        if len(result.chords) != len(grid):
            raise ValueError(f"{song.song_id}: the engine cut {len(result.chords)} slots, "
                             f"training {len(grid)}")
        outputs[name] = [TimedChord(c.onset, c.duration, c.root, c.quality) for c in result.chords]
    if baseline_key == "given":
        key, baseline_grid = song.key, grid
    else:
        # The key ours finds, with the style's key model: the baselines lose nothing to it.
        key = estimate_key(song.melody.notes, song.key_signature, model=bundle.key_model,
                           meter=song.melody.meter).key
        baseline_grid = make_slots(song.melody, key, rhythm)
    outputs["hmm"] = list(hmm.harmonize(baseline_grid, key))
    outputs["notebook"] = list(notebook.harmonize(song.melody, baseline_grid, key))
    outputs["human"] = _human_per_slot(prepared)
    outputs["human_written"] = [TimedChord(c.onset, c.duration, c.root, c.quality)
                                for c in song.chords if c.root is not None]
    return outputs


def _score_song(prepared: SongSlots, outputs: dict[str, list[TimedChord | None]],
                tallies: dict[str, _Tally]) -> None:
    song, slots, labels = prepared.song, prepared.grid.slots, prepared.labels
    key = song.key
    for name, chords in outputs.items():
        tally = tallies[name]
        present = [c for c in chords if c is not None]
        for metric, value in all_metrics(song.melody, present).items():
            tally.metrics[metric].append(value)
        if name not in SLOT_SYSTEMS:
            continue
        for sounding in present:
            tally.numerals[key.mode][_numeral(sounding, key)] += 1
            tally.qualities[TRIAD_CLASS[sounding.quality]] += 1
        for t, label in enumerate(labels):
            chord = chords[t]
            if label is None or chord is None:
                continue
            if name in PREDICTORS:
                human = VOCABULARY[label]
                same_root = chord.root == human.root_pitch_class(key)
                tally.agreement["slots"] += 1
                tally.agreement["root"] += same_root
                same_triad = TRIAD_CLASS[chord.quality] == TRIAD_CLASS[human.quality]
                tally.agreement["triad"] += same_root and same_triad
                tally.agreement["exact"] += same_root and chord.quality == human.quality
            if slots[t].phrase_end:
                previous = chords[t - 1] if t > 0 else None
                kind = cadence_kind(chord.root, chord.quality, previous.root if previous else None, key)
                tally.cadence["phrase_ends"] += 1
                tally.cadence[kind or "none"] += 1
                tally.cadence["deliberate"] += kind is not None


def _summary(tally: _Tally, name: str) -> dict[str, Any]:
    summary: dict[str, Any] = {"label": SYSTEM_LABELS[name],
                               "metrics": {m: round(_mean(tally.metrics[m]), 4) for m in METRIC_NAMES}}
    if name in PREDICTORS:
        slots = max(tally.agreement["slots"], 1)
        summary["agreement"] = {"slots": tally.agreement["slots"],
                                "exact": round(tally.agreement["exact"] / slots, 4),
                                "root": round(tally.agreement["root"] / slots, 4),
                                "root_and_triad": round(tally.agreement["triad"] / slots, 4)}
    if name in SLOT_SYSTEMS:
        ends = max(tally.cadence["phrase_ends"], 1)
        summary["cadence"] = {"phrase_ends": tally.cadence["phrase_ends"],
                              **{k: round(tally.cadence[k] / ends, 4)
                                 for k in ("tonic", "half", "deceptive", "deliberate")}}
        summary["numerals"] = {mode: dict(counter.most_common()) for mode, counter in tally.numerals.items()}
        summary["triad_classes"] = dict(tally.qualities.most_common())
    return summary


def _targets(corpus: str, systems: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets for the headline row (ours, key found)."""
    ours = systems["ours"]
    rows: list[dict[str, Any]] = []

    def add(target: str, value: float, reference: float, met: bool) -> None:
        rows.append({"corpus": corpus, "target": target, "ours": value, "reference": reference,
                     "met": bool(met)})

    root = ours["agreement"]["root"]
    notebook_root = systems["notebook"]["agreement"]["root"]
    add("same-root agreement >= 1.5 x notebook's", root, round(1.5 * notebook_root, 4),
        root >= 1.5 * notebook_root)
    hmm_root = systems["hmm"]["agreement"]["root"]
    add("same-root agreement > bigram HMM's", root, hmm_root, root > hmm_root)
    for human in ("human", "human_written"):
        reference = systems[human]["metrics"]
        label = SYSTEM_LABELS[human]
        for metric in ("CTnCTR", "PCS"):
            add(f"{metric} >= {label}", ours["metrics"][metric], reference[metric],
                ours["metrics"][metric] >= reference[metric])
        for metric in ("CHE", "CC"):
            value, ref = ours["metrics"][metric], reference[metric]
            add(f"{metric} within 15 % of {label}", value, ref,
                ref > 0 and abs(value - ref) <= 0.15 * ref)
    deliberate = ours["cadence"]["deliberate"]
    human_deliberate = systems["human"]["cadence"]["deliberate"]
    add("phrase ends on tonic / half / deceptive >= human", deliberate, human_deliberate,
        deliberate >= human_deliberate)
    return rows


def evaluate_corpus(
    style: str,
    corpora: Sequence[tuple[str, str | Path]],
    models_dir: str | Path | None = None,
    limit: int | None = None,
    seed: int = SEED,
    report: str | Path | None = None,
    *,
    baseline_key: str = "given",
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Evaluate ``style`` on the test songs of ``corpora`` (``(name, path)`` pairs).

    ``limit`` loads at most that many songs per corpus (the split is then taken among them);
    ``seed`` must be the training seed for the test split to be held out; ``report`` writes
    the Markdown tables there and the chord-distribution plot beside it (``<stem>-chords.png``,
    needs matplotlib).  ``baseline_key`` is ``"given"`` (the corpus key) or ``"estimated"``.
    Returns the numbers as a dictionary (``corpora``, ``targets``, ``report``, ``plot``).
    Raises :class:`~harmonizer.errors.OptionError` for a bad style, corpus name or option and
    :class:`~harmonizer.errors.ModelError` when the style has no model.
    """
    if baseline_key not in ("given", "estimated"):
        raise OptionError(f"The 'baseline_key' must be one of ['given', 'estimated']. Got {baseline_key!r}.")
    if not corpora:
        raise OptionError("Give at least one corpus to evaluate on, as (name, path).")
    say = log or (lambda message: print(message, file=sys.stderr))
    started = time.perf_counter()
    bundle = load_model(style, models_dir)
    prepared: dict[str, dict[str, list[SongSlots]]] = {}
    data: dict[str, dict[str, Any]] = {}
    for name, path in corpora:
        stats = LoadStats(corpus=name)
        songs = list(load_corpus(name, path, limit=limit, stats=stats))
        splits: dict[str, list[SongSlots]] = defaultdict(list)
        unusable = 0
        for song in songs:
            try:
                splits[split_of(song, seed)].append(prepare_song(song, per_beat=bundle.chord_per_beat))
            except ValueError as error:  # an unusable melody is counted, never fatal
                unusable += 1
                say(f"skip {song.song_id}: {error}")
        prepared[name] = splits
        data[name] = {"path": str(path), "songs_loaded": len(songs),
                      "skipped_at_load": sum(stats.skipped.values()), "unusable_melodies": unusable,
                      "train_songs": len(splits["train"]), "test_songs": len(splits["test"])}
        say(f"{name}: {len(songs)} songs, {len(splits['train'])} train, {len(splits['test'])} test")
    training = [p for splits in prepared.values() for p in splits["train"]]
    if not training:
        raise OptionError("No training songs to count the HMM's transitions on: give more data.")
    hmm = BigramHMM().fit(training)
    notebook = NotebookBaseline(style)
    results: dict[str, Any] = {"style": style, "seed": seed, "baseline_key": baseline_key,
                               "model": {"path": _shown_path(bundle.path),
                                         "chosen": bundle.card.get("model", {}).get("chosen"),
                                         "sha256": str(bundle.card.get("sha256", ""))[:12],
                                         # How the engine decodes (the card's): factor weights
                                         # (harmonic, voice leading, context) and prior correction.
                                         "weights": list(bundle.weights),
                                         "prior_correction": bundle.prior_correction,
                                         "variety": bundle.variety,
                                         "coverage": None if bundle.coverage is None
                                         else bundle.coverage.to_dict(),
                                         # The key model the style finds keys with (None: the
                                         # profiles): its card's checksum and the style's bias.
                                         "key_model": None if bundle.key_model_sha256 is None
                                         else bundle.key_model_sha256[:12],
                                         "key_model_minor_bias": None if bundle.key_model is None
                                         else bundle.key_model.minor_bias},
                               "corpora": {}, "targets": []}
    for name, splits in prepared.items():
        tallies = {system: _Tally() for system in SYSTEMS}
        failed: list[str] = []
        for number, test_song in enumerate(splits["test"], 1):
            try:
                outputs = _run_song(test_song, bundle, hmm, notebook, baseline_key)
            except (HarmonizerError, ValueError) as error:
                failed.append(f"{test_song.song.song_id}: {error}")
                say(f"skip {test_song.song.song_id}: {error}")
                continue
            _score_song(test_song, outputs, tallies)
            if number % 20 == 0:
                say(f"{name}: {number}/{len(splits['test'])} test songs")
        evaluated = len(splits["test"]) - len(failed)
        data[name].update({"test_songs_evaluated": evaluated, "failed": failed,
                           "test_slots": sum(len(p.labels) for p in splits["test"]),
                           "test_slots_labelled": sum(sum(label is not None for label in p.labels)
                                                      for p in splits["test"])})
        systems = {system: _summary(tallies[system], system) for system in SYSTEMS}
        results["corpora"][name] = {"data": data[name], "systems": systems}
        if evaluated:
            results["targets"].extend(_targets(name, systems))
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["report"] = results["plot"] = None
    if report is not None:
        from .report import write_report

        report_path, plot_path = write_report(results, Path(report))
        results["report"], results["plot"] = str(report_path), str(plot_path)
    return results


def main(argv: Sequence[str] | None = None, prog: str = "python -m harmonizer.evaluation") -> int:
    """The evaluation command; ``prog`` names it in help and errors (e.g. ``harmonize-midi evaluate``)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Harmonize the held-out test melodies of a style's corpora with the engine and two "
                    "baselines, and compare them with the human chords.",
    )
    parser.add_argument("--style", required=True, choices=STYLES)
    parser.add_argument("--corpus", action="append", required=True, metavar="NAME=PATH",
                        help="e.g. nottingham=../shared/data/nottingham or bach=../shared/data/when_in_rome "
                             "(repeatable)")
    parser.add_argument("--models", default=None, metavar="DIR", help="folder of the style's model "
                        "(default: the shipped models)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many songs per corpus")
    parser.add_argument("--seed", type=int, default=SEED,
                        help="the training split's seed (default: %(default)s)")
    parser.add_argument("--baseline-key", choices=("given", "estimated"), default="given",
                        help="key given to the baselines (default: %(default)s, the corpus key)")
    parser.add_argument("--report", type=Path, default=None, metavar="FILE.md",
                        help="write the tables here and the chord plot beside it (PNG)")
    args = parser.parse_args(argv)
    corpora = corpus_pairs(args.corpus, parser.error)
    try:
        results = evaluate_corpus(args.style, corpora, models_dir=args.models, limit=args.limit,
                                  seed=args.seed, report=args.report, baseline_key=args.baseline_key)
    except HarmonizerError as error:
        print(f"harmonizer evaluate: {error}", file=sys.stderr)
        return exit_code_for(error)
    from .report import markdown_tables

    print(markdown_tables(results))
    if results["report"]:
        print(f"Wrote:   {results['report']} and {results['plot']}")
    return 0
