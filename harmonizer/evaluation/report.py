"""The evaluation's Markdown tables and its chord-distribution plot (matplotlib, PNG)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

from .metrics import METRIC_NAMES

__all__ = ["markdown_tables", "write_report", "plot_distributions"]

#: Systems drawn in the plot, with their colours.
_PLOTTED = {"human": "#444444", "ours": "#1f77b4", "hmm": "#ff7f0e", "notebook": "#2ca02c"}
_TOP_NUMERALS = 14

_UNITS = (
    "Metrics are our own implementation of Yeh et al. (2021) (`harmonizer/evaluation/metrics.py`): "
    "computed per song, then averaged over songs. CHE is in nats (natural log) over the "
    "duration-weighted chord histogram; CC counts distinct chords (root and quality); CTD is the mean "
    "Harte (2006) tonal distance between consecutive chords of the sequence. Per-slot rows have one "
    "chord per harmonic slot (bar, half bar or, for a style that changes chord on the beat, beat: "
    "the engine's rule); *human (as written)* keeps the "
    "corpus's own chord rhythm and qualities, so its CHE, CC and CTD are on another grid. CTnCTR, PCS "
    "and MCTD weigh every melody note by its duration in beats under each chord (the paper's 16th-note "
    "frames, unquantized). Higher is better for CTnCTR and PCS, lower for MCTD; CHE, CC and CTD "
    "describe variety and should be near the human's. These numbers are not comparable with the "
    "paper's or any other implementation's."
)


def _pct(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{100 * value:.1f} %"


def _num(value: float, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def markdown_tables(results: dict[str, Any]) -> str:
    """The evaluation's tables as Markdown (data, agreement, metrics, cadences, targets)."""
    corpora = results["corpora"]
    lines = [f"# Evaluation: style `{results['style']}`", ""]
    model = results["model"]
    given = "corpus" if results["baseline_key"] == "given" else "estimated"
    keys = ("the profiles alone" if model.get("key_model") is None
            else f"the key model (sha256 {model['key_model']}…) with the style's minor bias "
                 f"{model.get('key_model_minor_bias') or 0:+g}")
    decoding = ""
    if "weights" in model:
        harmonic, voice_leading, contextual = model["weights"]
        variety = model.get("variety", 0.0)
        coverage = model.get("coverage") or {}
        variety_text = (f"variety {variety} (per piece, to {coverage.get('share', 1.0):g} x "
                        f"{coverage.get('scale', 0):g} x slots ^ {coverage.get('exponent', 0):g} "
                        "different chords)" if isinstance(variety, str) else f"variety {variety:g}")
        decoding = (f"; decoded with the card's factor weights {harmonic:g} / {voice_leading:g} / "
                    f"{contextual:g} (harmonic, voice leading, context), prior correction "
                    f"{model['prior_correction']:g} and {variety_text}")
    lines += [f"Model `{model['path']}` ({model['chosen']}, sha256 {model['sha256']}…){decoding}; keys "
              f"found with {keys}; split seed {results['seed']}; baselines given the {given} key; "
              f"{results.get('seconds', 0):g} s.", ""]
    lines += ["## Data", "",
              "| corpus | songs loaded | skipped at load | train songs | test songs evaluated | test slots "
              "| labelled test slots |", "|---|---|---|---|---|---|---|"]
    for name, entry in corpora.items():
        d = entry["data"]
        lines.append(f"| {name} | {d['songs_loaded']} | {d['skipped_at_load'] + d['unusable_melodies']} | "
                     f"{d['train_songs']} | {d['test_songs_evaluated']} of {d['test_songs']} | "
                     f"{d['test_slots']} | {d['test_slots_labelled']} |")
    lines += ["", "## Agreement with the human chords, per slot", "",
              "Over labelled slots (the human chord maps into the vocabulary); the human chord is the one "
              "sounding longest in the slot. Exact: root and quality; triad: root and triad class "
              "(7ths reduced). *Key found*: the engine finds the key as the command line does, from "
              "the melody with the source file's key signature as evidence where the file writes one "
              "(chorale MusicXML, ABC, lead sheets; not POP909 or WJD).", "",
              "| corpus | system | slots | exact | same root | same root and triad |",
              "|---|---|---|---|---|---|"]
    for name, entry in corpora.items():
        for system in entry["systems"].values():
            if "agreement" in system:
                a = system["agreement"]
                lines.append(f"| {name} | {system['label']} | {a['slots']} | {_pct(a['exact'])} | "
                             f"{_pct(a['root'])} | {_pct(a['root_and_triad'])} |")
    lines += ["", "## Objective metrics (Yeh et al. 2021)", "", _UNITS, "",
              "| corpus | system | " + " | ".join(METRIC_NAMES) + " |",
              "|---|---" + "|---" * len(METRIC_NAMES) + "|"]
    for name, entry in corpora.items():
        for system in entry["systems"].values():
            m = system["metrics"]
            cells = [_num(m[k], 2 if k == "CC" else 3) for k in METRIC_NAMES]
            lines.append(f"| {name} | {system['label']} | " + " | ".join(cells) + " |")
    lines += ["", "## Cadences at phrase ends", "",
              "Phrase-final slots with a labelled human chord; tonic of the corpus key for every system. "
              "Half: V (major triad class); deceptive: vi (VI in minor) right after a chord on the "
              "dominant; deliberate: any of the three.", "",
              "| corpus | system | phrase ends | tonic | half (V) | deceptive | deliberate |",
              "|---|---|---|---|---|---|---|"]
    for name, entry in corpora.items():
        for system in entry["systems"].values():
            if "cadence" in system:
                c = system["cadence"]
                lines.append(f"| {name} | {system['label']} | {c['phrase_ends']} | {_pct(c['tonic'])} | "
                             f"{_pct(c['half'])} | {_pct(c['deceptive'])} | {_pct(c['deliberate'])} |")
    lines += ["", "## Targets (issue 3), for ours with the key found", "",
              "| corpus | target | ours | reference | met |", "|---|---|---|---|---|"]
    for row in results["targets"]:
        met = "yes" if row["met"] else "**no**"
        lines.append(f"| {row['corpus']} | {row['target']} | {_num(row['ours'])} | "
                     f"{_num(row['reference'])} | {met} |")
    if results.get("plot"):
        lines += ["", "## Chord distributions", "", f"![chord distributions]({Path(results['plot']).name})"]
    return "\n".join(lines) + "\n"


def plot_distributions(results: dict[str, Any], path: Path) -> Path:
    """Bar charts of Roman-numeral shares (per mode) and triad classes: human, ours, baselines."""
    from matplotlib.figure import Figure  # noqa: PLC0415 - only for reports

    numerals: dict[str, dict[str, Counter[str]]] = {}
    classes: dict[str, Counter[str]] = {system: Counter() for system in _PLOTTED}
    for entry in results["corpora"].values():
        for system in _PLOTTED:
            summary = entry["systems"][system]
            for mode, counts in summary.get("numerals", {}).items():
                numerals.setdefault(mode, {s: Counter() for s in _PLOTTED})[system].update(counts)
            classes[system].update(summary.get("triad_classes", {}))
    modes = [m for m in ("major", "minor") if m in numerals]
    figure = Figure(figsize=(12, 3.6 * (len(modes) + 1)), layout="constrained")
    axes = figure.subplots(len(modes) + 1, 1, squeeze=False)[:, 0]
    panels = [(f"Roman numerals in {mode}-key songs (corpus key)", numerals[mode]) for mode in modes]
    panels.append(("Triad class", classes))
    width = 0.8 / len(_PLOTTED)
    for axis, (title, counters) in zip(axes, panels):
        human = counters["human"]
        labels = [label for label, _ in human.most_common(_TOP_NUMERALS)]
        for system in _PLOTTED:
            labels += [lab for lab, _ in counters[system].most_common(4) if lab not in labels]
        for offset, (system, colour) in enumerate(_PLOTTED.items()):
            total = sum(counters[system].values()) or 1
            shares = [counters[system][label] / total for label in labels]
            positions = [i + (offset - (len(_PLOTTED) - 1) / 2) * width for i in range(len(labels))]
            axis.bar(positions, shares, width, label=results["corpora"][next(iter(results["corpora"]))]
                     ["systems"][system]["label"], color=colour)
        axis.set_xticks(range(len(labels)), labels)
        axis.set_ylabel("share of slots")
        axis.set_title(title)
        axis.legend(fontsize="small")
    figure.suptitle(f"Chord distributions on the test songs, style {results['style']}: "
                    + ", ".join(results["corpora"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, format="png")
    return path


def write_report(results: dict[str, Any], path: Path) -> tuple[Path, Path]:
    """Write the plot (``<stem>-chords.png`` beside ``path``) and the Markdown report."""
    plot_path = path.with_name(f"{path.stem}-chords.png")
    plot_distributions(results, plot_path)
    results["plot"] = str(plot_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown_tables(results), encoding="utf-8")
    return path, plot_path
