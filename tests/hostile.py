"""Helpers of the hostile-input tests: bad files as bytes, run through the command line, and the
checks every refusal must pass (one line naming the file, the exit code, the input untouched,
nothing left behind)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

from harmonizer.cli import main

# ---------------------------------------------------------------------------
# Standard MIDI File pieces, written out so that a bad file reads as a few lines of hex

END_OF_TRACK = b"\x00\xff\x2f\x00"  # delta 0, meta 0x2F, length 0
TEMPO_120 = b"\x00\xff\x51\x03\x07\xa1\x20"  # delta 0, set_tempo 500000 us per quarter
FOUR_FOUR = b"\x00\xff\x58\x04\x04\x02\x18\x08"  # delta 0, time_signature 4/4


def header(midi_format: int = 1, tracks: int = 1, division: int = 480, length: int = 6) -> bytes:
    """'MThd', length, format, number of tracks, division."""
    return b"MThd" + struct.pack(">IHHH", length, midi_format, tracks, division)


def track(body: bytes) -> bytes:
    """'MTrk', length, events."""
    return b"MTrk" + struct.pack(">I", len(body)) + body


def notes(pitches=(60, 62, 64, 65, 67, 65, 64, 62), beats: int = 480, channel: int = 0) -> bytes:
    """note_on / note_off pairs, one beat each, back to back."""
    body = b""
    for pitch in pitches:
        body += bytes([0x00, 0x90 | channel, pitch, 0x50])  # delta 0, note_on
        body += _delta(beats) + bytes([0x80 | channel, pitch, 0x00])  # note_off one beat later
    return body


def _delta(ticks: int) -> bytes:
    out = [ticks & 0x7F]
    ticks >>= 7
    while ticks:
        out.append(0x80 | (ticks & 0x7F))
        ticks >>= 7
    return bytes(reversed(out))


def midi_file(*bodies: bytes, midi_format: int = 1, division: int = 480) -> bytes:
    """A whole file: a header and one track per body (each ends with end_of_track)."""
    return header(midi_format, len(bodies), division) + b"".join(track(b + END_OF_TRACK) for b in bodies)


GOOD_MIDI = midi_file(TEMPO_120 + FOUR_FOUR, notes())


# ---------------------------------------------------------------------------
# Running the command on a bad file


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), os.stat(path).st_mtime_ns


def refuse(tmp_path: Path, capsys, data: bytes, code: int, *words: str, name: str = "bad.mid",
           options: tuple[str, ...] = ()) -> str:
    """Run ``harmonize-midi`` on ``data`` saved as ``name`` and check the refusal: exit ``code``,
    one line on stderr naming the file and holding every one of ``words``, no traceback, the input
    unchanged (bytes and mtime) and no other file in the folder.  Returns the line."""
    source = tmp_path / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    os.utime(source, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = snapshot(source)
    listing = sorted(os.listdir(source.parent))
    assert main([str(source), *options]) == code
    captured = capsys.readouterr()
    err = captured.err
    assert err.count("\n") == 1, err
    assert err.startswith("harmonize-midi: error: ") and str(source) in err, err
    assert "Traceback" not in err and "internal error" not in err, err
    for word in words:
        assert word in err, (word, err)
    assert snapshot(source) == before
    assert sorted(os.listdir(source.parent)) == listing
    return err


def accept(tmp_path: Path, capsys, data: bytes, *, name: str = "song.mid", output: str = "out.mid",
           options: tuple[str, ...] = ()) -> tuple[Path, str]:
    """Harmonize ``data`` saved as ``name`` into ``output``; returns the output path and stderr."""
    source = tmp_path / name
    source.write_bytes(data)
    before = snapshot(source)
    target = tmp_path / output
    assert main([str(source), "-o", str(target), "--alternatives", "1", *options]) == 0, \
        capsys.readouterr().err
    assert snapshot(source) == before
    return target, capsys.readouterr().err
