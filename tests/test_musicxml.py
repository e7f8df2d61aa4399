"""MusicXML in and out: reading scores, chord symbols, accompaniment, MIDI <-> MusicXML, limits."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import mido
import pytest

pytest.importorskip("music21")

from music21 import (  # noqa: E402 - after the skip
    bar,
    chord,
    converter,
    harmony,
    key,
    meter,
    note,
    stream,
    tie,
)

from harmonizer import musicxml_in  # noqa: E402
from harmonizer.chords import QUALITIES, QUALITY_SUFFIX  # noqa: E402
from harmonizer.engine import harmonize_melody  # noqa: E402
from harmonizer.errors import (  # noqa: E402
    InputError,
    NoMelodyError,
    OptionError,
    OutputError,
    UnsupportedInputError,
)
from harmonizer.midi_in import MidiSong, read_midi  # noqa: E402
from harmonizer.musicxml_in import ScoreSong, read_score, read_song, sniff_format  # noqa: E402
from harmonizer.musicxml_out import (  # noqa: E402
    MUSICXML_KIND,
    add_chord_symbols,
    output_format,
    score_to_musicxml,
    write_result,
    write_score,
)

from .conftest import EXAMPLES, SHARED_DATA  # noqa: E402

# The values MusicXML 4.0 allows in <kind> (the kind-value type of the schema), the ones we use.
VALID_KINDS = {"major", "minor", "augmented", "diminished", "dominant", "major-seventh",
               "minor-seventh", "diminished-seventh", "augmented-seventh", "half-diminished",
               "major-minor", "major-sixth", "minor-sixth", "suspended-second", "suspended-fourth"}


# ---------------------------------------------------------------------------
# Building scores


def _measure(number, *elements, time_signature=None, key_signature=None):
    measure = stream.Measure(number=number)
    if time_signature:
        measure.append(meter.TimeSignature(time_signature))
    if key_signature is not None:
        measure.append(key_signature)
    for element in elements:
        measure.append(element)
    return measure


def _n(name, length=1.0):
    return note.Note(name, quarterLength=length)


def _part(name, measures):
    part = stream.Part()
    part.partName = name
    for measure in measures:
        part.append(measure)
    return part


def _tune_measures(pickup=True):
    """A 3/4 tune in F: a one-beat pickup, then eight bars."""
    bars = [
        ["F5", "F5", "G5"], ["A5", "G5", "F5"], ["E5", "D5", "C5"], [("F5", 3.0)],
        ["A5", "B-5", "C6"], ["A5", "G5", "F5"], ["G5", "E5", "C5"], [("F5", 2.0)],
    ]
    measures = []
    if pickup:
        first = _measure(0, _n("C5"), time_signature="3/4", key_signature=key.Key("F"))
        first.padAsAnacrusis()
        measures.append(first)
    for number, cells in enumerate(bars, start=1):
        notes = [_n(c) if isinstance(c, str) else _n(*c) for c in cells]
        extra = {"time_signature": "3/4", "key_signature": key.Key("F")} if number == 1 and not pickup else {}
        measures.append(_measure(number, *notes, **extra))
    return measures


def _tune_score(pickup=True, accompaniment_first=True):
    """The tune with a low accompaniment part first and the melody second."""
    melody = _part("Flute", _tune_measures(pickup))
    parts = [melody]
    if accompaniment_first:
        low = []
        for measure in _tune_measures(pickup):
            length = measure.duration.quarterLength
            copy_ = stream.Measure(number=measure.number)
            for ts in measure.getElementsByClass(meter.TimeSignature):
                copy_.append(meter.TimeSignature(ts.ratioString))
            copy_.append(chord.Chord(["F2", "C3"], quarterLength=length))
            if measure.paddingLeft:
                copy_.padAsAnacrusis()
            low.append(copy_)
        parts.insert(0, _part("Bass", low))
    score = stream.Score()
    for part in parts:
        score.insert(0, part)
    return score


def _write(score, path: Path) -> Path:
    score.write("musicxml", fp=str(path))
    return path


def _written_notes(score, parts=None):
    """(part, pitch, offset, duration) of every note as written, chords as their pitches."""
    found = []
    for index, part in enumerate(score.parts):
        if parts is not None and index >= parts:
            break
        for element in part.flatten().notes:
            if isinstance(element, harmony.Harmony):
                continue
            for pitch in element.pitches:
                found.append((index, pitch.nameWithOctave, float(element.offset),
                              float(element.quarterLength), element.duration.isGrace))
    return sorted(found)


def _chord_symbols(score, part_index=0):
    part = list(score.parts)[part_index]
    return [(float(cs.getOffsetInHierarchy(part)), cs)
            for cs in part.recurse().getElementsByClass(harmony.ChordSymbol)]


def _changes(chords):
    changes, previous = [], None
    for c in chords:
        if (c.symbol, c.bass) != previous:
            changes.append(c)
            previous = (c.symbol, c.bass)
    return changes


# ---------------------------------------------------------------------------
# Reading


def test_pickup_bar_is_the_meter_pickup_and_offset_zero_is_its_first_note(tmp_path):
    song = read_score(_write(_tune_score(accompaniment_first=False), tmp_path / "tune.musicxml"))
    melody, chosen = song.melody()
    assert song.meter.pickup == 1.0
    assert (song.meter.time_signatures[0].numerator, song.meter.time_signatures[0].denominator) == (3, 4)
    assert melody.notes[0].onset == 0.0 and melody.notes[0].pitch == 72
    assert melody.notes[1].onset == 1.0  # the first downbeat
    bars = song.meter.bars(melody.end)
    assert bars[0].is_pickup and bars[0].length == 1.0 and bars[1].onset == 1.0
    assert song.key_signature is not None and song.key_signature.name == "F major"
    assert chosen.describe() == "part 0 'Flute'"


def test_ties_are_merged_across_the_bar_line(tmp_path):
    first = _n("G5", 2.0)
    held = _n("A5", 2.0)
    held.tie = tie.Tie("start")
    rest_of_it = _n("A5", 1.0)
    rest_of_it.tie = tie.Tie("stop")
    part = _part("Melody", [_measure(1, first, held, time_signature="4/4"),
                            _measure(2, rest_of_it, _n("B5", 3.0))])
    song = read_score(_write(stream.Score([part]), tmp_path / "ties.musicxml"))
    melody, _ = song.melody()
    assert [(n.pitch, n.onset, n.duration) for n in melody.notes] == [
        (79, 0.0, 2.0), (81, 2.0, 3.0), (83, 5.0, 3.0)]


def test_triplets_keep_their_real_durations(tmp_path):
    triplet = [_n(name, 1 / 3) for name in ("C5", "D5", "E5")]
    part = _part("Melody", [_measure(1, *triplet, _n("F5", 3.0), time_signature="4/4")])
    melody, _ = read_score(_write(stream.Score([part]), tmp_path / "t.musicxml")).melody()
    assert [n.onset for n in melody.notes] == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    assert melody.notes[0].duration == pytest.approx(1 / 3)


def test_two_voices_become_the_top_line_grace_notes_and_rests_are_respected(tmp_path):
    upper, lower = stream.Voice(), stream.Voice()
    grace = _n("B4").getGrace()
    upper.append([_n("C5"), grace, _n("D5"), chord.Chord(["E4", "G4", "E5"]), note.Rest()])
    lower.append([_n("A4", 2.0), _n("G4", 2.0)])
    measure = _measure(1, time_signature="4/4")
    measure.insert(0, upper)
    measure.insert(0, lower)
    part = _part("Melody", [measure, _measure(2, _n("F5", 4.0))])
    melody, _ = read_score(_write(stream.Score([part]), tmp_path / "v.musicxml")).melody()
    # The top note at each onset: C5 over A4, D5, the chord's E5 over G4, then F5; no grace note.
    assert [(n.pitch, n.onset, n.duration) for n in melody.notes] == [
        (72, 0.0, 1.0), (74, 1.0, 1.0), (76, 2.0, 1.0), (77, 4.0, 4.0)]  # the rest: nothing at 3


TRANSPOSING = """<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="4.0">
  <part-list>
    <score-part id="P1"><part-name>Clarinet in Bb</part-name></score-part>
  </part-list>
  <part id="P1">
    <measure number="1">
      <attributes><divisions>2</divisions><key><fifths>2</fifths></key>
        <time><beats>4</beats><beat-type>4</beat-type></time>
        <clef><sign>G</sign><line>2</line></clef>
        <transpose><diatonic>-1</diatonic><chromatic>-2</chromatic></transpose></attributes>
      <note><pitch><step>D</step><octave>5</octave></pitch><duration>4</duration><type>half</type></note>
      <note><pitch><step>F</step><alter>1</alter><octave>5</octave></pitch><duration>4</duration>
        <type>half</type></note>
    </measure>
    <measure number="2">
      <note><pitch><step>E</step><octave>5</octave></pitch><duration>4</duration><type>half</type></note>
      <note><pitch><step>D</step><octave>5</octave></pitch><duration>4</duration><type>half</type></note>
    </measure>
  </part>
</score-partwise>
"""


def test_a_bb_clarinet_written_d5_reads_as_concert_c5():
    song = read_score(TRANSPOSING.encode())
    melody, _ = song.melody()
    assert [n.pitch for n in melody.notes] == [72, 76, 74, 72]  # C5 E5 D5 C5
    assert song.key_signature is not None and song.key_signature.name == "C major"  # D major written


def test_chord_symbols_in_a_transposing_part_are_written_at_written_pitch(tmp_path):
    song = read_score(TRANSPOSING.encode())
    melody, _ = song.melody()
    harmonization = harmonize_melody(melody, key="C", harmonic_rhythm="bar")
    out = tmp_path / "clarinet.musicxml"
    write_result(song, harmonization.chords, out)
    back = converter.parse(str(out))
    symbols = _chord_symbols(back)
    assert symbols, "no chord symbols were written"
    for (offset, symbol), chord_ in zip(symbols, _changes(harmonization.chords)):
        assert offset == pytest.approx(chord_.onset)
        assert symbol.root().pitchClass == (chord_.root + 2) % 12  # a major second up: written
    assert _written_notes(back) == _written_notes(song.score)


def test_part_ranking_finds_the_melody_when_it_is_not_the_first_part(tmp_path):
    song = read_score(_write(_tune_score(), tmp_path / "two.musicxml"))
    assert [c.track for c in song.candidates] == [1, 0]
    assert [c.name for c in song.candidates] == ["Flute", "Bass"]
    melody, chosen = song.melody()
    assert chosen.track == 1 and melody.source == "part 1 'Flute'"
    assert song.melody(0)[1].track == 0
    with pytest.raises(OptionError, match="melody-part 5"):
        song.melody(5)


def test_a_score_without_notes_has_no_melody(tmp_path):
    part = _part("Empty", [_measure(1, note.Rest(quarterLength=4.0), time_signature="4/4")])
    song = read_score(_write(stream.Score([part]), tmp_path / "empty.musicxml"))
    with pytest.raises(NoMelodyError, match="no part holds pitched notes"):
        song.melody()


def test_format_is_told_by_content_not_by_name(tmp_path):
    xml = _write(_tune_score(), tmp_path / "tune.musicxml").read_bytes()
    disguised = tmp_path / "really_musicxml.mid"
    disguised.write_bytes(xml)
    assert isinstance(read_song(disguised), ScoreSong)
    midi_named_xml = tmp_path / "really_midi.xml"
    midi_named_xml.write_bytes((EXAMPLES / "greensleeves.mid").read_bytes())
    assert isinstance(read_song(midi_named_xml), MidiSong)
    assert sniff_format(b"\xef\xbb\xbf  <?xml") == "musicxml"
    assert sniff_format(b"PK\x03\x04rest") == "mxl"
    assert sniff_format(b"MThd") == "midi"
    assert sniff_format(b"%PDF-1.4") is None
    with pytest.raises(InputError, match="neither MIDI"):
        read_song(b"%PDF-1.4 not music")
    with pytest.raises(InputError, match="not MusicXML"):
        read_score(b"MThd\x00\x00\x00\x06")


# ---------------------------------------------------------------------------
# Hostile and broken input


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE score-partwise [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<score-partwise version="4.0"><part-list/><work><work-title>&lol2;</work-title></work></score-partwise>
"""


def test_xml_declaring_entities_is_refused_before_parsing():
    with pytest.raises(InputError, match="ENTITY"):
        read_score(BILLION_LAUGHS)
    utf16 = BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    with pytest.raises(InputError, match="ENTITY"):
        read_score(utf16.encode("utf-16"))


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_entities_inside_an_mxl_are_refused_too():
    with pytest.raises(InputError, match="ENTITY"):
        read_score(_zip({"score.xml": BILLION_LAUGHS}))


def test_an_mxl_zip_bomb_is_refused_in_well_under_a_second():
    # 100 MB of zeros deflates to about 100 kB: a ratio of 1000.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("score.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(100):
                member.write(block)
    bomb = buffer.getvalue()
    assert len(bomb) < 2_000_000
    started = time.perf_counter()
    with pytest.raises(InputError, match="expands|limit"):
        read_score(bomb)
    assert time.perf_counter() - started < 0.5


def test_an_mxl_larger_than_the_limit_is_refused(monkeypatch, tmp_path):
    path = tmp_path / "tune.mxl"
    _tune_score().write("musicxml", fp=str(path))
    assert path.read_bytes()[:4] == b"PK\x03\x04"
    monkeypatch.setattr(musicxml_in, "MAX_XML_BYTES", 1000)
    with pytest.raises(InputError, match="declares .* bytes uncompressed; the limit is 1000"):
        read_score(path)


def test_malformed_xml_names_line_and_column():
    broken = TRANSPOSING.replace("<type>half</type></note>\n    </measure>\n    <measure number=\"2\">",
                                 "<type>half</note>\n    </measure>\n    <measure number=\"2\">", 1)
    with pytest.raises(InputError, match=r"<bytes>: malformed XML \(mismatched tag: line \d+, column \d+\)"):
        read_score(broken.encode())


def test_a_bad_value_inside_a_measure_names_the_measure():
    broken = TRANSPOSING.replace("<step>E</step>", "<step>Q</step>")
    with pytest.raises(InputError, match=r"measure 2 of part 'Clarinet in Bb'"):
        read_score(broken.encode())


def test_score_timewise_is_unsupported_and_other_xml_is_refused():
    with pytest.raises(UnsupportedInputError, match="score-timewise"):
        read_score(b'<?xml version="1.0"?><score-timewise version="4.0"></score-timewise>')
    with pytest.raises(InputError, match="not a MusicXML score: the root element is <html>"):
        read_score(b"<html><body>not music</body></html>")
    with pytest.raises(InputError, match="corrupt .mxl"):
        read_score(b"PK\x03\x04 this is no zip")


def test_the_midi_path_never_imports_music21():
    code = (
        "import sys, harmonizer, harmonizer.musicxml_in, harmonizer.musicxml_out, harmonizer.stream\n"
        f"song = harmonizer.read_midi({str(EXAMPLES / 'greensleeves.mid')!r})\n"
        "harmonizer.harmonize_melody(song.melody()[0])\n"
        "assert 'music21' not in sys.modules, 'music21 was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------
# Chord symbols out


@pytest.fixture(scope="module")
def harmonized_tune(tmp_path_factory):
    path = _write(_tune_score(), tmp_path_factory.mktemp("tune") / "tune.musicxml")
    song = read_score(path)
    melody, chosen = song.melody()
    harmonization = harmonize_melody(melody, key_signature=song.key_signature, harmonic_rhythm="beat")
    return song, chosen, harmonization


@pytest.mark.parametrize("suffix", [".musicxml", ".mxl", ".xml"])
def test_chord_symbols_are_written_at_each_change_and_every_note_survives(harmonized_tune, tmp_path,
                                                                          suffix):
    song, chosen, harmonization = harmonized_tune
    out = tmp_path / f"out{suffix}"
    assert write_result(song, harmonization.chords, out, melody=chosen) == output_format(out)
    data = out.read_bytes()
    assert (data[:4] == b"PK\x03\x04") == (suffix == ".mxl")
    back = converter.parse(str(out))
    symbols = _chord_symbols(back, chosen.track)
    changes = _changes(harmonization.chords)
    assert [offset for offset, _ in symbols] == pytest.approx([c.onset for c in changes])
    for (_, symbol), chord_ in zip(symbols, changes):
        assert symbol.root().pitchClass == chord_.root
        assert {p.pitchClass for p in symbol.pitches} == {(chord_.root + i) % 12
                                                           for i in QUALITIES[chord_.quality]}
    assert _chord_symbols(back, 0) == []  # the other part is left alone
    assert _written_notes(back) == _written_notes(song.score)
    assert back.parts[1].getElementsByClass(stream.Measure).first().paddingLeft == 2.0  # pickup kept
    # Reading our own output gives the same melody.
    again, _ = read_score(out).melody(chosen.track)
    assert again.notes == song.melody()[0].notes


def test_a_chord_held_over_several_slots_gets_one_symbol(harmonized_tune):
    song, chosen, harmonization = harmonized_tune
    first = harmonization.chords[0]
    chords = [dataclasses.replace(first, onset=float(beat), duration=1.0, symbol="F", root=5,
                                  quality="maj", bass=5) for beat in range(4)]
    chords.append(dataclasses.replace(chords[-1], onset=4.0, symbol="C7", root=0, quality="dom7", bass=0))
    chords.append(dataclasses.replace(chords[-1], onset=5.0, symbol="C7/E", bass=4))
    result = add_chord_symbols(song.score, chosen.track, chords)
    symbols = _chord_symbols(result, chosen.track)
    assert [(offset, s.figure) for offset, s in symbols] == [(0.0, "F"), (4.0, "C7"), (5.0, "C7/E")]


def test_the_input_score_is_not_changed(harmonized_tune):
    song, chosen, harmonization = harmonized_tune
    before = _written_notes(song.score)
    result = add_chord_symbols(song.score, chosen.track, harmonization.chords, accompaniment=True)
    score_to_musicxml(result)
    assert _chord_symbols(song.score, chosen.track) == []
    assert len(song.score.parts) == 2 and len(result.parts) == 4
    assert _written_notes(song.score) == before


def test_no_placeholder_title_or_composer_is_added_and_a_real_title_is_kept():
    song = read_score(TRANSPOSING.encode())  # no title, no composer
    harmonization = harmonize_melody(song.melody()[0], key="C")
    xml = score_to_musicxml(add_chord_symbols(song.score, 0, harmonization.chords))
    assert b"Music21" not in xml.replace(b"music21 v.", b"")
    assert b"<harmony" in xml and b"<root-step>" in xml and b"<kind" in xml
    titled = TRANSPOSING.replace("<part-list>", "<movement-title>Etude</movement-title>\n  <part-list>")
    song = read_score(titled.encode())
    assert b"<movement-title>Etude</movement-title>" in score_to_musicxml(
        add_chord_symbols(song.score, 0, harmonization.chords))


@pytest.mark.parametrize("quality", list(QUALITIES))
def test_every_quality_is_a_valid_musicxml_kind_that_music21_reads_back(harmonized_tune, quality):
    song, chosen, harmonization = harmonized_tune
    first = harmonization.chords[0]
    chords = [dataclasses.replace(first, onset=0.0, duration=3.0, symbol="Bb" + QUALITY_SUFFIX[quality],
                                  root=10, quality=quality, bass=10),
              dataclasses.replace(first, onset=3.0, duration=3.0, symbol="F#" + QUALITY_SUFFIX[quality],
                                  root=6, quality=quality, bass=(6 + QUALITIES[quality][1]) % 12)]
    xml = score_to_musicxml(add_chord_symbols(song.score, chosen.track, chords))
    kinds = [line.split(">")[1].split("<")[0] for line in xml.decode().splitlines() if "<kind" in line]
    assert kinds == [MUSICXML_KIND[quality]] * 2 and set(kinds) <= VALID_KINDS
    assert xml.count(b"<bass-step>") == 1  # only the chord whose bass is not its root
    back = converter.parseData(xml, format="musicxml")
    (_, flat_root), (_, inverted) = _chord_symbols(back, chosen.track)
    assert flat_root.root().name == "B-"
    for symbol, chord_ in ((flat_root, chords[0]), (inverted, chords[1])):
        assert {p.pitchClass for p in symbol.pitches} == {(chord_.root + i) % 12
                                                           for i in QUALITIES[quality]}
    assert inverted.bass().pitchClass == chords[1].bass
    if quality == "dom7sus4":
        assert b'<kind text="7sus4">dominant</kind>' in xml


def test_accompaniment_plays_every_voicing_on_two_staves_with_notatable_durations(harmonized_tune,
                                                                                   tmp_path):
    song, chosen, harmonization = harmonized_tune
    # Stretch one chord over the bar line so it has to be split and tied.
    chords = list(harmonization.chords)
    # a one-beat chord on the bar's last beat, stretched into the next bar over what follows it
    index = next(i for i, c in enumerate(chords[:-1]) if abs((c.onset - 1.0) % 3.0 - 2.0) < 1e-6
                 and abs(c.duration - 1.0) < 1e-6)
    chords[index] = dataclasses.replace(chords[index], duration=2.0)
    following = chords[index + 1]
    if following.duration > 1.0 + 1e-6:
        chords[index + 1] = dataclasses.replace(following, onset=following.onset + 1.0,
                                                duration=following.duration - 1.0)
    else:
        del chords[index + 1]
    out = tmp_path / "accompanied.mxl"
    write_score(add_chord_symbols(song.score, chosen.track, chords, accompaniment=True), out)
    back = converter.parse(str(out))
    assert len(back.parts) == 4
    treble, bass = back.parts[2], back.parts[3]
    assert treble.getElementsByClass(stream.Measure).first().paddingLeft == 2.0
    sounding: dict[float, set[int]] = {}
    for staff in (treble, bass):
        for element in staff.stripTies().flatten().notes:
            assert element.duration.type != "inexpressible"
            sounding.setdefault(float(element.offset), set()).update(p.midi for p in element.pitches)
    sounding = {round(onset, 6): pitches for onset, pitches in sounding.items()}
    for chord_ in chords:
        assert sounding[round(chord_.onset, 6)] == set(chord_.voicing)
    tied = [e for e in treble.flatten().notes if e.tie is not None] + \
           [e for e in bass.flatten().notes if e.tie is not None]
    assert tied, "the chord across the bar line was not tied"
    assert _written_notes(back, parts=2) == _written_notes(song.score)


# ---------------------------------------------------------------------------
# MusicXML <-> MIDI


def test_musicxml_to_midi_keeps_the_notes_and_adds_the_harmony_track(tmp_path):
    score = _tune_score()
    # A repeat sign and a chord symbol: music21's MIDI writer would expand and sound them.
    melody_part = score.parts[1]
    melody_part.getElementsByClass(stream.Measure)[4].rightBarline = bar.Repeat(direction="end")
    melody_part.getElementsByClass(stream.Measure)[1].insert(0, harmony.ChordSymbol("F"))
    song = read_score(_write(score, tmp_path / "tune.musicxml"))
    melody, chosen = song.melody()
    harmonization = harmonize_melody(melody, key_signature=song.key_signature)
    out = tmp_path / "tune.mid"
    assert write_result(song, harmonization.chords, out, melody=chosen) == "midi"
    midi = read_midi(out)
    names = [c.name for c in midi.candidates]
    assert "Harmony" in names and "Flute" in names
    flute = next(c for c in midi.candidates if c.name == "Flute")
    played = midi.notes_by_part[(flute.track, flute.channel)]
    rounded = lambda notes: [(n.pitch, round(n.onset, 4), round(n.duration, 4)) for n in notes]  # noqa: E731
    assert rounded(played) == rounded(melody.notes)
    assert midi.meter.pickup == 1.0  # a 1/4 bar first, as notation programs export a pickup
    markers = [m.text for track in mido.MidiFile(out).tracks for m in track if m.type == "marker"]
    assert markers == [c.symbol for c in _changes(harmonization.chords)]


def test_midi_to_musicxml_puts_chord_symbols_on_the_melody_part(tmp_path):
    song = read_midi(EXAMPLES / "greensleeves.mid")
    melody, chosen = song.melody()
    harmonization = harmonize_melody(melody, key_signature=song.key_signature)
    out = tmp_path / "greensleeves.musicxml"
    assert write_result(song, harmonization.chords, out, melody=chosen, accompaniment=True) == "musicxml"
    back = read_score(out)
    assert back.meter.pickup == 0.5  # the 1/8 bar came back as a real pickup
    again, part = back.melody()
    assert part.name == "Greensleeves"
    assert [(n.pitch, round(n.onset, 3)) for n in again.notes] == [
        (n.pitch, round(n.onset, 3)) for n in melody.notes]
    symbols = _chord_symbols(back.score, part.track)
    changes = _changes(harmonization.chords)
    assert [o for o, _ in symbols] == pytest.approx([c.onset for c in changes])
    assert [s.root().pitchClass for _, s in symbols] == [c.root for c in changes]
    assert len(back.score.parts) == 3  # melody + the two staves of the accompaniment


def test_unknown_output_extension_and_unwritable_folder(harmonized_tune, tmp_path):
    song, chosen, harmonization = harmonized_tune
    with pytest.raises(OptionError, match="extension"):
        write_result(song, harmonization.chords, tmp_path / "out.pdf")
    with pytest.raises(OutputError):
        write_score(song.score, tmp_path / "no" / "such" / "folder.musicxml")
    assert not list(tmp_path.glob(".*.tmp"))


# ---------------------------------------------------------------------------
# A real lead sheet


LEAD_SHEET = (SHARED_DATA / "openewld" / "dataset" / "Dan_Emmett" / "I_Wish_I_Was_in_Dixie's_Land"
              / "I_Wish_I_Was_in_Dixie's_Land.mxl")


@pytest.mark.skipif(not LEAD_SHEET.exists(), reason="shared OpenEWLD data not present")
def test_a_real_lead_sheet_round_trips(tmp_path):
    song = read_score(LEAD_SHEET)
    # Wikifonia wrote an unquoted apostrophe in META-INF/container.xml; we read past it, and say so.
    assert any("container.xml" in w for w in song.warnings)
    melody, chosen = song.melody()
    assert len(melody) > 100
    harmonization = harmonize_melody(melody, key_signature=song.key_signature)
    out = tmp_path / "dixie.harmonized.mxl"
    write_result(song, harmonization.chords, out, melody=chosen)
    back = converter.parse(str(out))
    assert _written_notes(back) == _written_notes(song.score)
    original = _chord_symbols(song.score, chosen.track)
    ours = _chord_symbols(back, chosen.track)
    assert len(ours) == len(original) + len(_changes(harmonization.chords))  # theirs kept, ours added
    lyrics = [n.lyric for n in song.score.flatten().notes if n.lyric]
    assert lyrics and [n.lyric for n in back.flatten().notes if n.lyric] == lyrics
    replaced = tmp_path / "dixie.replaced.musicxml"
    write_result(song, harmonization.chords, replaced, melody=chosen, replace_existing=True)
    symbols = _chord_symbols(converter.parse(str(replaced)), chosen.track)
    assert [s.root().pitchClass for _, s in symbols] == [c.root for c in _changes(harmonization.chords)]


def test_a_lead_sheet_s_own_chord_symbols_are_kept_with_a_warning_or_replaced(tmp_path):
    from harmonizer.api import harmonize_file
    from harmonizer.errors import InputWarning

    score = stream.Score()
    measures = _tune_measures(pickup=False)
    for measure in measures[:4]:  # the sheet writes F over its first four bars
        measure.insert(0, harmony.ChordSymbol("F"))
    score.insert(0, _part("Voice", measures))
    sheet = _write(score, tmp_path / "sheet.musicxml")
    before = sheet.read_bytes()
    with pytest.warns(InputWarning, match=r"sheet\.musicxml: the melody part already has 4 chord "
                                          r"symbols; they are kept beside ours \(--replace-chords"):
        kept = harmonize_file(sheet, tmp_path / "kept.musicxml", style="folk")
    ours = _changes(kept.harmonization.chords)
    assert len(_chord_symbols(converter.parse(kept.output_path))) == 4 + len(ours)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)  # replaced: nothing to warn about
        replaced = harmonize_file(sheet, tmp_path / "replaced.musicxml", style="folk", replace_chords=True)
    symbols = _chord_symbols(converter.parse(replaced.output_path))
    assert [s.root().pitchClass for _, s in symbols] == [c.root for c in ours]
    # MIDI output never sounds the sheet's symbols: nothing to warn about either.
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        harmonize_file(sheet, tmp_path / "sheet.mid", style="folk")
    assert sheet.read_bytes() == before  # the input is never touched


def test_replace_chords_reaches_the_file_from_the_command_line(tmp_path, capsys):
    from harmonizer.cli import main

    score = stream.Score()
    measures = _tune_measures(pickup=False)
    measures[0].insert(0, harmony.ChordSymbol("B-"))
    score.insert(0, _part("Voice", measures))
    sheet = _write(score, tmp_path / "sheet.musicxml")
    assert main([str(sheet), "-o", str(tmp_path / "kept.musicxml"), "--style", "folk"]) == 0
    assert "already has 1 chord symbol; they are kept" in capsys.readouterr().err
    assert main([str(sheet), "-o", str(tmp_path / "mine.musicxml"), "--style", "folk",
                 "--replace-chords"]) == 0
    assert "already has" not in capsys.readouterr().err
    kept = _chord_symbols(converter.parse(str(tmp_path / "kept.musicxml")))
    mine = _chord_symbols(converter.parse(str(tmp_path / "mine.musicxml")))
    assert len(kept) == len(mine) + 1
