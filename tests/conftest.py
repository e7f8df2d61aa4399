"""Shared helpers: MIDI files built in memory, so tests need no files on disk."""

from __future__ import annotations

import io
from pathlib import Path

import mido
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED_DATA = ROOT.parent / "shared" / "data"


def build_midi(tracks, ticks_per_beat=480, midi_type=1) -> bytes:
    """``tracks``: lists of (absolute tick, message) pairs; returns the file's bytes."""
    midi = mido.MidiFile(type=midi_type, ticks_per_beat=ticks_per_beat)
    for events in tracks:
        track = mido.MidiTrack()
        now = 0
        for tick, message in sorted(events, key=lambda e: e[0]):
            track.append(message.copy(time=tick - now))
            now = tick
        midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def melody_events(pitches_and_beats, channel=0, tpb=480, start=0.0, velocity=90):
    """note_on/note_off pairs for (pitch, beats) in sequence; pitch None is a rest."""
    events = []
    position = start
    for pitch, beats in pitches_and_beats:
        if pitch is not None:
            on = round(position * tpb)
            off = round((position + beats) * tpb)
            events.append((on, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
            events.append((off, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        position += beats
    return events


@pytest.fixture
def tmp_song(tmp_path):
    """Write bytes to a .mid file in a temporary folder and return its path."""

    def write(data: bytes, name: str = "song.mid") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write
