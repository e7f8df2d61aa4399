"""How long a harmonization holds one root, ours against the human chords.

    python scripts/root_runs.py folk nottingham ../shared/data/nottingham
    python scripts/root_runs.py jazz openewld ../shared/data/openewld
    python scripts/root_runs.py pop pop909 ../shared/data/pop909 --split test

Harmonizes each song of a split (as training splits them, same seed; ``--split``, default
validation) with the style's shipped model and decoding, keys found as the command line finds
them, in the rhythm the style's training uses, and compares the roots with the human chords of the
same slots (the one sounding longest in each; slots without a human chord are left out of the
human's run).  Prints, over the songs, the share whose harmonization uses a single root or at most
two, the mean number of different roots, the share where ours has fewer or more roots than the
human, the mean of the longest stretch on one root as a share of the song's slots, and the chance
that the root changes after it has been held for 1, 2, ... slots (the hazard a duration-aware
decoder would learn; pooled over the songs, the last row counting every longer hold).  A 3/4 hymn
given G in 15 of its 16 bars is what this measures on the corpora: a harmonizer that holds the
tonic longer than musicians do.
"""

from __future__ import annotations

import statistics

from _style_corpus import style_corpus_parser

from harmonizer.engine import harmonize_melody
from harmonizer.errors import HarmonizerError
from harmonizer.scorer import load_model
from harmonizer.training.corpora import load_corpus
from harmonizer.training.dataset import prepare_song, split_of
from harmonizer.training.train import SEED
from harmonizer.vocabulary import VOCABULARY


def longest_run(roots: list[int]) -> int:
    """The most slots in a row on one root."""
    best = current = 1
    for before, after in zip(roots, roots[1:]):
        current = current + 1 if before == after else 1
        best = max(best, current)
    return best


HOLDS = 8  # the hazard table's rows: held 1..HOLDS slots, the last one "HOLDS or more"


def count_holds(roots: list[int], held: list[int], changed: list[int]) -> None:
    """Add to ``held[k]`` each slot after which a root has been held k + 1 slots in a row (the
    last row: that many or more), and to ``changed[k]`` those where the next slot's root differs."""
    run = 0
    for before, after in zip(roots, roots[1:]):
        run += 1
        row = min(run, HOLDS) - 1
        held[row] += 1
        if after != before:
            changed[row] += 1
            run = 0


def main() -> None:
    parser = style_corpus_parser(__doc__)
    parser.add_argument("--split", choices=("validation", "test"), default="validation")
    options = parser.parse_args()
    bundle = load_model(options.style)
    rows = []
    holds = {name: ([0] * HOLDS, [0] * HOLDS) for name in ("ours", "human")}
    for song in load_corpus(options.corpus, options.path):
        if split_of(song, SEED) != options.split:
            continue
        try:
            prepared = prepare_song(song, per_beat=bundle.chord_per_beat)
            result = harmonize_melody(song.melody, key_signature=song.key_signature, style=options.style,
                                      harmonic_rhythm=prepared.grid.harmonic_rhythm, alternatives=1,
                                      model=bundle)
        except (HarmonizerError, ValueError) as error:
            print(f"skip {song.song_id}: {error}")
            continue
        ours = [chord.root for chord in result.chords]
        human = [VOCABULARY[label].root_pitch_class(song.key)
                 for label in prepared.labels if label is not None]
        if len(human) < 4:  # too few human chords to compare
            continue
        count_holds(ours, *holds["ours"])
        count_holds(human, *holds["human"])
        rows.append((len(set(ours)), len(set(human)),
                     longest_run(ours) / len(ours), longest_run(human) / len(human)))
    if not rows:
        raise SystemExit("no songs to compare")
    count = len(rows)

    def share(test) -> float:
        return sum(map(test, rows)) / count

    print(f"{options.style} on {options.corpus} ({options.split}): {count} songs")
    print(f"  one root:                {share(lambda r: r[0] == 1):.3f} ours, "
          f"{share(lambda r: r[1] == 1):.3f} human")
    print(f"  at most two roots:       {share(lambda r: r[0] <= 2):.3f} ours, "
          f"{share(lambda r: r[1] <= 2):.3f} human")
    print(f"  different roots a song:  {statistics.mean(r[0] for r in rows):.2f} ours, "
          f"{statistics.mean(r[1] for r in rows):.2f} human")
    print(f"  ours fewer / more roots than the human: {share(lambda r: r[0] < r[1]):.3f} / "
          f"{share(lambda r: r[0] > r[1]):.3f}")
    print(f"  longest run on one root, share of the song: {statistics.mean(r[2] for r in rows):.3f} ours, "
          f"{statistics.mean(r[3] for r in rows):.3f} human")
    print("  chance the root changes after it has been held k slots (slots counted), ours / human:")
    for row in range(HOLDS):
        label = f"{row + 1}{'+' if row == HOLDS - 1 else ''}"
        cells = []
        for name in ("ours", "human"):
            held, changed = holds[name]
            cells.append(f"{changed[row] / held[row]:.3f} ({held[row]})" if held[row] else "-")
        print(f"    k = {label:3s} {cells[0]:>16s} / {cells[1]:>16s}")


if __name__ == "__main__":
    main()
