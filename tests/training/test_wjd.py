"""Weimar Jazz Database loader: solos placed on their metre, chords on half bars, keys.

The tables come from the shared data folder (skipped when it is absent).
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from harmonizer.chords import QUALITIES, ChordLabel
from harmonizer.errors import InputError
from harmonizer.training.corpora import CORPORA, HarmonizedSong, LoadStats, load_corpus
from harmonizer.training.wjd import load_wjd, load_wjd_blues, parse_wjd_key

from ..conftest import SHARED_DATA

WJD = SHARED_DATA / "wjd"

needs_wjd = pytest.mark.skipif(
    not (WJD / "csv" / "wjd_transforms.csv.gz").is_file(),
    reason=f"shared corpus data not found at {WJD}",
)


@pytest.fixture(scope="module")
def solos() -> tuple[dict[str, HarmonizedSong], LoadStats]:
    stats = LoadStats(corpus="wjd")
    return {song.song_id: song for song in load_wjd(WJD, stats=stats)}, stats


def chord_at(song: HarmonizedSong, beat: float) -> ChordLabel:
    return next(c for c in song.chords if c.onset <= beat < c.end)


def assert_well_formed(song: HarmonizedSong) -> None:
    chords = song.chords
    assert chords and chords[0].root is not None
    assert all(c.duration > 0 for c in chords)
    assert all(abs(b.onset - a.end) < 1e-9 for a, b in pairwise(chords)), "gap or overlap"
    assert chords[0].onset >= song.melody.notes[0].onset - 1e-9
    assert chords[-1].end <= song.melody.end + 1e-9
    assert all(c.quality in QUALITIES for c in chords)
    notes = song.melody.notes
    assert all(b.onset >= a.end - 1e-9 for a, b in pairwise(notes)), "not monophonic"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bb-maj", ("Bb major")), ("C-min", "C minor"), ("F#-min", "F# minor"),
        ("F-blues", "F major"), ("Ab-mix", "Ab major"), ("D-dor", "D minor"), ("Ab", "Ab major"),
        ("C-chrom", None), ("", None), ("H-maj", None),
    ],
)
def test_parse_wjd_key(text: str, expected: str | None) -> None:
    key = parse_wjd_key(text)
    assert (key.name if key else None) == expected


def test_missing_tables_are_an_error(tmp_path) -> None:
    with pytest.raises(InputError, match="No Weimar Jazz Database"):
        load_wjd(tmp_path)


@needs_wjd
def test_anthropology_chords_sit_on_the_rhythm_changes(solos) -> None:
    songs, _ = solos
    song = songs["wjd/ArtPepper_Anthropology_FINAL"]
    assert song.corpus == "wjd" and song.key.name == "Bb major"
    meter = song.melody.meter
    assert (meter.time_signatures[0].numerator, meter.pickup) == (4, 0.0)
    # Bar 0 (beats 0-4) is the pickup bar before the first chorus; A1 of the changes is
    # |Bb6 G7 |C-7 F7 |Bb G-7 |C-7 F7 |F-7 Bb7 |Eb7 Ab7 |D-7 G7 |C-7 F7 |.
    assert [(n.pitch, n.onset) for n in song.melody.notes[:3]] == [(65, 0.0), (63, 1.0), (58, 1.75)]
    # The melody rests from bar 1 to bar 3 beat 3: the chords there are not known.
    assert song.chords[0].text == "Bb6" and song.chords[1].root is None
    changes = [(c.onset, c.text) for c in song.chords if 14 <= c.onset < 32]
    assert changes == [(14.0, "G-7"), (16.0, "C-7"), (18.0, "F7"), (20.0, "F-7"), (22.0, "Bb7"),
                       (24.0, "Eb7"), (26.0, "Ab7"), (28.0, "D-7"), (30.0, "G7")]
    assert (chord_at(song, 14.5).root, chord_at(song, 14.5).quality) == (7, "min7")
    # Durations are articulation times the inter-onset interval, in beats.
    assert song.melody.notes[1].duration == pytest.approx(0.831 * 0.75, abs=1e-3)
    assert_well_formed(song)


@needs_wjd
def test_a_waltz_keeps_three_beat_bars(solos) -> None:
    songs, _ = solos
    song = songs["wjd/JohnColtrane_MyFavoriteThings-1_FINAL"]
    assert song.key.name == "E minor"
    assert {(ts.numerator, ts.denominator) for ts in song.melody.meter.time_signatures} == {(3, 4)}
    # Chords change on bar lines (every 3 beats) or on beats, never between them.
    assert all(abs(c.onset - round(c.onset)) < 1e-9 for c in song.chords)
    assert_well_formed(song)


@needs_wjd
def test_whole_corpus_counts(solos) -> None:
    songs, stats = solos
    assert stats.loaded == len(songs) > 400
    # The free-jazz and a few colour pieces are annotated "NC" throughout: counted, not lost.
    assert stats.loaded + sum(stats.skipped.values()) == 456
    assert set(stats.skipped) == {"no chord symbol we can read"}
    assert stats.labels.unknown_count == 0
    assert stats.events["solos without a usable key (estimated from notes and chords)"] > 0
    for song in list(songs.values())[::40]:
        assert_well_formed(song)


@needs_wjd
def test_blues_subset() -> None:
    assert {"wjd", "wjd-blues"} <= set(CORPORA)
    stats = LoadStats()
    blues = list(load_wjd_blues(WJD, stats=stats))
    assert len(blues) == 97 and not stats.skipped
    first = blues[0]
    assert first.song_id == "wjd/ArtPepper_BluesForBlanche_FINAL" and first.key.name == "Eb major"
    # A 12-bar blues in Eb: I7 and IV7 dominate.
    roots = {c.root for c in first.chords if c.root is not None and c.quality == "dom7"}
    assert {3, 8, 10} <= roots
    limited = list(load_corpus("wjd-blues", WJD, limit=2, stats=LoadStats()))
    assert [s.song_id for s in limited] == [s.song_id for s in blues[:2]]
