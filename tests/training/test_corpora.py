"""Corpus loaders: the Bach chorales of When in Rome and the Nottingham ABC tunes.

Real files come from the shared data folder (skipped when it is absent); the
ABC reader's details are checked on tunes written inline.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from harmonizer.chords import QUALITIES, ChordLabel
from harmonizer.errors import InputError, OptionError
from harmonizer.training.corpora import (
    HarmonizedSong,
    LoadStats,
    load_bach_chorales,
    load_corpus,
    load_nottingham,
    read_abc,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
WHEN_IN_ROME = DATA / "when_in_rome"
CHORALES = WHEN_IN_ROME / "Corpus" / "Early_Choral" / "Bach,_Johann_Sebastian" / "Chorales"
NOTTINGHAM = DATA / "nottingham"
JIGS = NOTTINGHAM / "ABC_cleaned" / "jigs.abc"

needs_chorales = pytest.mark.skipif(
    not CHORALES.is_dir(), reason=f"shared corpus data not found at {CHORALES}"
)
needs_nottingham = pytest.mark.skipif(
    not JIGS.is_file(), reason=f"shared corpus data not found at {JIGS}"
)


def load_chorale(number: str, stats: LoadStats | None = None) -> list[HarmonizedSong]:
    pytest.importorskip("music21")
    return list(load_bach_chorales(CHORALES / number, stats=stats))


def chord_at(song: HarmonizedSong, beat: float) -> ChordLabel:
    return next(c for c in song.chords if c.onset <= beat < c.end)


def note_at(song: HarmonizedSong, beat: float) -> int:
    return next(n.pitch for n in song.melody.notes if n.onset <= beat < n.end)


def assert_well_formed(song: HarmonizedSong) -> None:
    chords = song.chords
    assert chords, song.song_id
    assert all(c.duration > 0 for c in chords)
    assert all(abs(b.onset - a.end) < 1e-9 for a, b in pairwise(chords)), "gap or overlap"
    assert all(0 <= c.onset < song.melody.end for c in chords), "chord outside the melody"
    assert all(c.quality in QUALITIES for c in chords)
    assert all(c.bass is None or c.bass != c.root for c in chords)
    notes = song.melody.notes
    assert notes
    assert all(b.onset >= a.end - 1e-9 for a, b in pairwise(notes)), "not monophonic"


# --- Bach chorales ---------------------------------------------------------------------------


@needs_chorales
def test_chorale_001_starts_with_the_tonic_on_the_pickup() -> None:
    (song,) = load_chorale("001")
    assert song.song_id == "bach/riemenschneider001"
    assert song.corpus == "bach"
    assert song.key.name == "G major"
    signature = song.melody.meter.time_signatures[0]
    assert (signature.numerator, signature.denominator) == (3, 4)
    assert song.melody.meter.pickup == 1.0
    first_note = song.melody.notes[0]
    assert (first_note.pitch, first_note.onset) == (67, 0.0)  # G4 on the pickup
    first = song.chords[0]
    assert (first.onset, first.text, first.root, first.quality) == (0.0, "G: I", 7, "maj")
    # "m1 b2 IV6": the pickup's I holds over the bar line; music21's copy is no new chord.
    assert first.duration == 2.0
    assert_well_formed(song)


@needs_chorales
def test_chorale_001_numerals_sit_on_their_beats() -> None:
    (song,) = load_chorale("001")
    # m1 b2 IV6, m1 b3 V6 under the soprano's D5.
    assert (chord_at(song, 2.0).text, chord_at(song, 2.0).bass) == ("G: IV6", 4)
    v6 = chord_at(song, 3.0)
    assert (v6.onset, v6.text, v6.root, v6.quality, v6.bass) == (3.0, "G: V6", 2, "maj", 6)
    assert note_at(song, 3.0) == 74
    # m5 b2 vi6/5 is E G B D over G: Em7, not G6, because the numeral says vi.
    vi65 = chord_at(song, 14.0)
    assert (vi65.text, vi65.root, vi65.quality, vi65.bass) == ("G: vi6/5", 4, "min7", 7)
    # m7 "I :|| b3 I": the score splits bar 7 at the repeat (7 + 7a); b3 lands on 7a.
    assert chord_at(song, 21.0).onset == 21.0 and chord_at(song, 21.0).text == "G: I"
    # m11 has a variant line (m11var1 ... I6/4); the main reading iii6 is taken.
    assert chord_at(song, 32.0).text == "G: iii6"
    # The last chord lasts until the end of the score.
    assert song.chords[-1].end == 63.0 == song.melody.end


@needs_chorales
def test_chorale_with_unusable_measure_numbers_is_aligned_by_bar_order() -> None:
    stats = LoadStats()
    (song,) = load_chorale("049", stats)  # the score numbers bars 10, 11, 10 ...
    assert stats.events["chorales aligned by bar order (score measure numbers unusable)"] == 1
    assert song.key.name == "D minor"
    assert (song.chords[0].text, song.chords[0].root) == ("d: i", 2)
    assert_well_formed(song)


@needs_chorales
def test_chorale_analysed_in_another_key_follows_the_score() -> None:
    # Riemenschneider prints chorale 25 in F minor; music21's score is in F# minor.
    stats = LoadStats()
    (song,) = load_chorale("025", stats)
    assert stats.events["chorales whose analysis is transposed to the score's key"] == 1
    assert song.key.name == "F# minor"
    assert song.melody.notes[0].pitch % 12 == 6
    assert (song.chords[0].text, song.chords[0].root, song.chords[0].quality) == ("f#: i", 6, "min")


@needs_chorales
def test_chorale_whose_analysis_does_not_match_its_score_is_skipped_and_counted() -> None:
    stats = LoadStats()
    assert load_chorale("011", stats) == []  # instrumental interludes: 112 vs 124 beats
    assert stats.loaded == 0
    assert stats.skipped == {"analysis and score lengths differ by more than 1 beat": 1}
    assert stats.skipped_songs[0][0] == "bach/riemenschneider011"


@needs_chorales
def test_chorales_from_the_corpus_root_respect_the_limit() -> None:
    pytest.importorskip("music21")
    stats = LoadStats()
    songs = list(load_corpus("bach", WHEN_IN_ROME, limit=2, stats=stats))
    assert [s.song_id for s in songs] == ["bach/riemenschneider001", "bach/riemenschneider002"]
    assert stats.loaded == 2 and stats.corpus == "bach"
    assert stats.labels.mapped_count == sum(len(s.chords) for s in songs)  # held I: no label
    assert stats.labels.unknown_count == 0
    for song in songs:
        assert_well_formed(song)


# --- Nottingham: real files ------------------------------------------------------------------


@pytest.fixture(scope="module")
def jigs() -> dict[str, HarmonizedSong]:
    if not JIGS.is_file():
        pytest.skip(f"shared corpus data not found at {JIGS}")
    return {song.song_id: song for song in load_nottingham(JIGS)}


@needs_nottingham
def test_abacus_chords_and_meter(jigs: dict[str, HarmonizedSong]) -> None:
    song = jigs["nottingham/jigs.abc#2 Abacus"]
    assert song.corpus == "nottingham"
    assert song.key.name == "G major"
    assert song.melody.meter.pickup == 0.0
    signature = song.melody.meter.time_signatures[0]
    assert (signature.numerator, signature.denominator) == (6, 8)
    assert [(c.onset, c.text) for c in song.chords[:4]] == [
        (0.0, "G"), (6.0, "Em"), (7.5, "Am"), (9.0, "D7"),
    ]
    assert [(c.root, c.quality) for c in song.chords[:4]] == [
        (7, "maj"), (4, "min"), (9, "min"), (2, "dom7"),
    ]
    # "g2g B^AB": G5 a quarter, G5 an eighth, B4, A#4, B4.
    assert [(n.pitch, n.onset, n.duration) for n in song.melody.notes[:5]] == [
        (79, 0.0, 1.0), (79, 1.0, 0.5), (71, 1.5, 0.5), (70, 2.0, 0.5), (71, 2.5, 0.5),
    ]


@needs_nottingham
def test_a_and_d_pickup_first_key_and_body_meter(jigs: dict[str, HarmonizedSong]) -> None:
    # Header M:4/4 K:A, then M:6/8 before the first note, and K:D for part B.
    song = jigs["nottingham/jigs.abc#1 A and D"]
    assert song.key.name == "A major"
    assert song.melody.meter.pickup == 0.5
    signature = song.melody.meter.time_signatures[0]
    assert (signature.numerator, signature.denominator) == (6, 8)
    assert (song.chords[0].onset, song.chords[0].text) == (0.5, "A")
    assert song.melody.notes[0].pitch == 78  # f: F#5 in A major


@needs_nottingham
def test_jukedeck_spellings_in_the_file(jigs: dict[str, HarmonizedSong]) -> None:
    blaydon = jigs["nottingham/jigs.abc#26 Blaydon Races"]
    d_over_f_sharp = next(c for c in blaydon.chords if c.text == "D/f+")
    assert (d_over_f_sharp.root, d_over_f_sharp.quality, d_over_f_sharp.bass) == (2, "maj", 6)
    charlbytown = jigs["nottingham/jigs.abc#44 Charlbytown Two-Step"]
    c_dim = next(c for c in charlbytown.chords if c.text == "Cd")
    assert (c_dim.root, c_dim.quality) == (0, "dim")


@needs_nottingham
def test_every_jig_is_well_formed_and_skips_are_counted() -> None:
    stats = LoadStats()
    songs = list(load_corpus("nottingham", JIGS, stats=stats))
    assert stats.loaded == len(songs) > 300
    assert stats.skipped == {"no chord symbols": sum(stats.skipped.values())}
    assert stats.labels.unknown_count == 0
    for song in songs:
        assert_well_formed(song)


# --- ABC reader on inline tunes --------------------------------------------------------------

TUNE = """\
X: 7
T:Test Tune
% a comment line
M:6/8
K:G
d|"G"g2g B^AB|"Em"d2d- d3|"Am"(3ABc "D7"A2 [DF]2|"E7""G"B3 ^AA=A|
"Ed"A3 "Q7"G3|"D/f+"[1 G3 G2:|[2 G3 G2||
"""


def test_inline_tune_notes_ties_triplets_and_accidentals() -> None:
    stats = LoadStats()
    (song,) = read_abc(TUNE, "test.abc", stats)
    assert song.song_id == "nottingham/test.abc#7 Test Tune"
    notes = [(n.pitch, round(n.onset, 4), round(n.duration, 4)) for n in song.melody.notes]
    assert notes[:8] == [
        (74, 0.0, 0.5),  # pickup d
        (79, 0.5, 1.0), (79, 1.5, 0.5), (71, 2.0, 0.5), (70, 2.5, 0.5), (71, 3.0, 0.5),
        (74, 3.5, 1.0),
        (74, 4.5, 2.0),  # d- d3: one tied note
    ]
    assert notes[8:11] == [(69, 6.5, 0.3333), (71, 6.8333, 0.3333), (72, 7.1667, 0.3333)]
    assert notes[11:13] == [(69, 7.5, 1.0), (66, 8.5, 1.0)]  # [DF]2: top note F#4
    # ^A then A in the same bar stay sharp; =A cancels; the next bar starts afresh.
    assert notes[13:17] == [(71, 9.5, 1.5), (70, 11.0, 0.5), (70, 11.5, 0.5), (69, 12.0, 0.5)]
    assert notes[17] == (69, 12.5, 1.5)
    assert song.melody.end == 20.5


def test_inline_tune_chords_alternates_and_unknown_labels() -> None:
    stats = LoadStats()
    (song,) = read_abc(TUNE, "test.abc", stats)
    assert [(c.onset, c.text) for c in song.chords] == [
        (0.5, "G"), (3.5, "Em"), (6.5, "Am"), (7.5, "D7"), (9.5, "E7"), (12.5, "Ed"),
        (15.5, "D/f+"),
    ]
    assert song.chords[-1].end == 20.5
    assert (song.chords[5].quality, song.chords[5].duration) == ("dim", 3.0)  # "Q7" ignored
    assert stats.labels.unknown == {"Q7": 1}
    assert stats.events["second of two chord symbols on one note ignored"] == 1
    assert_well_formed(song)


def test_inline_tune_meter_follows_the_notated_bars() -> None:
    (song,) = read_abc(TUNE, "test.abc")
    meter = song.melody.meter
    assert song.key.name == "G major"
    assert meter.pickup == 0.5
    # The first-time bar is short (2.5 beats, it completes the pickup), so the
    # metre is restated where the second-time bar begins.
    assert [ts.onset for ts in meter.time_signatures] == [0.0, 18.0]
    bars = meter.bars(song.melody.end)
    assert [(b.onset, b.length) for b in bars[-2:]] == [(15.5, 2.5), (18.0, 3.0)]


@pytest.mark.parametrize(
    ("key_field", "key_name", "f_and_b"),
    [
        pytest.param("Ador", "A minor", (78, 71), id="dorian-is-minor"),  # G major signature
        pytest.param("Dmix", "D major", (78, 71), id="mixolydian-is-major"),  # G major signature
        pytest.param("Bb", "Bb major", (77, 70), id="flat-key"),
        pytest.param("Em", "E minor", (78, 71), id="minor"),
    ],
)
def test_key_field_modes(key_field: str, key_name: str, f_and_b: tuple[int, int]) -> None:
    (song,) = read_abc(f'X:1\nT:K\nM:4/4\nL:1/8\nK:{key_field}\n"C"f2 B2 c4|\n')
    assert song.key.name == key_name
    assert (song.melody.notes[0].pitch, song.melody.notes[1].pitch) == f_and_b


def test_default_unit_length_follows_the_meter() -> None:
    # ABC 2.1: without L:, a metre below 3/4 has sixteenth-note units, else eighths.
    two_four = '"G"A4 B4|\n'
    (song,) = read_abc(f"X:1\nT:t\nM:2/4\nK:G\n{two_four}")
    assert [n.duration for n in song.melody.notes] == [1.0, 1.0]
    (song,) = read_abc(f"X:1\nT:t\nM:3/2\nK:G\n{two_four}")
    assert [n.duration for n in song.melody.notes] == [2.0, 2.0]


def test_tunes_without_chords_or_key_are_skipped_with_a_reason() -> None:
    stats = LoadStats()
    text = "X:1\nT:No chords\nM:4/4\nK:G\nGABc|\n\nX:2\nT:No key\nM:4/4\nGABc|\n"
    assert list(read_abc(text, "bad.abc", stats)) == []
    assert stats.skipped_songs == [
        ("nottingham/bad.abc#1 No chords", "no chord symbols"),
        ("nottingham/bad.abc#2 No key", "no K: field"),
    ]


# --- dispatch and argument errors ------------------------------------------------------------


def test_load_corpus_rejects_unknown_names() -> None:
    with pytest.raises(OptionError, match="must be one of"):
        load_corpus("rock", "/nowhere")


def test_loaders_reject_missing_folders(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No ABC files"):
        load_nottingham(tmp_path)
    with pytest.raises(InputError, match="No Bach chorales"):
        load_bach_chorales(tmp_path)


def test_negative_limit_is_an_option_error(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="'limit'"):
        load_nottingham(tmp_path, limit=-1)


@needs_chorales
def test_a_chorale_carries_its_scores_key_signature() -> None:
    (song,) = load_chorale("001")
    assert song.key_signature is not None and song.key_signature.name == "G major"  # one sharp


@needs_nottingham
def test_an_abc_tune_carries_its_key_field_as_key_signature(jigs: dict[str, HarmonizedSong]) -> None:
    song = jigs["nottingham/jigs.abc#2 Abacus"]
    assert song.key_signature == song.key
