"""harmonize_stream: music21 Scores, Parts and plain Streams in, a new stream with chords out."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

pytest.importorskip("music21")

from music21 import chord, harmony, key, meter, note, stream  # noqa: E402

from harmonizer.chords import QUALITIES  # noqa: E402
from harmonizer.engine import Weights  # noqa: E402
from harmonizer.errors import NoMelodyError, OptionError  # noqa: E402
from harmonizer.stream import StreamHarmonization, harmonize_stream  # noqa: E402

from .conftest import ROOT  # noqa: E402

# "Twinkle, twinkle" in C, one bar per list, 4/4.
TWINKLE = [["C5", "C5", "G5", "G5"], ["A5", "A5", ("G5", 2.0)], ["F5", "F5", "E5", "E5"],
           ["D5", "D5", ("C5", 2.0)], ["G5", "G5", "F5", "F5"], ["E5", "E5", ("D5", 2.0)],
           ["G5", "G5", "F5", "F5"], ["E5", "E5", ("D5", 2.0)], ["C5", "C5", "G5", "G5"],
           ["A5", "A5", ("G5", 2.0)], ["F5", "F5", "E5", "E5"], ["D5", "D5", ("C5", 2.0)]]


def _notes(cells):
    return [note.Note(c, quarterLength=1.0) if isinstance(c, str) else note.Note(c[0], quarterLength=c[1])
            for c in cells]


def twinkle_part(name="Melody"):
    part = stream.Part()
    part.partName = name
    for number, cells in enumerate(TWINKLE, start=1):
        measure = stream.Measure(number=number)
        if number == 1:
            measure.append([meter.TimeSignature("4/4"), key.Key("C")])
        measure.append(_notes(cells))
        part.append(measure)
    return part


def bass_part():
    part = stream.Part()
    part.partName = "Bass"
    for number in range(1, len(TWINKLE) + 1):
        measure = stream.Measure(number=number)
        if number == 1:
            measure.append(meter.TimeSignature("4/4"))
        measure.append(chord.Chord(["C2", "G2"], quarterLength=4.0))
        part.append(measure)
    return part


def _symbols(container):
    return [(float(cs.getOffsetInHierarchy(container)), cs)
            for cs in container.recurse().getElementsByClass(harmony.ChordSymbol)]


def _changes(chords):
    changes, previous = [], None
    for c in chords:
        if (c.symbol, c.bass) != previous:
            changes.append(c)
            previous = (c.symbol, c.bass)
    return changes


def _check_symbols(container, chords):
    symbols = _symbols(container)
    changes = _changes(chords)
    assert [offset for offset, _ in symbols] == pytest.approx([c.onset for c in changes])
    for (_, symbol), chord_ in zip(symbols, changes):
        assert symbol.root().pitchClass == chord_.root
        assert {p.pitchClass for p in symbol.pitches} == {(chord_.root + i) % 12
                                                           for i in QUALITIES[chord_.quality]}


def test_a_part_is_the_melody_and_comes_back_as_a_new_part_with_chord_symbols():
    part = twinkle_part()
    before = len(part.recurse())
    result = harmonize_stream(part, harmonic_rhythm="bar")
    assert isinstance(result, StreamHarmonization)
    assert isinstance(result.stream, stream.Part) and result.stream is not part
    assert len(part.recurse()) == before and not _symbols(part)  # the input is untouched
    assert result.melody_part is None
    harmonization = result.harmonization
    assert harmonization.key.key.name == "C major"
    assert len(harmonization.chords) == len(TWINKLE)
    assert harmonization.chords[0].numeral == "I"
    _check_symbols(result.stream, harmonization.chords)
    assert 0 < harmonization.confidence <= 1 and len(harmonization.alternatives) == 3
    for chord_ in harmonization.chords:
        assert all(0 <= f <= 1 for f in (chord_.harmonic_strength, chord_.voice_leading, chord_.contextual))


def test_a_score_finds_its_melody_part_or_takes_the_one_given():
    score = stream.Score()
    score.insert(0, bass_part())
    score.insert(0, twinkle_part("Voice"))
    result = harmonize_stream(score, style="folk")
    assert result.melody_part == 1
    assert [c.name for c in result.candidates] == ["Voice", "Bass"]
    assert isinstance(result.stream, stream.Score) and len(result.stream.parts) == 2
    _check_symbols(result.stream.parts[1], result.harmonization.chords)
    assert not _symbols(result.stream.parts[0]) and not _symbols(score)
    forced = harmonize_stream(score, melody_part=0)
    assert forced.melody_part == 0 and forced.melody.source == "part 0 'Bass'"
    with pytest.raises(OptionError, match="melody-part 4"):
        harmonize_stream(score, melody_part=4)


def test_a_plain_stream_without_measures_works_too():
    flat = stream.Stream()
    for cells in TWINKLE:
        for element in _notes(cells):
            flat.append(element)
    result = harmonize_stream(flat, key="C", harmonic_rhythm="half")
    assert result.harmonization.harmonic_rhythm == "half"
    assert len(result.harmonization.chords) == 2 * len(TWINKLE)
    _check_symbols(result.stream, result.harmonization.chords)
    assert not _symbols(flat)


def test_accompaniment_turns_a_part_into_a_score_with_a_piano():
    result = harmonize_stream(twinkle_part(), accompaniment=True, harmonic_rhythm="bar")
    score = result.stream
    assert isinstance(score, stream.Score) and len(score.parts) == 3
    treble, bass = score.parts[1], score.parts[2]
    for chord_ in result.harmonization.chords:
        pitches = set()
        for staff in (treble, bass):
            for element in staff.flatten().notes:
                if abs(float(element.offset) - chord_.onset) < 1e-6:
                    pitches.update(p.midi for p in element.pitches)
        assert pitches == set(chord_.voicing)


def test_options_reach_the_engine():
    result = harmonize_stream(twinkle_part(), key="G", target_degrees=[1, 4, 5], weights="0.6,0.2,0.2",
                              alternatives=5, harmonic_rhythm="bar")
    harmonization = result.harmonization
    assert harmonization.key.from_user and harmonization.key.key.name == "G major"
    assert harmonization.target_mask == 0b0011001 and harmonization.mask_coverage is not None
    assert harmonization.weights == Weights(0.6, 0.2, 0.2)
    assert len(harmonization.alternatives) == 5
    assert harmonize_stream(twinkle_part(), weights=(1, 0, 0)).harmonization.weights.harmonic == 1.0
    assert harmonize_stream(twinkle_part(), variety=0.25).harmonization.variety == 0.25


def test_to_dict_is_json():
    data = harmonize_stream(twinkle_part(), harmonic_rhythm="bar").to_dict()
    text = json.dumps(data)
    assert data["melody_part"] is None and data["melody_source"] == "part 'Melody'"
    assert json.loads(text)["chords"][0]["numeral"] == "I"
    assert set(data["chords"][0]["factors"]) == {"harmonic_strength", "voice_leading", "contextual"}


def test_bad_inputs_are_refused_clearly():
    with pytest.raises(OptionError, match="takes a music21 Score, Part or Stream. Got list"):
        harmonize_stream([note.Note("C5")])
    with pytest.raises(OptionError, match="Got Opus"):
        harmonize_stream(stream.Opus())
    with pytest.raises(OptionError, match="melody_part chooses a part of a Score"):
        harmonize_stream(twinkle_part(), melody_part=0)
    with pytest.raises(NoMelodyError, match="no pitched notes"):
        harmonize_stream(stream.Part([note.Rest(quarterLength=4.0)]))
    with pytest.raises(OptionError, match="weights"):
        harmonize_stream(twinkle_part(), weights=(1, 2))
    with pytest.raises(OptionError, match="variety"):
        harmonize_stream(twinkle_part(), variety=-1)
    with pytest.raises(OptionError):
        harmonize_stream(twinkle_part(), style="rokc")


def test_the_input_stream_is_left_exactly_as_it_was():
    part = twinkle_part()
    snapshot = copy.deepcopy(part)
    harmonize_stream(part, accompaniment=True)
    assert [(float(n.offset), n.nameWithOctave, float(n.quarterLength)) for n in part.flatten().notes] == \
        [(float(n.offset), n.nameWithOctave, float(n.quarterLength)) for n in snapshot.flatten().notes]
    assert len(part.recurse()) == len(snapshot.recurse())


def test_the_example_script_prints_a_chart_and_writes_only_when_asked(tmp_path):
    script = ROOT / "examples" / "music21_script.py"
    printed = subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True,
                             cwd=tmp_path).stdout
    assert "bwv66.6" in printed and "confidence" in printed.lower()
    assert not list(tmp_path.rglob("*.musicxml"))
    out = tmp_path / "chorale.musicxml"
    subprocess.run([sys.executable, str(script), "--write", str(out)], check=True, capture_output=True,
                   cwd=tmp_path)
    assert out.read_bytes().count(b"<harmony") > 3


def test_a_lead_sheet_s_chord_symbols_are_kept_with_a_warning_or_replaced():
    from harmonizer.errors import InputWarning

    part = twinkle_part()
    part.getElementsByClass(stream.Measure).first().insert(0, harmony.ChordSymbol("C"))
    with pytest.warns(InputWarning, match=r"part 'Melody' already has 1 chord symbol; they are kept"):
        kept = harmonize_stream(part, style="folk")
    replaced = harmonize_stream(part, style="folk", replace_chords=True)
    count = lambda s: len(list(s.recurse().getElementsByClass(harmony.ChordSymbol)))  # noqa: E731
    assert count(kept.stream) == count(replaced.stream) + 1
    assert count(part) == 1  # the input is left as it was
    score = stream.Score()
    score.insert(0, part)
    with pytest.warns(InputWarning, match=r"part 0 already has 1 chord symbol"):
        harmonize_stream(score, style="folk")
    assert count(harmonize_stream(score, style="folk", replace_chords=True).stream) == count(replaced.stream)
