"""Build the blues model: a base style's scorer with the 12-bar blues blended into its tables.

``python -m harmonizer.training.blues --base models/jazz.json --out models
--corpus wjd-blues=../shared/data/wjd --corpus openewld-blues=../shared/data/openewld
--guard-corpus openewld=../shared/data/openewld --guard-corpus nottingham=../shared/data/nottingham``

There is no corpus of blues melodies with their chords big enough to train a scorer on, and
training on output of our own scorer would only teach it itself.  So the blues model keeps
the base model's scorer (how melodies sit on chords, learned from real lead sheets: the
``.onnx`` is copied byte for byte) and changes what the style is about, its chord statistics:
the base card's chord prior, transitions, starts and ends are mixed with those of the
documented 12-bar blues forms (:mod:`harmonizer.training.blues_prior`),
``(1 - w) * base + w * form``, with one weight ``w`` per mode.  The prior also feeds the
scorer's ``log_chord_prior`` feature, so the blues' chords gain in the scorer too (a prior
shift).

The steps, all deterministic:

1. load the base model (its sha256 checked) and count the forms;
2. per mode, choose ``w`` among :data:`BLEND_WEIGHTS` on the *tuning* songs of that mode:
   the blues corpora's songs in the training split of the base's seed (so the held-out ones
   stay clean), by exact chord agreement after full decoding; weights within
   :data:`~harmonizer.training.train.SELECTION_TOLERANCE` of the best count as equal and
   the smallest of them wins (the least departure from what was learned).  A weight must
   also pass the *guard*: on ordinary melodies of that mode (the validation songs of the
   guard corpora; by default the base's own, as its card records them) its same-root
   agreement stays within :data:`GUARD_TOLERANCE` of the base's.  Without the guard the
   tuning songs, all blues, ask for ever more form (0.5 in major with the shipped jazz base,
   where the guard songs' exact agreement falls from 54 % to 12 %: nearly every chord of a
   plain tune becomes a dominant seventh, the form's tonic seventh looking as common to the
   scorer as the tonic triad; the card's ``blend.trials``).  Roots, not exact chords, because
   turning I into I7 is what the blues model is for.  ``--blend W`` skips the choice;
3. choose the blues' own decoding (factor weights, prior correction and variety, see
   :mod:`harmonizer.training.decoding`) on the tuning songs with the blend fixed: the base's
   was chosen on its own lead sheets, where the learned transitions matter less and chords
   vary more than in a 12-bar form (the blend itself is chosen with the base's weights and
   prior correction, without the variety bonus).  Every trial of
   :func:`~harmonizer.training.decoding.decoding_trials` decodes the tuning songs, and
   :func:`~harmonizer.training.decoding.choose_decoding` takes, of those within 3 points of
   the best exact agreement, the most accurate (exact plus same-root agreement) meeting the
   cadences and variety targets, else the cadences, else the most accurate (the baselines'
   floor is not used: the tuning songs
   are the HMM's training songs).  The guard holds here too: a trial is eligible only if the
   guard songs' same-root agreement stays within :data:`GUARD_TOLERANCE` of the base model's
   as shipped (unguarded, the tuning songs chose context weight 0.6 and a single chord for a
   whole OpenEWLD blues);
4. calibrate the posterior temperature on the tuning songs;
5. write ``blues.onnx`` (the base's bytes) and ``blues.json``: base, prior, blend, the
   trials, and the held-out comparison with the base model per corpus (validation and test
   songs: agreement with the corpus key and with the key found, and how much of the
   harmonization is dominant sevenths and the forms' chords);
6. with corpora, run :func:`harmonizer.evaluation.evaluate.evaluate_corpus` for the blues
   and the base model on the corpora's test songs and record both in the card.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime as _dt
import hashlib
import json
import platform
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..engine import Weights, harmonize_melody, style_weights
from ..errors import HarmonizerError, OptionError, exit_code_for
from ..midi_out import write_atomic
from ..scorer import ModelBundle, load_model
from ..theory import Mode
from ..vocabulary import VOCABULARY, chord_index
from .blues_prior import (
    BLUES_CHORDS,
    CHORUSES,
    FORM_SMOOTHING,
    FORMS,
    blend_tables,
    form_tables,
    tables_from_card,
)
from .corpora import LoadStats, corpus_pairs, load_corpus
from .dataset import ContextTables, SongSlots, prepare_song, split_of
from .decoding import (
    COVERAGE_SHARES,
    DECODING_WEIGHTS,
    GUARD_TOLERANCE,
    PRIOR_CORRECTIONS,
    TARGETS_PRICE,
    VARIETIES,
    choose_decoding,
    chosen_coverage,
    coverage_entry,
    coverage_or_none,
    decoding_trials,
    guard_songs,
)
from .train import SELECTION_TOLERANCE, _versions, calibrate_temperature, evaluate

__all__ = ["BLEND_WEIGHTS", "GUARD_TOLERANCE", "blues_bundle", "blues_usage", "build_blues",
           "choose_blend", "main"]

#: Blend weights tried per mode (0, the base model itself, is reported beside them).
BLEND_WEIGHTS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
STYLE = "blues"
MODES: tuple[Mode, Mode] = ("major", "minor")
_AGREEMENT = ("slots", "exact", "root", "root_and_triad")


def blues_bundle(base: ModelBundle, tables: ContextTables, temperature: float | None = None,
                 decoding: Mapping[str, Any] | None = None) -> ModelBundle:
    """The base model with ``tables`` as its chord statistics (same scorer session), decoding
    as ``decoding`` says (``weights``, ``prior_correction``, ``variety``, ``coverage``; default:
    the base's weights, prior correction and coverage, no variety bonus)."""
    chosen = {"weights": base.weights, "prior_correction": base.prior_correction, "variety": 0.0,
              "coverage": base.coverage, **(decoding or {})}
    return dataclasses.replace(
        base, style=STYLE, log_prior=dict(tables.unigram), transition=dict(tables.transition),
        start=dict(tables.start), end=dict(tables.end),
        temperature=base.temperature if temperature is None else temperature,
        weights=tuple(chosen["weights"]), prior_correction=chosen["prior_correction"],
        variety=chosen["variety"], coverage=chosen["coverage"],
    )


def _form_chords(mode: Mode) -> frozenset[int]:
    """Vocabulary indices of the chords the forms of ``mode`` use."""
    numerals = {n for form in FORMS[mode] for bar in form.bars for n in bar}
    return frozenset(i for i in (chord_index(*BLUES_CHORDS[n]) for n in numerals) if i is not None)


def blues_usage(songs: Sequence[SongSlots], bundle: ModelBundle, weights: Weights) -> dict[str, float]:
    """Share of labelled slots on a dominant seventh, and on the forms' chords, ours (corpus
    key) and the human's."""
    totals: Counter[str] = Counter()
    for prepared in songs:
        song = prepared.song
        result = harmonize_melody(song.melody, key=song.key, style=bundle.style,
                                  harmonic_rhythm=prepared.grid.harmonic_rhythm, weights=weights,
                                  alternatives=1, model=bundle)
        form = _form_chords(song.key.mode)
        for choice, label in zip(result.chords, prepared.labels):
            if label is None:
                continue
            ours = chord_index((choice.root - song.key.tonic) % 12, choice.quality)
            totals["slots"] += 1
            totals["ours_dom7"] += choice.quality == "dom7"
            totals["human_dom7"] += VOCABULARY[label].quality == "dom7"
            totals["ours_form"] += ours in form
            totals["human_form"] += label in form
    slots = max(totals["slots"], 1)
    return {name: round(totals[name] / slots, 4)
            for name in ("ours_dom7", "human_dom7", "ours_form", "human_form")}


def _by_mode(songs: Sequence[SongSlots]) -> dict[Mode, list[SongSlots]]:
    return {mode: [p for p in songs if p.mode == mode] for mode in MODES}


def _prepared(name: str, path: str, stats: LoadStats, per_beat: bool) -> list[SongSlots]:
    """The corpus's songs cut into slots as the base style cuts them (``per_beat``: its card's
    ``chord_per_beat``, which the blues card inherits)."""
    prepared: list[SongSlots] = []
    for song in load_corpus(name, path, stats=stats):
        try:
            prepared.append(prepare_song(song, per_beat=per_beat))
        except ValueError as error:  # an unusable melody is counted, never fatal
            stats.skip(song.song_id, "unusable melody", str(error))
    return prepared


def _load_blues(corpora: Sequence[tuple[str, str]], seed: int, base_corpora: set[str],
                log: Callable[[str], None], per_beat: bool
                ) -> tuple[dict[str, list[SongSlots]], dict[str, list[SongSlots]], dict[str, dict]]:
    """(tuning songs per corpus, held-out songs per corpus, data report per corpus)."""
    tuning: dict[str, list[SongSlots]] = {}
    held_out: dict[str, list[SongSlots]] = {}
    reports: dict[str, dict] = {}
    for name, path in corpora:
        stats = LoadStats(corpus=name)
        prepared = _prepared(name, path, stats, per_beat)
        log(stats.summary())
        tuning[name] = [p for p in prepared if split_of(p.song, seed) == "train"]
        held_out[name] = [p for p in prepared if split_of(p.song, seed) != "train"]
        reports[name] = {
            "path": str(path), "songs": len(prepared), "skipped": dict(stats.skipped),
            "tuning_songs": {m: len(s) for m, s in _by_mode(tuning[name]).items()},
            "held_out_songs": {m: len(s) for m, s in _by_mode(held_out[name]).items()},
            "held_out_song_ids": [p.song.song_id for p in held_out[name]],
            # a corpus the base trained on (openewld-blues within openewld): its tuning songs
            # may be in the base's training split, its held-out ones never are
            "base_trained_on_its_corpus": any(p.song.corpus in base_corpora for p in prepared),
        }
    return tuning, held_out, reports


def choose_blend(tuning: Sequence[SongSlots], guard: Sequence[SongSlots], base: ModelBundle,
                 prior: ContextTables, base_tables: ContextTables, weights: Weights,
                 candidates: Sequence[float] = BLEND_WEIGHTS) -> tuple[dict[str, float], dict[str, dict]]:
    """The blend weight of each mode by the rule of the module docstring, and every weight's
    numbers per mode (``tuning`` and ``guard`` agreement, ``passes_guard``).

    A mode without tuning songs gets the smallest weight that passes its guard; a mode
    without guard songs passes it; a mode where no weight passes gets the smallest candidate.
    """
    tuning_by_mode, guard_by_mode = _by_mode(tuning), _by_mode(guard)
    trials: dict[str, dict] = {mode: {} for mode in MODES}
    for weight in (0.0, *candidates):
        # one weight for both modes: each mode's songs only read their own mode's tables
        bundle = blues_bundle(base, blend_tables(base_tables, prior, weight))
        for mode in MODES:
            entry: dict[str, Any] = {}
            for part, songs in (("tuning", tuning_by_mode[mode]), ("guard", guard_by_mode[mode])):
                if songs:
                    decoded = evaluate(songs, bundle, weights)
                    entry[part] = {k: decoded[k] for k in _AGREEMENT}
            trials[mode][str(weight)] = entry
    chosen: dict[str, float] = {}
    for mode in MODES:
        table = trials[mode]
        base_root = table["0.0"].get("guard", {}).get("root")
        passing = []
        for weight in candidates:
            root = table[str(weight)].get("guard", {}).get("root")
            table[str(weight)]["passes_guard"] = ok = base_root is None or root >= base_root - GUARD_TOLERANCE
            if ok:
                passing.append(weight)
        if not passing:
            chosen[mode] = min(candidates)
        elif "tuning" not in table["0.0"]:
            chosen[mode] = min(passing)
        else:
            best = max(table[str(w)]["tuning"]["exact"] for w in passing)
            chosen[mode] = min(w for w in passing
                               if table[str(w)]["tuning"]["exact"] >= best - SELECTION_TOLERANCE)
    return chosen, trials


def _card_forms() -> list[dict[str, Any]]:
    return [{"name": form.name, "mode": form.mode, "ending": form.ending,
             "bars": " | ".join("-".join(bar) for bar in form.bars)}
            for forms in FORMS.values() for form in forms]


def build_blues(base_card: str | Path, out_dir: str | Path, *,
                corpora: Sequence[tuple[str, str]] = (), blend: float | Mapping[str, float] | None = None,
                guard_corpora: Sequence[tuple[str, str]] = (), command: str = "",
                log: Callable[[str], None] = print) -> dict[str, Any]:
    """Build, evaluate and write the blues model (``blues.onnx`` and ``blues.json`` in
    ``out_dir``) on top of the model whose card is ``base_card``; returns the card.

    Give ``corpora`` (blues corpora, ``(name, path)``) to choose the blend weights and measure
    the result, or ``blend`` (one weight, or one per mode) to fix them.  ``guard_corpora``
    (default: the base's corpora as its card records them) give the guard's ordinary melodies.
    Raises :class:`OptionError` when there are neither corpora nor a blend, or a weight is
    outside 0..1, and :class:`~harmonizer.errors.ModelError` for a missing or mismatched base.
    """
    if blend is None and not corpora:
        raise OptionError("Give blues corpora to choose the blend weight on, or the weight itself (blend).")
    fixed: dict[str, float] | None = None
    if blend is not None:
        fixed = {m: float(blend) for m in MODES} if isinstance(blend, (int, float)) else dict(blend)
        if set(fixed) != set(MODES) or not all(0.0 <= w <= 1.0 for w in fixed.values()):
            raise OptionError(f"The 'blend' weight must be in 0..1 (one, or one per mode). Got {blend!r}.")
    base_path = Path(base_card)
    base_style = base_path.stem
    base = load_model(base_style, base_path.parent)
    base_tables = tables_from_card(base.card["context"])
    prior = form_tables()
    weights = style_weights(base)  # the blend is chosen with the base's weights (see the docstring)
    seed = int(base.card.get("seed", 0))
    recorded = base.card.get("data", {}).get("corpora", {})
    tuning: dict[str, list[SongSlots]] = {}
    held_out: dict[str, list[SongSlots]] = {}
    reports: dict[str, dict] = {}
    if corpora:
        tuning, held_out, reports = _load_blues(corpora, seed, set(recorded), log, base.chord_per_beat)
    tuning_songs = [p for songs in tuning.values() for p in songs]
    trials: dict[str, dict] = {}
    guard_report: dict[str, Any] = {}
    ordinary: list[SongSlots] = []
    if fixed is None:
        if not tuning_songs:
            raise OptionError("No tuning songs (training split) in the blues corpora: give more data "
                              "or a blend.")
        guard_specs = list(guard_corpora) or [(name, str(entry["path"])) for name, entry in recorded.items()]
        ordinary, guard_report = guard_songs(guard_specs, seed, base.chord_per_beat, log)
        fixed, trials = choose_blend(tuning_songs, ordinary, base, prior, base_tables, weights)
        log(f"blend weights: {fixed}")
        rule = (f"per mode: the highest exact agreement on the tuning songs among {list(BLEND_WEIGHTS)} "
                f"whose same-root agreement on the guard songs is within {GUARD_TOLERANCE} of the "
                f"base's; within {SELECTION_TOLERANCE} of the best, the smallest weight")
    else:
        rule = "given (--blend)"
    tables = blend_tables(base_tables, prior, fixed)
    decoding: dict[str, Any] = {}
    decoding_table: list[dict[str, Any]] = []
    temperature = base.temperature
    if tuning_songs:
        blended = blues_bundle(base, tables)
        # the blues' own chord coverage: what "auto" and "colour" aim at is the tuning songs' chords
        coverage = coverage_or_none(tuning_songs, "tuning songs", log)
        decoding_table = decoding_trials(tuning_songs, blended, coverage=coverage)
        eligible = decoding_table
        if ordinary:
            # The guard again: on ordinary melodies the blues' decoding keeps same-root agreement
            # within GUARD_TOLERANCE of the base model's as shipped (its own decoding).
            guard_root = evaluate(ordinary, base, style_weights(base))["root"]
            guarded_trials = decoding_trials(ordinary, blended, coverage=coverage)
            for trial, guarded in zip(decoding_table, guarded_trials):
                trial["guard_root"] = guarded["root"]
                trial["passes_guard"] = guarded["root"] >= guard_root - GUARD_TOLERANCE
            eligible = [t for t in decoding_table if t["passes_guard"]] or decoding_table
        chosen = choose_decoding(eligible)
        decoding = {"weights": tuple(chosen["weights"]), "prior_correction": chosen["prior_correction"],
                    "variety": chosen["variety"],
                    "coverage": chosen_coverage(coverage, chosen)}
        log(f"decoding: {chosen} (of {len(decoding_table)} trials)")
        decoded = blues_bundle(base, tables, decoding=decoding)
        temperature = calibrate_temperature(tuning_songs, decoded, style_weights(decoded))
    bundle = blues_bundle(base, tables, temperature, decoding)

    held_out_metrics: dict[str, dict] = {}
    for name, songs in held_out.items():
        if songs:
            held_out_metrics[name] = {
                "songs": len(songs),
                **{label: {"given_key": evaluate(songs, model, style_weights(model)),
                           "estimated_key": evaluate(songs, model, style_weights(model), estimated_key=True),
                           "chords": blues_usage(songs, model, style_weights(model))}
                   for label, model in ((STYLE, bundle), ("base", base))},
            }
            log(f"held out {name}: {held_out_metrics[name]}")

    onnx_bytes = base.path.read_bytes()
    card = _card(base, base_path, prior, tables, temperature, onnx_bytes, command)
    if decoding:
        card["decoding"] = {
            "weights": dict(zip(("harmonic", "voice_leading", "contextual"), decoding["weights"])),
            "prior_correction": decoding["prior_correction"], "variety": decoding["variety"],
            **coverage_entry(decoding["coverage"], len(tuning_songs), "tuning songs"),
            # the base's chord changes by place in the bar, as every trial decoded with them
            **({"bar_change": base.bar_change.to_dict()} if base.bar_change is not None else {}),
            "validation": decoding_table,
            "rule": f"the blues' own, chosen on the tuning songs with the blend fixed: every prior "
                    f"correction in {list(PRIOR_CORRECTIONS)}, each of {len(DECODING_WEIGHTS)} factor "
                    f"weights and every variety in {list(VARIETIES)} and 'auto' and 'colour' at each share "
                    f"{list(COVERAGE_SHARES)} of the coverage; of the trials whose same-root "
                    f"agreement on the guard songs is within {GUARD_TOLERANCE} of the base model's "
                    "(passes_guard; all trials if none does), the trials within "
                    f"{TARGETS_PRICE} of the best exact agreement, the most accurate meeting the "
                    "cadences and variety targets, else the cadences, else the most accurate "
                    "(accuracy: exact plus same-root agreement)",
            "base": {k: base.card["decoding"][k]
                     for k in ("weights", "prior_correction", "variety", "coverage", "bar_change")
                     if k in base.card["decoding"]}}
    card["blend"] = {
        "weight": fixed,
        "formula": "(1 - weight) * base + weight * form, as probabilities, per mode, for the chord "
                   "prior, each transition row, start and end",
        "rule": rule, "trials": trials, "guard": guard_report,
        "why": "the base supplies how melody notes sit on chords and every chord's learned use; the "
               "form supplies which chords the blues uses and how they move. The weight is the share "
               "of probability the form gets, chosen on real blues material (the tuning songs) and "
               "kept from swamping ordinary melodies (the guard), never on our own output",
    }
    card["data"] = {"base": base.card.get("data"), "blues_corpora": reports,
                    "split_rule": "tuning songs: the blues corpora's training split under the base's "
                                  "seed; held out: their validation and test splits"}
    card["metrics"] = {
        "held_out": held_out_metrics,
        "units": "share of held-out blues slots whose chord matches the human chord (slot = the "
                 "engine's default harmonic rhythm; human chord = longest in slot); chords: share of "
                 "labelled slots on a dominant seventh and on the forms' chords, ours and the human's",
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / f"{STYLE}.onnx", lambda stream: stream.write(onnx_bytes))
    card_path = out / f"{STYLE}.json"
    write_atomic(card_path, lambda stream: stream.write((json.dumps(card, indent=1) + "\n").encode()))
    log(f"wrote {out / (STYLE + '.onnx')} and {card_path}")
    if corpora:
        card = _record_evaluations(card_path, corpora, out, base_style, base_path.parent, seed, log)
    return card


def _card(base: ModelBundle, base_path: Path, prior: ContextTables, tables: ContextTables,
          temperature: float, onnx_bytes: bytes, command: str) -> dict[str, Any]:
    """The base card with what makes it the blues model's (blend, data and metrics added by
    the caller)."""
    base_card = base.card
    card = copy.deepcopy(base_card)
    card.update({
        "name": f"harmonizer-{STYLE}",
        "style": STYLE,
        "engine_version": __version__,
        "created": _dt.date.today().isoformat(),
        "command": command,
        "summary": (f"The {base.style} model's scorer (unchanged, the same .onnx) with its chord prior, "
                    "transitions, starts and ends blended with the documented 12-bar blues forms. Not "
                    "trained on blues melodies: none exist in a size to learn from."),
        "base": {"card": str(base_path), "name": base_card.get("name"), "style": base.style,
                 "created": base_card.get("created"), "command": base_card.get("command"),
                 "sha256": base_card.get("sha256"), "temperature": base.temperature,
                 "test_metrics": base_card.get("metrics", {}).get("test_per_corpus")},
        "prior": {
            "source": "12-bar blues forms (Levine 1995, The Jazz Theory Book, ch. 'The Blues'; "
                      "Kernfeld 2002, New Grove Dictionary of Jazz, 'Blues'), in "
                      "harmonizer.training.blues_prior",
            "forms": _card_forms(),
            "chords": {numeral: list(chord) for numeral, chord in BLUES_CHORDS.items()},
            "vocabulary": "every chord of the forms is in the engine's vocabulary, IV7 and v7 included",
            "counting": f"{CHORUSES} choruses per form (the last ending on the tonic), at one chord "
                        "per bar and per half bar, every form and rhythm weighing the same; counted "
                        "like human chords (harmonizer.training.dataset.count_sequences, chord and "
                        f"start pseudo count {FORM_SMOOTHING}); P(end | chord) of chords the forms "
                        "never use is the base's",
            "log_prior": {mode: [round(float(v), 5) for v in prior.unigram[mode]] for mode in MODES},
        },
        "temperature": temperature,
        "context": tables.as_card(),
        "environment": {"python": platform.python_version(), **_versions()},
        "sha256": hashlib.sha256(onnx_bytes).hexdigest(),
    })
    card["model"] = {**base_card.get("model", {}),
                     "note": f"the {base.style} model's scorer; see 'base' and 'blend'"}
    # The factor weights and prior correction stay the base's; its trials (decoding.validation)
    # were run on the base's validation songs with the base's tables, not on these.
    card["decoding"] = {**base_card.get("decoding", {}), "variety": 0.0,
                        "note": f"the {base.style} model's factor weights and prior correction, chosen "
                                "on its validation songs with its own tables (decoding.validation), "
                                "and no variety bonus, where no tuning songs chose the blues' own"}
    return card


def _record_evaluations(card_path: Path, corpora: Sequence[tuple[str, str]], out: Path,
                        base_style: str, base_dir: Path, seed: int, log: Callable[[str], None]
                        ) -> dict[str, Any]:
    """The harmonizer.evaluation tables of the blues and of the base model on the corpora's
    test songs, in the card (``metrics.evaluation`` and ``metrics.evaluation_base``)."""
    from ..evaluation.evaluate import evaluate_corpus
    from .card_evaluation import record_evaluation, summarize

    card: dict[str, Any] = {}
    for key, style, folder in (("evaluation", STYLE, out), ("evaluation_base", base_style, base_dir)):
        results = evaluate_corpus(style, corpora, models_dir=folder, seed=seed, log=log)
        card = record_evaluation(card_path, summarize(results),
                                 f"harmonizer.evaluation.evaluate_corpus({style!r}, {list(corpora)}, "
                                 f"models_dir={str(folder)!r}, seed={seed})", key=key)
    return card


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harmonizer.training.blues",
        description="Build the blues model: a base model's scorer with the 12-bar blues forms blended "
                    "into its chord statistics.",
    )
    parser.add_argument("--base", type=Path, required=True, metavar="CARD",
                        help="the base model's card, e.g. models/jazz.json (its .onnx beside it)")
    parser.add_argument("--out", type=Path, default=Path("models"),
                        help="folder for blues.onnx and blues.json")
    parser.add_argument("--corpus", action="append", default=[], metavar="NAME=PATH",
                        help="blues corpus to choose the weights on and evaluate with, e.g. "
                             "wjd-blues=../shared/data/wjd (repeatable)")
    parser.add_argument("--guard-corpus", action="append", default=[], metavar="NAME=PATH",
                        help="corpus of ordinary melodies whose validation songs guard the choice "
                             "(repeatable; default: the base's corpora as its card records them)")
    parser.add_argument("--blend", type=float, default=None, metavar="W",
                        help="fix the blend weight (0..1, both modes) instead of choosing it")
    args = parser.parse_args(argv)
    command = "python -m harmonizer.training.blues " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        build_blues(args.base, args.out, corpora=corpus_pairs(args.corpus, parser.error), blend=args.blend,
                    guard_corpora=corpus_pairs(args.guard_corpus, parser.error), command=command)
    except OptionError as error:
        parser.error(str(error))
    except HarmonizerError as error:  # a corpus or base model that is not there: one line
        print(f"harmonizer blues: {error}", file=sys.stderr)
        return exit_code_for(error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
