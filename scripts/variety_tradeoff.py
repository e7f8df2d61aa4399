"""Plot what variety costs: every decoding trial of each style's card (its validation songs),
exact agreement against chord histogram entropy relative to the human chords', coloured by the
variety bonus (crosses: the varieties "auto" and "colour", at each share of the style's chord
coverage), with
the trial the card decodes with circled.  Writes
docs/images/variety_tradeoff.png (run from the repository root).

    python scripts/variety_tradeoff.py [--models models] [--out docs/images/variety_tradeoff.png]

The shaded band is the issue's variety target (within 15 % of the human's entropy); the dashed
line is the best exact agreement any trial reaches.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

STYLES = ("classical", "folk", "pop", "jazz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--out", type=Path, default=Path("docs/images/variety_tradeoff.png"))
    options = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(STYLES), figsize=(4.0 * len(STYLES), 4.0), layout="constrained")
    scatter = None
    for axis, style in zip(axes, STYLES):
        decoding = json.loads((options.models / f"{style}.json").read_text())["decoding"]
        trials = decoding["validation"]
        ratio = [t["che_ours"] / t["che_human"] for t in trials]
        exact = [100 * t["exact"] for t in trials]
        fixed = [i for i, t in enumerate(trials) if not isinstance(t.get("variety", 0.0), str)]
        auto = [i for i, t in enumerate(trials) if t.get("variety", 0.0) == "auto"]
        colour = [i for i, t in enumerate(trials) if t.get("variety", 0.0) == "colour"]
        scatter = axis.scatter([ratio[i] for i in fixed], [exact[i] for i in fixed],
                               c=[trials[i].get("variety", 0.0) for i in fixed], cmap="viridis",
                               s=6, vmin=0.0, vmax=0.3)
        for chosen_trials, colour_name, marker, label in ((auto, "tab:orange", "x", "variety auto"),
                                                          (colour, "tab:purple", "+", "variety colour")):
            if chosen_trials:
                axis.scatter([ratio[i] for i in chosen_trials], [exact[i] for i in chosen_trials],
                             marker=marker, s=12, linewidths=0.6, color=colour_name, label=label)
        share = decoding.get("coverage", {}).get("share", 1.0)
        chosen = next(t for t in trials if t["prior_correction"] == decoding["prior_correction"]
                      and t["weights"] == list(decoding["weights"].values())
                      and t.get("variety", 0.0) == decoding.get("variety", 0.0)
                      and t.get("coverage_share", share) == share)
        axis.scatter([chosen["che_ours"] / chosen["che_human"]], [100 * chosen["exact"]], s=120,
                     facecolors="none", edgecolors="red", linewidths=1.5, label="decodes with")
        axis.axvspan(0.85, 1.15, color="0.9", zorder=0, label="variety target")
        axis.axhline(max(exact), color="0.5", linestyle="--", linewidth=0.8)
        axis.set_title(f"{style}: {len(trials)} trials")
        axis.set_ylim(max(min(exact), max(exact) - 25), max(exact) + 1)
        axis.legend(loc="lower left", fontsize=8)
    axes[0].set_ylabel("exact agreement, validation songs (%)")
    figure.supxlabel("chord histogram entropy per song, ours / the human chords' (validation songs)")
    figure.colorbar(scatter, ax=list(axes), label="variety", shrink=0.8)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(options.out, dpi=110, bbox_inches="tight")
    print(options.out)


if __name__ == "__main__":
    main()
