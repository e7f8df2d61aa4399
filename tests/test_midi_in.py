import mido
import pytest

from harmonizer.errors import InputError, InputWarning, NoMelodyError, OptionError, UnsupportedInputError
from harmonizer.midi_in import read_midi

from .conftest import build_midi, melody_events

TUNE = [(67, 1), (69, 1), (71, 1), (72, 1), (74, 2), (72, 1), (71, 1)] * 2


def _conductor(*extra):
    return [(0, mido.MetaMessage("set_tempo", tempo=500000)),
            (0, mido.MetaMessage("time_signature", numerator=4, denominator=4)), *extra]


def test_melody_is_ranked_above_bass_chords_and_drums():
    bass = melody_events([(43, 2), (38, 2)] * 8, channel=1)
    chords = []
    for pitch in (55, 59, 62):
        chords += melody_events([(pitch, 4)] * 4, channel=2)
    drums = melody_events([(36, 1), (38, 1)] * 16, channel=9)
    data = build_midi([
        _conductor(),
        [(0, mido.MetaMessage("track_name", name="Bass"))] + bass,
        [(0, mido.MetaMessage("track_name", name="Strings"))] + chords,
        [(0, mido.MetaMessage("track_name", name="Drums"))] + drums,
        [(0, mido.MetaMessage("track_name", name="Flute"))] + melody_events(TUNE, channel=3),
    ])
    song = read_midi(data)
    assert song.candidates[0].track == 4
    assert all(c.channel != 9 for c in song.candidates)
    melody, chosen = song.melody()
    assert chosen.track == 4 and [n.pitch for n in melody.notes[:3]] == [67, 69, 71]
    forced, chosen = song.melody(track=1)
    assert chosen.track == 1 and forced.notes[0].pitch == 43


def test_chords_in_the_melody_track_become_their_top_note():
    events = melody_events([(60, 1), (62, 1)]) + melody_events([(64, 1), (67, 1)])
    song = read_midi(build_midi([_conductor(), events]))
    melody, _ = song.melody()
    assert [n.pitch for n in melody.notes] == [64, 67]


def test_pickup_bar_written_as_a_short_time_signature():
    conductor = [(0, mido.MetaMessage("time_signature", numerator=1, denominator=4)),
                 (480, mido.MetaMessage("time_signature", numerator=3, denominator=4))]
    song = read_midi(build_midi([conductor, melody_events([(64, 1)] + [(65, 1)] * 6)]))
    assert song.meter.pickup == 1.0
    bars = song.meter.bars(7.0)
    assert [(b.number, b.onset, b.length) for b in bars] == [(0, 0.0, 1.0), (1, 1.0, 3.0), (2, 4.0, 3.0)]


def test_time_in_beats_follows_ticks_per_beat():
    song = read_midi(build_midi([_conductor(), melody_events([(60, 1.5), (62, 0.5)], tpb=96)],
                                ticks_per_beat=96))
    melody, _ = song.melody()
    assert [(n.onset, n.duration) for n in melody.notes] == [(0.0, 1.5), (1.5, 0.5)]


def test_overlapping_repeats_of_a_pitch_pair_first_in_first_out():
    events = [(0, mido.Message("note_on", note=60, velocity=80)),
              (240, mido.Message("note_on", note=60, velocity=81)),
              (480, mido.Message("note_off", note=60)),
              (960, mido.Message("note_off", note=60))]
    with pytest.warns(InputWarning, match="1 overlapping note"):
        song = read_midi(build_midi([events]))
    notes = song.notes_by_part[(0, 0)]
    assert [(n.onset, n.end) for n in notes] == [(0.0, 1.0), (0.5, 2.0)]


def test_key_signature_is_read_as_evidence():
    conductor = _conductor((0, mido.MetaMessage("key_signature", key="Bbm")))
    song = read_midi(build_midi([conductor, melody_events(TUNE)]))
    assert song.key_signature is not None and song.key_signature.name == "Bb minor"


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        pytest.param(b"", InputError, "MThd", id="empty"),
        pytest.param(b"ID3\x03 not midi at all", InputError, "MThd", id="mp3-behind-mid"),
        pytest.param(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01", InputError, "truncated header",
                     id="truncated-header"),
    ],
)
def test_bad_bytes_get_one_clear_error(data, error, words):
    with pytest.raises(error, match=words):
        read_midi(data)


def test_format_2_is_refused_as_unsupported():
    data = bytearray(build_midi([melody_events(TUNE)]))
    data[9] = 2  # format word of the header
    with pytest.raises(UnsupportedInputError, match="format 2"):
        read_midi(bytes(data))


def test_drums_only_has_no_melody():
    song = read_midi(build_midi([melody_events([(36, 1)] * 8, channel=9)]))
    with pytest.raises(NoMelodyError, match="drums only"):
        song.melody()


def test_melody_track_override_must_hold_notes():
    song = read_midi(build_midi([_conductor(), melody_events(TUNE)]))
    with pytest.raises(OptionError, match="--melody-track 0"):
        song.melody(track=0)
