"""How melody and chords relate in each corpus: the numbers behind the choice of jazz corpus.

    python scripts/corpus_stats.py ../shared/data

Per corpus (OpenEWLD lead sheets, Weimar Jazz Database solos, Nottingham tunes), over every
song the loader keeps:

* chord-tone share: the share of melody note time whose pitch class is in the human chord
  sounding at the note's onset (how tightly the line sits on the changes);
* notes per beat of the melody;
* slots (the engine's usual rhythm, as the folk and jazz styles cut them), and the share of
  them whose human chord does not map into the vocabulary (no chord, or one outside it);
* in major keys, the share of chord time on I7 (the blues' tonic seventh) and on IV7, and the
  commonest chord by time.
"""

from __future__ import annotations

import bisect
import sys
from collections import Counter
from pathlib import Path

from harmonizer.chords import QUALITIES
from harmonizer.training.corpora import LoadStats, load_corpus
from harmonizer.training.dataset import prepare_song
from harmonizer.vocabulary import VocabularyChord

CORPORA = (("openewld", "openewld"), ("wjd", "wjd"), ("nottingham", "nottingham"))


def main(data: Path) -> None:
    print(f"{'corpus':<12}{'songs':>6}{'chord-tone share':>18}{'notes/beat':>12}{'slots':>10}"
          f"{'no vocab chord':>16}{'I7 (major)':>12}{'IV7 (major)':>13}  commonest in major")
    for name, folder in CORPORA:
        songs = list(load_corpus(name, data / folder, stats=LoadStats(corpus=name)))
        on_chord = note_time = beats = notes = labelled = slots = 0.0
        major_time: Counter[tuple[int, str]] = Counter()
        for song in songs:
            chords = [c for c in song.chords if c.root is not None]
            onsets = [c.onset for c in chords]
            for note in song.melody.notes:
                index = bisect.bisect_right(onsets, note.onset + 1e-9) - 1
                if index < 0 or note.onset >= chords[index].onset + chords[index].duration:
                    continue
                chord = chords[index]
                tones = {(chord.root + step) % 12 for step in QUALITIES[chord.quality]}
                note_time += note.duration
                on_chord += note.duration * (note.pitch % 12 in tones)
            notes += len(song.melody.notes)
            beats += song.melody.end - song.melody.notes[0].onset
            if song.key.mode == "major":
                for chord in chords:
                    major_time[((chord.root - song.key.tonic) % 12, chord.quality)] += chord.duration
            try:
                prepared = prepare_song(song)
            except ValueError:
                continue
            slots += len(prepared.labels)
            labelled += sum(label is not None for label in prepared.labels)
        total = sum(major_time.values()) or 1.0
        (root, quality), _ = major_time.most_common(1)[0]
        commonest = VocabularyChord(-1, root, quality).numeral("major")
        print(f"{name:<12}{len(songs):>6}{on_chord / note_time:>18.3f}{notes / beats:>12.2f}"
              f"{slots:>10,.0f}{1 - labelled / slots:>16.3f}{major_time[(0, 'dom7')] / total:>12.4f}"
              f"{major_time[(5, 'dom7')] / total:>13.4f}  {commonest}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
