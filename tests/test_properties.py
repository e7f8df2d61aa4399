"""Property tests (hypothesis): the engine's invariants on random melodies, and readers that
never fail on random input except with one of the harmonizer's own errors.

Each test keeps ``max_examples`` small and the examples derandomized, so the set runs in a few
seconds and the same way in CI every time; scripts/fuzz_readers.py runs the readers at scale.
"""

from __future__ import annotations

import io
import math
import struct
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmonizer.engine import harmonize_melody
from harmonizer.errors import HarmonizerError
from harmonizer.mask import extract_target_degrees, mask_coverage
from harmonizer.melody import Melody, Meter, Note, TimeSignature
from harmonizer.midi_in import read_midi
from harmonizer.musicxml_in import read_song
from harmonizer.scorer import load_model
from harmonizer.theory import Key, degree_of, scale_of

EPS = 1e-6
FAST = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
METERS = [(4, 4), (3, 4), (2, 4), (6, 8), (2, 2)]
DURATIONS = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]


@pytest.fixture(scope="module")
def model():
    return load_model("folk")


@st.composite
def melodies(draw, diatonic_in: Key | None = None):
    """A melody of 1..24 notes (and rests) in one metre, with or without a pickup."""
    numerator, denominator = draw(st.sampled_from(METERS))
    bar = numerator * 4.0 / denominator
    pickup = draw(st.sampled_from([0.0, 0.0, 1.0])) if bar > 1.0 else 0.0
    count = draw(st.integers(1, 24))
    notes, position = [], draw(st.sampled_from([0.0, 0.0, 0.5, bar]))
    for _ in range(count):
        duration = draw(st.sampled_from(DURATIONS))
        if diatonic_in is None:
            pitch = draw(st.integers(48, 84))
        else:
            steps = scale_of(diatonic_in.mode)
            octave, step = draw(st.integers(4, 6)), draw(st.integers(0, 6))
            pitch = 12 * octave + diatonic_in.tonic + steps[step]
        if draw(st.booleans()) or not notes:
            notes.append(Note(pitch, position, duration, 80))
        position += duration
    return Melody(tuple(notes), Meter((TimeSignature(0.0, numerator, denominator),), pickup), source="drawn")


def _check_invariants(melody: Melody, result) -> None:
    chords = result.chords
    assert len(chords) == len(result.slots) >= 1  # one chord per slot
    for slot, chord in zip(result.slots, chords):
        assert chord.onset == pytest.approx(slot.onset) and chord.duration == pytest.approx(slot.duration)
    for before, after in zip(chords, chords[1:]):  # back to back: no gap, no overlap
        assert before.onset + before.duration == pytest.approx(after.onset)
    assert chords[0].onset <= melody.notes[0].onset + EPS  # the chords cover the piece
    assert chords[-1].onset + chords[-1].duration >= melody.end - EPS
    for chord in chords:
        for value in (chord.confidence, chord.score, chord.fit, chord.harmonic_strength,
                      chord.voice_leading, chord.contextual):
            assert 0.0 <= value <= 1.0 and math.isfinite(value)
        assert sum(a.probability for a in chord.alternatives) <= 1.0 + 1e-3
        assert all(0 <= p <= 127 for p in chord.voicing)
        # One key per pitch, the bass below the upper voices: a doubled pitch is a lost voice
        # (and a second note-on for a key already down on the harmony channel).
        assert list(chord.voicing) == sorted(set(chord.voicing))
    assert 0.0 <= result.confidence <= 1.0 and 0.0 <= result.overall_score <= 1.0
    assert [p.probability for p in result.alternatives] == sorted(
        (p.probability for p in result.alternatives), reverse=True)
    assert all(0.0 <= p.probability <= 1.0 for p in result.alternatives)
    assert list(result.alternatives[0].numerals) == result.numerals


@FAST
@given(melody=melodies(), rhythm=st.sampled_from(["auto", "bar", "half", "beat"]))
def test_one_chord_per_slot_covering_the_piece_with_confidences_in_0_1(model, melody, rhythm):
    _check_invariants(melody, harmonize_melody(melody, harmonic_rhythm=rhythm, model=model, alternatives=3))


TONICS = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]


@FAST
@given(data=st.data(), tonic=st.integers(0, 11), minor=st.booleans(), mask=st.integers(0, 127))
def test_mask_coverage_matches_its_definition(model, data, tonic, minor, mask):
    key = Key.from_tonic(tonic, "minor" if minor else "major")
    melody = data.draw(melodies(diatonic_in=key))
    result = harmonize_melody(melody, key=key, target_mask=mask, model=model, alternatives=1)
    _check_invariants(melody, result)
    # A diatonic note's degree is its place in the scale: counted without the engine's tables.
    steps = scale_of(key.mode)
    numbers = [steps.index((n.pitch - key.tonic) % 12) + 1 for n in melody.notes]
    targets = set(extract_target_degrees(mask))
    expected = sum(number in targets for number in numbers) / len(numbers)
    assert result.mask_coverage == pytest.approx(expected, abs=1e-4)
    assert result.mask_coverage == pytest.approx(
        mask_coverage([degree_of(n.pitch, key) for n in melody.notes], mask), abs=1e-4)


@FAST
@given(melody=melodies(), shift=st.integers(-6, 6), minor=st.booleans())
def test_transposing_the_melody_transposes_the_chords(model, melody, shift, minor):
    mode = "minor" if minor else "major"
    key = Key.from_tonic(0, mode)
    moved_key = Key.from_tonic(shift, mode)
    moved = Melody(tuple(Note(n.pitch + shift, n.onset, n.duration, n.velocity) for n in melody.notes),
                   melody.meter, melody.source)
    first = harmonize_melody(melody, key=key, model=model, alternatives=2)
    second = harmonize_melody(moved, key=moved_key, model=model, alternatives=2)
    assert first.numerals == second.numerals
    assert [c.chord_index for c in first.chords] == [c.chord_index for c in second.chords]
    assert [(c.root + shift) % 12 for c in first.chords] == [c.root for c in second.chords]
    assert [c.confidence for c in first.chords] == pytest.approx([c.confidence for c in second.chords],
                                                                 abs=1e-3)


@FAST
@given(melody=melodies(), shift=st.integers(1, 11))
def test_transposing_the_melody_transposes_the_key_found(model, melody, shift):
    moved = Melody(tuple(Note(n.pitch + shift, n.onset, n.duration, n.velocity) for n in melody.notes),
                   melody.meter, melody.source)
    first = harmonize_melody(melody, model=model, alternatives=1)
    second = harmonize_melody(moved, model=model, alternatives=1)
    if abs(first.key.margin) < 1e-6:
        return  # a tie between keys: either answer is right
    assert (first.key.key.tonic + shift) % 12 == second.key.key.tonic
    assert first.key.key.mode == second.key.key.mode and first.numerals == second.numerals


# ---------------------------------------------------------------------------
# Readers on random input


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


events = st.one_of(
    st.tuples(st.integers(0, 2000), st.integers(0x80, 0xEF), st.integers(0, 127), st.integers(0, 127)).map(
        lambda e: _vlq(e[0]) + bytes(e[1:])),
    st.tuples(st.integers(0, 2000), st.integers(0, 127), st.binary(max_size=6)).map(  # meta
        lambda e: _vlq(e[0]) + b"\xff" + bytes([e[1]]) + _vlq(len(e[2])) + e[2]),
    st.binary(min_size=1, max_size=6),  # anything at all
    st.sampled_from([b"\x00\xff\x2f\x00", b"\x00\xff\x51\x03\x07\xa1\x20", b"\x00\xf0\x01\xf7",
                     b"\x60\x3c\x00", b"\x00\xff\x58\x04\x03\x02\x18\x08", b"\x00\xff\x59\x02\xfe\x01"]),
)
tracks = st.lists(st.lists(events, max_size=20).map(b"".join), min_size=0, max_size=4)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(midi_format=st.sampled_from([0, 1, 1, 2, 3]), declared=st.integers(0, 5),
       division=st.sampled_from([480, 96, 1, 0, 0x8000, 0xE728]), bodies=tracks,
       lie=st.sampled_from([0, 0, 0, 1, -1, 1000]))
def test_the_midi_reader_fails_only_with_its_own_errors(midi_format, declared, division, bodies, lie):
    data = b"MThd" + struct.pack(">IHHH", 6, midi_format, declared, division)
    for body in bodies:
        data += b"MTrk" + struct.pack(">I", max(0, len(body) + lie)) + body
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            song = read_midi(data)
        except HarmonizerError:
            return
    for notes in song.notes_by_part.values():
        assert all(0 <= n.pitch <= 127 and n.duration > 0 and n.onset >= 0 for n in notes)


VALUES = st.sampled_from(["0", "-1", "1", "2", "4", "1e309", "NaN", "", "x", "3+2", "0.5", "99", "-7", "7",
                          "12", "G", "H", "quarter", "eighth"])


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(VALUES, min_size=10, max_size=10), drop=st.integers(0, 9))
def test_the_musicxml_reader_fails_only_with_its_own_errors(values, drop):
    fields = ["divisions", "fifths", "beats", "beat-type", "step", "alter", "octave", "duration", "type",
              "chromatic"]
    chosen = dict(zip(fields, values))
    chosen[fields[drop]] = None  # an element left out
    def element(name, default):
        value = chosen.get(name, default)
        return "" if value is None else f"<{name}>{value}</{name}>"
    xml = ('<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1">'
           '<part-name>M</part-name></score-part></part-list><part id="P1"><measure number="1"><attributes>'
           f'{element("divisions", "1")}<key>{element("fifths", "0")}</key><time>{element("beats", "4")}'
           f'{element("beat-type", "4")}</time><transpose><diatonic>0</diatonic>{element("chromatic", "0")}'
           f'</transpose></attributes><note><pitch>{element("step", "C")}{element("alter", "0")}'
           f'{element("octave", "4")}</pitch>{element("duration", "1")}{element("type", "quarter")}</note>'
           '</measure></part></score-partwise>').encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            read_song(io.BytesIO(xml)).melody()
        except HarmonizerError:
            pass
