"""OpenEWLD loader: lead sheets' chord symbols, pickups, keys and the genre subsets.

The lead sheets come from the shared data folder (skipped when it is absent);
the metadata database, absent from that copy, is written by the tests with
the upstream schema (db_creation.sql of 00sapo/OpenEWLD).
"""

from __future__ import annotations

import shutil
import sqlite3
from itertools import pairwise
from pathlib import Path

import pytest

from harmonizer.chords import QUALITIES, ChordLabel
from harmonizer.errors import InputError
from harmonizer.training.corpora import CORPORA, HarmonizedSong, LoadStats, load_corpus
from harmonizer.training.openewld import (
    chord_symbol_quality,
    load_openewld,
    load_openewld_blues,
    load_openewld_jazz,
    load_openewld_pop,
    read_lead_sheet,
)

from ..conftest import SHARED_DATA

pytest.importorskip("music21")

OPENEWLD = SHARED_DATA / "openewld"
DATASET = OPENEWLD / "dataset"
BELLS = DATASET / "A._Emmett_Adams-Douglas_Furber" / "The_Bells_of_St._Mary's" / \
    "The_Bells_of_St._Mary's.mxl"
BIRTHDAY = DATASET / "Mildred_Hill-Patty_Hill" / "Happy_Birthday_to_You" / "Happy_Birthday_to_You.mxl"
TIN_ROOF = DATASET / (
    "Ben_Pollack-George_Brunies-Leon_Roppolo-Mel_Stitzel-Paul_Mares-Walter_Melrose"
) / "Tin_Roof_Blues" / "Tin_Roof_Blues.mxl"

needs_openewld = pytest.mark.skipif(
    not all(p.is_file() for p in (BELLS, BIRTHDAY, TIN_ROOF)),
    reason=f"shared corpus data not found at {DATASET}",
)


def chord_at(song: HarmonizedSong, beat: float) -> ChordLabel:
    return next(c for c in song.chords if c.onset <= beat < c.end)


def assert_well_formed(song: HarmonizedSong) -> None:
    chords = song.chords
    assert chords and chords[0].root is not None
    assert all(c.duration > 0 for c in chords)
    assert all(abs(b.onset - a.end) < 1e-9 for a, b in pairwise(chords)), "gap or overlap"
    assert chords[0].onset >= 0 and chords[-1].end <= song.melody.end + 1e-9
    assert all(c.quality in QUALITIES for c in chords)
    assert all(c.bass is None or c.bass != c.root for c in chords)
    notes = song.melody.notes
    assert all(b.onset >= a.end - 1e-9 for a, b in pairwise(notes)), "not monophonic"


@pytest.mark.parametrize(
    ("figure", "quality"),
    [
        ("C", "maj"), ("Cm", "min"), ("C7", "dom7"), ("Cmaj7", "maj7"), ("Cm7", "min7"),
        ("Cm7b5", "hdim7"), ("Cdim7", "dim7"), ("C6", "maj6"), ("Cm6", "min6"),
        ("C9", "dom7"), ("C13", "dom7"), ("Cm9", "min7"), ("C7b9", "dom7"), ("C7#5", "dom7"),
        ("Caug7", "dom7"), ("C+", "aug"), ("Csus4", "sus4"), ("C7sus4", "dom7sus4"),
        ("CmM7", "minmaj7"), ("Cpower", None), ("Cm#5", None),
    ],
)
def test_chord_symbol_quality(figure: str, quality: str | None) -> None:
    from music21 import harmony

    assert chord_symbol_quality(harmony.ChordSymbol(figure)) == quality


@needs_openewld
def test_bells_of_st_marys_takes_its_key_from_notes_and_chords() -> None:
    # The README's example: a C major key signature over F, Bb and C7 chords.
    stats = LoadStats()
    song = read_lead_sheet(BELLS, stats=stats)
    assert song.song_id == "openewld/A._Emmett_Adams-Douglas_Furber/The_Bells_of_St._Mary's"
    assert song.key.name == "F major"
    assert stats.events["key signature disagrees with notes and chords (key from notes and chords)"] == 1
    # The first bar holds three beats' rest and the melody's C4: the chords begin with bar 2.
    first = song.melody.notes[0]
    assert (first.pitch, first.onset, song.melody.meter.pickup) == (60, 3.0, 0.0)
    assert [(c.onset, c.root, c.quality) for c in song.chords[:4]] == [
        (4.0, 5, "maj"), (12.0, 10, "maj"), (20.0, 5, "maj"), (24.0, 0, "dom7")
    ]
    assert_well_formed(song)


@needs_openewld
def test_happy_birthday_pickup_puts_the_first_chord_on_the_downbeat() -> None:
    song = read_lead_sheet(BIRTHDAY)
    assert song.key.name == "G major"
    meter = song.melody.meter
    assert (meter.time_signatures[0].numerator, meter.pickup) == (4, 2.0)
    assert [(n.pitch, n.onset) for n in song.melody.notes[:3]] == [(62, 0.0), (62, 1.0), (64, 2.0)]
    # No chord on the pickup "Hap-py"; Gmaj7 on "birth-", the first downbeat.
    first = song.chords[0]
    assert (first.onset, first.root, first.quality) == (2.0, 7, "maj7")
    assert (chord_at(song, 4.0).root, chord_at(song, 4.0).quality) == (9, "min7")
    assert_well_formed(song)


@needs_openewld
def test_stacked_chord_symbols_share_the_long_note_under_them() -> None:
    # Tin Roof Blues, bar 12: "Eb Ab7" written before one whole note (music21 gives both
    # the note's offset); Ab7 takes the second half of the bar.
    stats = LoadStats()
    song = read_lead_sheet(TIN_ROOF, stats=stats)
    assert stats.events["stacked chord symbols spread over the beats they share"] == 3
    assert [(c.onset, c.root, c.quality) for c in song.chords if 44 <= c.onset < 48] == [
        (44.0, 3, "maj"), (46.0, 8, "dom7")
    ]
    assert song.key.name == "Eb major"
    assert_well_formed(song)


def _corpus_with_database(tmp_path: Path, works: list[tuple[Path, str, list[str], list[str]]],
                          unknown: Path | None = None) -> Path:
    """A corpus folder holding copies of ``works``' lead sheets and an OpenEWLD.db naming them."""
    connection = sqlite3.connect(tmp_path / "OpenEWLD.db")
    connection.executescript(
        "CREATE TABLE works (id INTEGER PRIMARY KEY, title STRING, first_performance_date DATE,"
        " language STRING, path_lyrics STRING NOT NULL, path_leadsheet STRING NOT NULL);"
        "CREATE TABLE work_genres (id INTEGER NOT NULL, genre STRING NOT NULL, occurrences INTEGER,"
        " PRIMARY KEY (id, genre));"
        "CREATE TABLE work_style (id, style STRING NOT NULL, occurrences INTEGER, PRIMARY KEY(id, style));"
    )
    for work_id, (source, title, genres, styles) in enumerate(works, 1):
        relative = source.relative_to(OPENEWLD)
        (tmp_path / relative).parent.mkdir(parents=True)
        shutil.copy(source, tmp_path / relative)
        connection.execute("INSERT INTO works VALUES (?, ?, NULL, 'English', '', ?)",
                           (work_id, title, relative.as_posix()))
        connection.executemany("INSERT INTO work_genres VALUES (?, ?, 3)",
                               [(work_id, g) for g in genres])
        connection.executemany("INSERT INTO work_style VALUES (?, ?, 3)",
                               [(work_id, s) for s in styles])
    connection.commit()
    connection.close()
    if unknown is not None:
        relative = unknown.relative_to(OPENEWLD)
        (tmp_path / relative).parent.mkdir(parents=True)
        shutil.copy(unknown, tmp_path / relative)
    return tmp_path


@needs_openewld
def test_genre_subsets_come_from_the_database(tmp_path: Path) -> None:
    root = _corpus_with_database(tmp_path, [
        (BELLS, "The Bells of St. Mary's", ["Pop"], ["Vocal"]),
        (TIN_ROOF, "Tin Roof Blues", ["Jazz"], ["Dixieland"]),
    ], unknown=BIRTHDAY)
    stats = LoadStats()
    jazz = list(load_openewld_jazz(root, stats=stats))
    assert [s.song_id.rsplit("/", 1)[1] for s in jazz] == ["Tin_Roof_Blues"]
    # The lead sheet the database does not know is skipped and counted, not dropped silently.
    assert stats.skipped["no work in OpenEWLD.db for this lead sheet"] == 1
    assert stats.events["lead sheets outside the selection (genre Jazz)"] == 1
    pop = list(load_openewld_pop(root))
    assert [s.song_id.rsplit("/", 1)[1] for s in pop] == ["The_Bells_of_St._Mary's"]
    chosen = list(load_openewld(root, genres={"Pop", "Jazz"}, database=root / "OpenEWLD.db"))
    assert len(chosen) == 2
    assert len(list(load_openewld(root))) == 3  # no genres: every lead sheet, no database needed
    blues = list(load_openewld_blues(root))
    assert [s.song_id.rsplit("/", 1)[1] for s in blues] == ["Tin_Roof_Blues"]


@needs_openewld
def test_genre_subsets_without_the_database(tmp_path: Path) -> None:
    for source in (TIN_ROOF, BELLS):
        (tmp_path / "dataset" / "x" / source.stem).mkdir(parents=True)
        shutil.copy(source, tmp_path / "dataset" / "x" / source.stem / source.name)
    with pytest.raises(InputError, match="needs the metadata database"):
        load_openewld_jazz(tmp_path)
    stats = LoadStats()
    blues = list(load_openewld_blues(tmp_path, stats=stats))  # the title alone decides
    assert [s.song_id for s in blues] == ["openewld/x/Tin_Roof_Blues"]
    assert stats.events["lead sheets outside the selection (blues)"] == 1
    assert stats.events["OpenEWLD.db not found: works chosen by their title only"] == 1


def test_no_lead_sheets_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No OpenEWLD lead sheets"):
        load_openewld(tmp_path)


@needs_openewld
def test_registered_names() -> None:
    assert {"openewld", "openewld-jazz", "openewld-pop", "openewld-blues"} <= set(CORPORA)
    stats = LoadStats(corpus="openewld")
    songs = list(load_corpus("openewld", OPENEWLD, limit=2, stats=stats))
    assert stats.loaded == 2 and len(songs) == 2
    assert stats.labels.mapped_count > 50
