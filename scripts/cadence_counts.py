"""How many of a corpus's phrase ends the variety bonus spares as cadences (prints one line).

    python scripts/cadence_counts.py bach ../shared/data/when_in_rome
    python scripts/cadence_counts.py nottingham ../shared/data/nottingham

A phrase end is a note before a rest, the last note, or a long note (``slots._phrase_ends``,
what the scorer sees).  The cadences are those the variety bonus spares
(``slots._cadence_notes``): every note before a rest and the long notes thinned where they are
the melody's everyday rhythm.  This counts, over every song the loader keeps, the long
phrase-end notes, how many of them stay cadences, and the songs that have long phrase ends but
no long-note cadence left (only rests and the last note then carry a cadence).
"""

from __future__ import annotations

import argparse

from harmonizer.slots import _cadence_notes, _phrase_ends, _rest_follows
from harmonizer.training.corpora import load_corpus


def count(name: str, path: str, limit: int | None = None) -> dict[str, int]:
    """The counts of the module docstring for corpus ``name`` at ``path``."""
    totals = {"songs": 0, "long_ends": 0, "long_cadences": 0, "songs_without": 0}
    for song in load_corpus(name, path, limit=limit):
        notes = song.melody.notes
        if not notes:
            continue
        signature = song.melody.meter.bars(song.melody.end)[0].time_signature
        beat, bar = signature.beat_length, signature.bar_length
        ends = _phrase_ends(notes, beat)
        cadences = _cadence_notes(notes, ends, beat, bar)
        rests = _rest_follows(notes, beat)
        long_ends = sum(end and not rest for end, rest in zip(ends, rests))
        long_cadences = sum(cadence and not rest for cadence, rest in zip(cadences, rests))
        totals["songs"] += 1
        totals["long_ends"] += long_ends
        totals["long_cadences"] += long_cadences
        totals["songs_without"] += long_ends > 0 and long_cadences == 0
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="a corpus name of harmonizer.training.corpora (bach, nottingham, ...)")
    parser.add_argument("path", help="the corpus folder")
    parser.add_argument("--limit", type=int, default=None, help="read at most this many songs")
    args = parser.parse_args()
    totals = count(args.corpus, args.path, args.limit)
    print(f"{args.corpus}: {totals['songs']} songs; long phrase-end notes {totals['long_ends']}, "
          f"kept as cadences {totals['long_cadences']}; songs with long phrase ends but no long-note "
          f"cadence: {totals['songs_without']}")


if __name__ == "__main__":
    main()
