"""How many of a corpus's human chords ever label a slot, per harmonic rhythm (prints a table).

    python scripts/chords_per_rhythm.py bach ../shared/data/when_in_rome
    python scripts/chords_per_rhythm.py nottingham ../shared/data/nottingham

Training labels each slot with the human chord that sounds longest in it, so a chord that is
never the longest in any slot is never learned from.  For each rhythm (bar, half bar, beat) this
cuts every song the loader keeps, as training does, and counts the chords as written that label
at least one slot; the ``auto`` row cuts each song as the engine's usual rule does (half bars
where the melody is fast in an even metre, 2/2 or 6/8, else bars).  A second table gives the
``bar`` and ``auto`` shares per time signature (the first full bar's, which the rule reads too;
a song that changes metre is counted under it) and the rhythm the rule chose for most of its
songs.  The first line says how many songs a per-beat style's ``auto`` rule cuts per beat (the
melody moves at least every other beat).  It is why the classical style is cut per beat (Bach's
chorales change chord on nearly every beat) and why a fast 6/8 is cut at the half bar
(Nottingham's jigs change chord on either dotted-quarter beat).  The last table takes the songs
whose metre the rule may cut in half and, by the median number of note onsets in a bar (what the
rule reads), gives how often a bar's human chord changes at its half: why a median of 3.5 counts
as fast (Twinkle Twinkle's bars of four and three notes).
"""

from __future__ import annotations

import argparse
import bisect
from collections import Counter, defaultdict

from harmonizer.chords import ChordLabel
from harmonizer.melody import Bar
from harmonizer.slots import choose_harmonic_rhythm, halves_bars, make_slots, median_onsets_per_bar
from harmonizer.training.corpora import load_corpus
from harmonizer.training.dataset import label_for

RHYTHMS = ("bar", "half", "beat", "auto")


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
    # per time signature (the first full bar's, as the rule reads it; a pickup may have its own)
    metre_songs: Counter[str] = Counter()
    metre_chords: Counter[str] = Counter()
    metre_labelling: dict[str, Counter[str]] = defaultdict(Counter)  # "bar" / "auto" -> chords
    chosen: dict[str, Counter[str]] = defaultdict(Counter)  # the rhythm the auto rule chose
    # by median onsets a bar, songs in a metre the rule may halve: [songs, bars, changes at the half]
    by_median: dict[float, list[int]] = defaultdict(lambda: [0, 0, 0])
    for song in load_corpus(options.corpus, options.path):
        songs += 1
        bars = [bar for bar in song.melody.meter.bars(song.melody.end) if not bar.is_pickup]
        signature = bars[0].time_signature if bars else song.melody.meter.time_signatures[0]
        metre = f"{signature.numerator}/{signature.denominator}"
        metre_songs[metre] += 1
        metre_chords[metre] += len(song.chords)
        per_beat += choose_harmonic_rhythm(song.melody, per_beat=True) == "beat"
        written += len(song.chords)
        for rhythm in RHYTHMS:
            grid = make_slots(song.melody, song.key, rhythm)  # "auto": the usual rule
            slots[rhythm] += len(grid)
            labels = {id(label_for(slot.onset, slot.end, song.chords)) for slot in grid.slots}
            labelled = sum(id(chord) in labels for chord in song.chords)
            labelling[rhythm] += labelled
            metre_labelling[metre][rhythm] += labelled
            if rhythm == "auto":
                chosen[metre][grid.harmonic_rhythm] += 1
        if bars and halves_bars(signature):
            row = by_median[min(median_onsets_per_bar(song.melody), 8.0)]
            row[0] += 1
            row[1] += len(bars)
            onsets = [chord.onset for chord in song.chords]
            row[2] += sum(_changes_at_half(bar, song.chords, onsets) for bar in bars)
    print(f"{options.corpus}: {songs} songs, {written} chords as written; a per-beat style's auto "
          f"rhythm cuts {per_beat} of the songs per beat")
    print(f"{'rhythm':<8}{'slots':>8}{'chords that label a slot':>27}")
    for rhythm in RHYTHMS:
        share = 100 * labelling[rhythm] / max(written, 1)
        print(f"{rhythm:<8}{slots[rhythm]:>8}{labelling[rhythm]:>19} ({share:4.1f} %)")
    print(f"\n{'metre':<8}{'songs':>7}{'chords':>9}{'label a bar':>14}{'auto rule (songs)':>19}"
          f"{'label an auto slot':>20}")
    for metre, count in metre_songs.most_common():
        rule, times = chosen[metre].most_common(1)[0]
        chords, labelled = max(metre_chords[metre], 1), metre_labelling[metre]
        print(f"{metre:<8}{count:>7}{metre_chords[metre]:>9}{100 * labelled['bar'] / chords:>12.1f} %"
              f"{f'{rule} {times}/{count}':>19}{100 * labelled['auto'] / chords:>18.1f} %")
    print(f"\n{'median onsets a bar':<21}{'songs':>7}{'bars':>8}{'chord changes at the half bar, a bar':>39}"
          "   (metres the rule may halve; 8: 8 or more)")
    for median in sorted(by_median):
        count, bars_seen, changes = by_median[median]
        print(f"{median:<21g}{count:>7}{bars_seen:>8}{changes / max(bars_seen, 1):>39.3f}")


def _changes_at_half(bar: Bar, chords: tuple[ChordLabel, ...], onsets: list[float]) -> bool:
    """Whether a chord starts at the bar's half that differs from the one sounding before it
    (``onsets``: the chords' onsets, sorted as they are)."""
    half = bar.onset + bar.time_signature.bar_length / 2
    at = bisect.bisect_left(onsets, half - 1e-6)
    if at == 0 or at >= len(chords) or abs(chords[at].onset - half) > 1e-6:
        return False
    before, after = chords[at - 1], chords[at]
    return (before.root, before.quality) != (after.root, after.quality)

if __name__ == "__main__":
    main()
