"""How many of a corpus's human chords ever label a slot, per harmonic rhythm (prints a table).

    python scripts/chords_per_rhythm.py bach ../shared/data/when_in_rome
    python scripts/chords_per_rhythm.py nottingham ../shared/data/nottingham

Training labels each slot with the human chord that sounds longest in it, so a chord that is
never the longest in any slot is never learned from.  For each rhythm (bar, half bar, beat) this
cuts every song the loader keeps, as training does, and counts the chords as written that label
at least one slot, and how many songs a per-beat style's ``auto`` rule cuts per beat (the melody
moves at least every other beat).  It is why the classical style is cut per beat: Bach's chorales
change chord on nearly every beat.
"""

from __future__ import annotations

import argparse

from harmonizer.slots import choose_harmonic_rhythm, make_slots
from harmonizer.training.corpora import load_corpus
from harmonizer.training.dataset import label_for

RHYTHMS = ("bar", "half", "beat")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="the corpus's loader name, e.g. bach")
    parser.add_argument("path", help="the corpus's folder, e.g. ../shared/data/when_in_rome")
    options = parser.parse_args()
    written = 0
    labelling = dict.fromkeys(RHYTHMS, 0)
    slots = dict.fromkeys(RHYTHMS, 0)
    songs = per_beat = 0
    for song in load_corpus(options.corpus, options.path):
        songs += 1
        per_beat += choose_harmonic_rhythm(song.melody, per_beat=True) == "beat"
        written += len(song.chords)
        for rhythm in RHYTHMS:
            grid = make_slots(song.melody, song.key, rhythm)
            slots[rhythm] += len(grid)
            labels = {id(label_for(slot.onset, slot.end, song.chords)) for slot in grid.slots}
            labelling[rhythm] += sum(id(chord) in labels for chord in song.chords)
    print(f"{options.corpus}: {songs} songs, {written} chords as written; a per-beat style's auto "
          f"rhythm cuts {per_beat} of the songs per beat")
    print(f"{'rhythm':<8}{'slots':>8}{'chords that label a slot':>27}")
    for rhythm in RHYTHMS:
        share = 100 * labelling[rhythm] / max(written, 1)
        print(f"{rhythm:<8}{slots[rhythm]:>8}{labelling[rhythm]:>19} ({share:4.1f} %)")


if __name__ == "__main__":
    main()
