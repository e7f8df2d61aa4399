"""Hostile and broken MIDI files: one clear line (file, what, where: track and byte, tick), the
documented exit code, the input untouched and nothing left behind.  Every bad file is built here
as bytes."""

from __future__ import annotations

import io
import os
import time
import tracemalloc

import mido
import pytest

from harmonizer.errors import InputError, InputWarning, UnsupportedInputError
from harmonizer.midi_in import read_midi

from .hostile import (
    END_OF_TRACK,
    FOUR_FOUR,
    GOOD_MIDI,
    TEMPO_120,
    accept,
    header,
    midi_file,
    notes,
    refuse,
    track,
)

MELODY = notes()
CONDUCTOR = TEMPO_120 + FOUR_FOUR


def _riff(smf: bytes) -> bytes:
    body = b"RMID" + b"data" + len(smf).to_bytes(4, "little") + smf
    return b"RIFF" + len(body).to_bytes(4, "little") + body


BAD = [
    # (bytes, exit code, words the line must hold)
    pytest.param(b"", 3, ["the file is empty"], id="empty"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, 3, ["neither MIDI", "it looks like a PNG image"],
                 id="png-behind-mid"),
    pytest.param(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\0" * 30, 3, ["a WAV audio file"], id="wav-behind-mid"),
    pytest.param(b"ID3\x04\x00\x00" + b"\0" * 30, 3, ["an MP3 audio file"], id="mp3-behind-mid"),
    pytest.param(b"just some text, not music\n", 3, ["neither MIDI", "nor MusicXML"], id="text-behind-mid"),
    pytest.param(b"RIFF\x0c\x00\x00\x00RMIDLIST\x00\x00\x00\x00", 3, ["RIFF/RMID", "no 'data' chunk"],
                 id="rmid-without-data"),
    pytest.param(b"RIFF\x20\x00\x00\x00RMIDdata\xff\x00\x00\x00MThd", 3, ["'data' chunk", "truncated"],
                 id="rmid-truncated"),
    pytest.param(b"MThd\x00\x00\x00\x06\x00\x01", 3, ["truncated header", "byte 10"], id="truncated-header"),
    pytest.param(b"MThd\x00\x00\x00\x04\x00\x01\x00\x01\x01\xe0", 3, ["'MThd' chunk is 4 bytes"],
                 id="short-header-chunk"),
    pytest.param(header() + b"MTrk\x00\x00\x01\x00" + b"\x00\x90\x3c", 3,
                 ["track 0 at byte 14", "declares 256 bytes but only 3 remain", "truncated"],
                 id="truncated-track"),
    pytest.param(header(tracks=3) + track(MELODY + END_OF_TRACK), 3,
                 ["declares 3 tracks but the file holds only 1"], id="fewer-tracks-than-header"),
    pytest.param(header(tracks=1) + track(MELODY + END_OF_TRACK) * 2, 3,
                 ["track 1 at byte", "more 'MTrk' chunks than the 1"], id="more-tracks-than-header"),
    pytest.param(header(tracks=0), 3, ["declares 0 tracks"], id="zero-tracks"),
    pytest.param(header(tracks=60000), 3, ["declares 60000 tracks; the limit is"], id="too-many-tracks"),
    pytest.param(header() + b"\x00\x01\x02\x03\x00\x00\x00\x00", 3,
                 ["track 0 at byte 14", "expected an 'MTrk' chunk"], id="binary-chunk"),
    # note_on whose velocity byte is 0xC0: a status byte where data was expected
    pytest.param(midi_file(b"\x00\x90\x3c\xc0" + MELODY), 3,
                 ["track 0 at byte 25 (tick 0)", "note_on data byte 0xC0 is not in 0..127"],
                 id="data-byte-over-127"),
    # the first event starts with a data byte: running status with nothing to run
    pytest.param(midi_file(b"\x00\x3c\x40" + MELODY), 3,
                 ["track 0 at byte 23 (tick 0)", "running status (data byte 0x3C) with no status"],
                 id="running-status-without-status"),
    # running status after a sysex, which cancels it
    pytest.param(midi_file(b"\x00\x90\x3c\x40\x00\xf0\x01\xf7\x00\x3e\x40" + MELODY), 3,
                 ["running status"], id="running-status-after-sysex"),
    pytest.param(midi_file(b"\x00\xff\x51\x02\x07\xa1" + MELODY), 3,
                 ["track 0 at byte 23 (tick 0)", "set_tempo meta event has 2 data bytes; it needs 3"],
                 id="short-set-tempo"),
    pytest.param(midi_file(b"\x00\xff\x58\x02\x04\x02" + MELODY), 3,
                 ["time_signature meta event has 2 data bytes; it needs 4"], id="short-time-signature"),
    pytest.param(midi_file(b"\x00\xff\x58\x04\x00\x02\x18\x08" + MELODY), 3,
                 ["time_signature 0/2^2 is not a time signature"], id="time-signature-numerator-0"),
    pytest.param(midi_file(b"\x00\xff\x59\x02\x09\x00" + MELODY), 3,
                 ["key_signature with 9 sharps and mode 0 is invalid"], id="invalid-key-signature"),
    pytest.param(midi_file(b"\x00\xff\x59\x02\x00\x05" + MELODY), 3,
                 ["key_signature with 0 sharps and mode 5"], id="invalid-key-mode"),
    pytest.param(midi_file(b"\x00\xff\x54\x05\xe0\x3c\x00\x00\x00" + MELODY), 3,
                 ["smpte_offset e0 3c 00 00 00 is invalid"], id="invalid-smpte-offset"),
    pytest.param(midi_file(b"\x00\xff\x51\x03\x00\x00\x00" + MELODY), 3,
                 ["track 0 at byte 23 (tick 0)", "set_tempo of 0 microseconds"], id="tempo-0"),
    pytest.param(header(division=0xE728) + track(MELODY + END_OF_TRACK), 4,
                 ["SMPTE timing (25 frames per second, 40 ticks per frame)"], id="smpte-division"),
    pytest.param(header(division=0) + track(MELODY + END_OF_TRACK), 3, ["division is 0 ticks"],
                 id="ticks-per-beat-0"),
    pytest.param(header(midi_format=2) + track(MELODY + END_OF_TRACK), 4, ["MIDI format 2"], id="format-2"),
    pytest.param(header(midi_format=7) + track(MELODY + END_OF_TRACK), 3, ["MIDI format 7 does not exist"],
                 id="format-7"),
    # a delta time of five bytes (at most four are allowed)
    pytest.param(midi_file(b"\x81\x80\x80\x80\x00\x90\x3c\x40" + MELODY), 3,
                 ["track 0 at byte 22 (tick 0)", "delta time is longer than 4 bytes"],
                 id="delta-time-5-bytes"),
    # eight deltas of 0x0FFFFFFF ticks: far past the longest piece we read
    pytest.param(midi_file(b"\xff\xff\xff\x7f\xff\x01\x00" * 8 + MELODY), 3,
                 ["delta time 268435455 takes the track past 100000 beats"], id="absurd-delta-times"),
    # a text meta event that claims 256 MB
    pytest.param(midi_file(b"\x00\xff\x01\xff\xff\xff\x7fabc" + MELODY), 3,
                 ["meta event 0x01 needs 268435455 bytes but only"], id="absurd-meta-length"),
    pytest.param(midi_file(b"\x00\xf0\x81\x00\x01" + MELODY), 3, ["sysex event needs 128 bytes"],
                 id="sysex-runs-past-chunk"),
    pytest.param(midi_file(b"\x00\xf0\x03\x01\x90\xf7" + MELODY), 3, ["sysex (0xF0) data byte 0x90"],
                 id="sysex-data-over-127"),
    pytest.param(midi_file(b"\x00\xf4" + MELODY), 3, ["status byte 0xF4 (undefined)"], id="undefined-status"),
    pytest.param(midi_file(b"\x00\xf8" + MELODY), 3, ["status byte 0xF8 (real-time) is not allowed"],
                 id="real-time-status"),
    # the chunk ends in the middle of a note_on
    pytest.param(header() + track(MELODY + b"\x00\x90\x3c"), 3,
                 ["note_on needs 2 bytes but only 1 remain in the track chunk"], id="event-straddles-chunk"),
    pytest.param(midi_file(CONDUCTOR, b""), 3, ["no track holds pitched notes"], id="no-notes"),
    pytest.param(midi_file(CONDUCTOR, notes(channel=9)), 3, ["drums only"], id="drums-only"),
    pytest.param(header(tracks=2) + track(b"") + track(b""), 3, ["no track holds pitched notes"],
                 id="only-empty-tracks"),
    # 1/128 bars over 2,000 beats: 64,000 bars
    pytest.param(midi_file(b"\x00\xff\x58\x04\x01\x07\x18\x08" + b"\x00\x90\x3c\x40\xba\xcc\x00\x80\x3c\x00"),
                 3, ["bars (time signature 1/128 at beat 0); the limit is 50000"], id="too-many-bars"),
]


@pytest.mark.parametrize(("data", "code", "words"), BAD)
def test_bad_midi_gets_one_line_naming_file_what_and_where(data, code, words, tmp_path, capsys):
    refuse(tmp_path, capsys, data, code, *words)


def test_limits_are_checked_before_any_allocation_proportional_to_them():
    # Chunk, meta and sysex lengths of 256 MB and 4 GB in a file of a few hundred bytes.
    hostile = [
        header() + b"MTrk\xff\xff\xff\xff" + MELODY,
        midi_file(b"\x00\xff\x01\xff\xff\xff\x7f" + MELODY),
        midi_file(b"\x00\xf0\xff\xff\xff\x7f" + MELODY),
        midi_file(b"\xff\xff\xff\x7f\x90\x3c\x40" * 40 + MELODY),
    ]
    tracemalloc.start()
    started = time.perf_counter()
    try:
        for data in hostile:
            with pytest.raises(InputError):
                read_midi(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000 and time.perf_counter() - started < 1.0


def test_an_rmid_wrapper_is_unwrapped_and_every_message_kept(tmp_path, capsys):
    target, err = accept(tmp_path, capsys, _riff(GOOD_MIDI), name="song.rmi")
    assert err == ""
    original = mido.MidiFile(file=io.BytesIO(GOOD_MIDI))
    written = mido.MidiFile(target)
    assert [list(t) for t in written.tracks[:-1]] == [list(t) for t in original.tracks]
    assert written.tracks[-1].name == "Harmony"


def test_an_error_inside_an_rmid_names_the_byte_of_the_file(tmp_path, capsys):
    broken = _riff(midi_file(b"\x00\x3c\x40" + MELODY))
    refuse(tmp_path, capsys, broken, 3, "track 0 at byte 43 (tick 0)", "running status", name="song.rmi")


def test_musicxml_behind_a_mid_name_is_read_as_musicxml(tmp_path, capsys):
    xml = (b'<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1">'
           b"<part-name>Melody</part-name></score-part></part-list><part id=\"P1\"><measure number=\"1\">"
           b"<attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type></time>"
           b"</attributes>" + b"<note><pitch><step>G</step><octave>4</octave></pitch><duration>1</duration>"
           b"<type>quarter</type></note>" * 4 + b"</measure></part></score-partwise>")
    target, err = accept(tmp_path, capsys, xml, name="disguised.mid")
    assert err == "" and mido.MidiFile(target).tracks[-1].name == "Harmony"


def test_empty_tracks_are_kept_and_announced(tmp_path, capsys):
    data = header(tracks=3) + track(CONDUCTOR + END_OF_TRACK) + track(b"") + track(MELODY + END_OF_TRACK)
    target, err = accept(tmp_path, capsys, data)
    assert err.count("\n") == 1 and "warning:" in err and "track 1 has no end_of_track event" in err
    written = mido.MidiFile(target)
    assert len(written.tracks) == 4 and [m.type for m in written.tracks[1]] == ["end_of_track"]


def test_unterminated_notes_end_with_their_track_and_are_counted_in_one_warning(tmp_path, capsys):
    # Two notes switched on and never off, then end_of_track two beats later.
    body = MELODY + b"\x00\x90\x47\x50\x00\x90\x48\x50\x87\x40\xff\x2f\x00"
    data = header(tracks=2) + track(CONDUCTOR + END_OF_TRACK) + track(body)
    with pytest.warns(InputWarning, match=r"2 note\(s\) never switched off.*track 1 at tick 3840"):
        song = read_midi(data)
    assert len(song.warnings) == 1
    ends = sorted(n.end for n in song.notes_by_part[(1, 0)] if n.pitch in (71, 72))
    assert ends == [10.0, 10.0]
    target, err = accept(tmp_path, capsys, data)
    assert err.count("\n") == 1 and err.startswith("harmonize-midi: warning: ")
    assert "2 note(s) never switched off" in err and str(tmp_path / "song.mid") in err
    assert list(mido.MidiFile(target).tracks[1]) == list(mido.MidiFile(file=io.BytesIO(data)).tracks[1])


def test_overlapping_notes_are_paired_first_in_first_out_and_counted(tmp_path, capsys):
    # C4 on at 0 and again at 240, off at 480 and 960: two overlapping notes of one pitch.
    body = (b"\x00\x90\x3c\x50" b"\x81\x70\x90\x3c\x51" b"\x81\x70\x80\x3c\x00" b"\x83\x60\x80\x3c\x00"
            + MELODY)
    data = midi_file(CONDUCTOR, body)
    with pytest.warns(InputWarning, match=r"1 overlapping note\(s\).*first: track 1 at tick 240"):
        first = read_midi(data)
    with pytest.warns(InputWarning):
        second = read_midi(data)
    assert first.notes_by_part == second.notes_by_part  # deterministic
    pair = [(n.onset, n.end, n.velocity) for n in first.notes_by_part[(1, 0)][:2]]
    assert pair == [(0.0, 1.0, 80), (0.5, 2.0, 81)]
    _, err = accept(tmp_path, capsys, data)
    assert err.count("\n") == 1 and "1 overlapping note(s)" in err


def test_unknown_chunks_are_skipped_with_a_warning(tmp_path, capsys):
    data = header(tracks=1) + b"XFIH\x00\x00\x00\x04abcd" + track(CONDUCTOR + MELODY + END_OF_TRACK)
    target, err = accept(tmp_path, capsys, data)
    assert "skipped 1 chunk(s) of unknown type ('XFIH' at byte 14)" in err
    assert mido.MidiFile(target).tracks[-1].name == "Harmony"


def test_format_0_with_one_track_comes_back_as_format_1(tmp_path, capsys):
    target, _ = accept(tmp_path, capsys, midi_file(CONDUCTOR + MELODY, midi_format=0))
    written = mido.MidiFile(target)
    assert written.type == 1 and len(written.tracks) == 2


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_without_a_size_is_read_no_further_than_the_limit(capsys):
    from harmonizer.cli import main

    started = time.perf_counter()
    assert main(["/dev/zero", "--no-write"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/dev/zero" in err and "larger than" in err
    assert time.perf_counter() - started < 5


def test_a_missing_file_is_bad_input(tmp_path, capsys):
    from harmonizer.cli import main

    assert main([str(tmp_path / "nowhere.mid")]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere.mid: cannot read the file" in err
    assert list(tmp_path.iterdir()) == []


def test_errors_are_classes_that_callers_can_catch():
    with pytest.raises(UnsupportedInputError):
        read_midi(header(midi_format=2) + track(END_OF_TRACK))
    with pytest.raises(ValueError):  # InputError is a ValueError too
        read_midi(b"MThd")
