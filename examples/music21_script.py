"""Harmonize a melody from music21's corpus with harmonizer, from a music21 script.

    python examples/music21_script.py                       # print the chords, write nothing
    python examples/music21_script.py --write               # also write examples/out/...musicxml
    python examples/music21_script.py --write out.mxl --accompaniment --style folk
    python examples/music21_script.py --work bach/bwv253    # another corpus work

The melody is the soprano of the chorale (its first part); harmonizer chooses a
chord for every beat (the classical style's pace, as the chorale's own; folk
chooses one per half bar or bar), and the script prints them bar by bar with their
Roman numerals and confidence (the posterior probability of each chord).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from music21 import corpus

from harmonizer.musicxml_out import write_score
from harmonizer.stream import harmonize_stream

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default="bach/bwv66.6", help="a music21 corpus work (default: %(default)s)")
    parser.add_argument("--style", default="classical", help="classical or folk (default: %(default)s)")
    parser.add_argument("--accompaniment", action="store_true", help="add a piano part with the chords")
    parser.add_argument("--write", nargs="?", const="", metavar="PATH",
                        help="write the harmonized melody as MusicXML (.musicxml or .mxl); "
                             f"without PATH to {DEFAULT_OUTPUT}/WORK.harmonized.musicxml")
    args = parser.parse_args()

    score = corpus.parse(args.work)
    soprano = score.parts[0]
    result = harmonize_stream(soprano, style=args.style, accompaniment=args.accompaniment)
    harmonization = result.harmonization

    key = harmonization.key
    print(f"{args.work}: {result.melody.source}, {len(result.melody)} notes")
    print(f"Key {key.key.name} (confidence {key.confidence:.2f}); style {harmonization.style}, "
          f"harmonic rhythm {harmonization.harmonic_rhythm}")
    by_bar = defaultdict(list)
    for chord in harmonization.chords:
        by_bar[chord.bar].append(chord)
    for bar, chords in by_bar.items():
        label = "pickup" if bar == 0 else f"bar {bar:>3}"
        cells = "   ".join(f"{c.symbol:<6} {c.numeral:<7} {c.confidence:4.2f}" for c in chords)
        print(f"{label:>8} | {cells}")
    print(f"Overall score {harmonization.overall_score:.3f}, mean confidence {harmonization.confidence:.3f}")

    if args.write is not None:
        name = args.work.replace("/", "_") + ".harmonized.musicxml"
        target = Path(args.write) if args.write else DEFAULT_OUTPUT / name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_score(result.stream, target)
        print(f"Wrote {target}")


if __name__ == "__main__":
    main()
