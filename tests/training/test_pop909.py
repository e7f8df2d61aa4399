"""POP909 loader: Harte labels, the beat grid, bars, keys and modulations on real songs.

The songs come from the shared data folder (skipped when it is absent); the
Harte parser is checked on labels written inline.
"""

from __future__ import annotations

from itertools import pairwise

import mido
import pytest

from harmonizer.chords import QUALITIES, ChordLabel
from harmonizer.errors import InputError, OptionError
from harmonizer.training.corpora import CORPORA, HarmonizedSong, LoadStats, load_corpus
from harmonizer.training.pop909 import load_pop909, parse_harte, read_pop909_song

from ..conftest import SHARED_DATA

POP909 = SHARED_DATA / "pop909"
SONGS = POP909 / "POP909"

needs_pop909 = pytest.mark.skipif(
    not (SONGS / "001").is_dir(), reason=f"shared corpus data not found at {SONGS}"
)


def chord_at(song: HarmonizedSong, beat: float) -> ChordLabel:
    return next(c for c in song.chords if c.onset <= beat < c.end)


def assert_well_formed(song: HarmonizedSong) -> None:
    chords = song.chords
    assert chords and chords[0].root is not None and chords[-1].root is not None
    assert all(c.duration > 0 for c in chords)
    assert all(abs(b.onset - a.end) < 1e-9 for a, b in pairwise(chords)), "gap or overlap"
    bars = song.melody.meter.bars(song.melody.end)
    first_bar = max(b.onset for b in bars if b.onset <= song.melody.notes[0].onset)
    assert chords[0].onset >= first_bar - 1e-9, "chord before the melody's first bar"
    assert chords[-1].end <= song.melody.end + 1e-9, "chord after the melody"
    assert all(c.quality in QUALITIES for c in chords)
    assert all(c.bass is None or c.bass != c.root for c in chords)
    notes = song.melody.notes
    assert all(b.onset >= a.end - 1e-9 for a, b in pairwise(notes)), "not monophonic"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("B:maj", (11, "maj", None)),
        ("C#:min7", (1, "min7", None)),
        ("Bb:sus4(b7)", (10, "dom7sus4", None)),
        ("G:maj/3", (7, "maj", 11)),
        ("A:min/b3", (9, "min", 0)),
        ("D:7/b7", (2, "dom7", 0)),
        ("F:maj7/7", (5, "maj7", 4)),
        ("E:hdim7", (4, "hdim7", None)),
        ("Ab:minmaj7", (8, "minmaj7", None)),
        ("C:9", (0, "dom7", None)),  # extensions reduce to the seventh chord
        ("C:maj9", (0, "maj7", None)),
        ("C:min9", (0, "min7", None)),
        ("C:maj(9)", (0, "maj", None)),  # an added ninth is dropped
        ("C:(1,b3,5)", (0, "min", None)),
        ("C:maj(*5)", None),  # no fifth: no quality of ours
        ("C:sus2(b7)", None),
        ("C:7(b5)", None),
        ("Cb:maj6", (11, "maj6", None)),
        ("C", (0, "maj", None)),
        ("N", None),
        ("X", None),
        ("H:maj", None),
        ("C:blah", None),
    ],
)
def test_parse_harte(label: str, expected: tuple[int, str, int | None] | None) -> None:
    assert parse_harte(label) == expected


def test_missing_folder_and_bad_option_are_refused(tmp_path) -> None:
    with pytest.raises(InputError, match="No POP909 songs"):
        load_pop909(tmp_path)
    with pytest.raises(OptionError, match="'modulations'"):
        load_pop909(tmp_path, modulations="split")  # type: ignore[arg-type]


@needs_pop909
def test_song_001_beats_fall_on_whole_beats_with_a_one_beat_pickup() -> None:
    stats = LoadStats()
    song = read_pop909_song(SONGS / "001", stats)
    assert song.song_id == "pop909/001" and song.corpus == "pop909"
    assert song.key.name == "Gb major"  # key_audio.txt says Gb:maj and the melody agrees
    meter = song.melody.meter
    # beat_midi.txt's first beat (0.055 s = MIDI beat 0.083) is a downbeat of the 2-beat
    # column only; the 4-beat column's first downbeat is the next beat, which becomes beat 1.
    assert (meter.time_signatures[0].numerator, meter.pickup) == (4, 1.0)
    # The MIDI notes sit 0.083 beat past the MIDI grid; shifted, they land on sixteenths.
    first = song.melody.notes[0]
    assert (first.pitch, first.onset) == (61, 20.0)  # C#5, the last beat of a bar: a pickup
    on_sixteenths = sum(abs(n.onset * 4 - round(n.onset * 4)) < 1e-6 for n in song.melody.notes)
    assert on_sixteenths / len(song.melody.notes) > 0.95
    # The chords begin with the bar of the first note (17-21) and change on whole beats.
    assert [(c.onset, c.text) for c in song.chords[:4]] == [
        (17.0, "F#:maj"), (21.0, "B:maj"), (22.0, "F#:maj7/5"), (23.0, "C#:maj")
    ]
    assert chord_at(song, 22.5).bass == 1  # F#maj7 over C#
    assert all(abs(c.onset - round(c.onset)) < 1e-6 for c in song.chords)
    assert stats.labels.unknown_count == 0
    assert_well_formed(song)


@needs_pop909
def test_bars_follow_the_annotated_downbeats_where_they_leave_the_grid() -> None:
    stats = LoadStats()
    song = read_pop909_song(SONGS / "106", stats)
    assert stats.events["songs whose downbeats leave the bar grid (time signature restated)"] == 1
    # 106 has a constant tempo: its downbeats in MIDI beats are seconds / beat length.
    midi = mido.MidiFile(SONGS / "106" / "106.mid")
    tempo = next(m.tempo for track in midi.tracks for m in track if m.type == "set_tempo")
    rows = [line.split() for line in (SONGS / "106" / "beat_midi.txt").read_text().splitlines()]
    beats = [float(row[0]) * 1e6 / tempo for row in rows]
    shift = (-beats[0]) % 1.0
    downbeats = [round(b + shift) for b, row in zip(beats, rows) if float(row[2]) == 1.0]
    bar_starts = {round(b.onset, 6) for b in song.melody.meter.bars(song.melody.end)}
    inside = [d for d in downbeats if song.melody.notes[0].onset <= d < song.melody.end]
    assert inside and all(d in bar_starts for d in inside)
    assert_well_formed(song)


@needs_pop909
def test_a_modulating_song_is_cut_where_the_melody_changes_key() -> None:
    # 175: key_audio says B major, then Db major from about beat 142 (a chorus a tone up).
    stats = LoadStats()
    cut = read_pop909_song(SONGS / "175", stats)
    assert cut.key.name == "B major"
    assert stats.events["songs cut at a modulation (one key per song)"] == 1
    whole = read_pop909_song(SONGS / "175", LoadStats(), modulations="keep")
    assert whole.key.name == "B major"
    assert cut.melody.end < 143 < whole.melody.end
    assert cut.chords == whole.chords[: len(cut.chords) - 1] + (cut.chords[-1],)
    assert_well_formed(cut)
    assert_well_formed(whole)


@needs_pop909
def test_a_wrong_audio_key_gives_way_to_the_melody() -> None:
    # 017: key_audio.txt says G minor, but melody and chords are in F# minor.
    stats = LoadStats()
    song = read_pop909_song(SONGS / "017", stats)
    assert song.key.name == "F# minor"
    assert stats.events["key_audio key disagrees with the melody (melody's estimate used)"] == 1
    assert (song.chords[0].root, song.chords[0].quality) == (6, "min")


@needs_pop909
def test_load_corpus_counts_songs_and_labels() -> None:
    assert "pop909" in CORPORA
    stats = LoadStats(corpus="pop909")
    songs = list(load_corpus("pop909", POP909, limit=3, stats=stats))
    assert [s.song_id for s in songs] == ["pop909/001", "pop909/002", "pop909/003"]
    assert stats.loaded == 3 and not stats.skipped
    assert stats.labels.mapped_count > 300 and stats.labels.no_chord_count > 0
    for song in songs:
        assert_well_formed(song)
