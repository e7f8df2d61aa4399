"""Write the harmony back into the MIDI file: one new track, nothing else touched.

The new track holds a track name, a program change, a marker with the chord
symbol at every chord change (DAWs and notation programs show markers), and
the voiced chords on a channel the file does not use.  The original tracks
are the very message lists that were read, so every event, tempo and time
signature survives.  The file is written to a temporary file in the target
folder and renamed into place, so a failure never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import mido

from .engine import ChordChoice
from .errors import OptionError, OutputError
from .midi_in import MidiSong

__all__ = ["harmony_track", "free_channel", "write_midi", "write_atomic", "atomic_path", "DEFAULT_PROGRAM"]

DEFAULT_PROGRAM = 0  # Acoustic Grand Piano: what a musician expects to hear chords on
TRACK_NAME = "Harmony"


def free_channel(used: frozenset[int] | set[int]) -> int:
    """The first channel the file does not use, never the drum channel."""
    for channel in list(range(0, 9)) + list(range(10, 16)):
        if channel not in used:
            return channel
    raise OutputError("every MIDI channel but the drum channel is in use; no room for a harmony track")


def harmony_track(
    chords: Sequence[ChordChoice],
    ticks_per_beat: int,
    channel: int,
    velocity: int,
    program: int = DEFAULT_PROGRAM,
) -> mido.MidiTrack:
    """The chord track: name, program, a marker per chord change and the voiced notes."""
    if not 0 <= program <= 127:
        raise OptionError(f"The MIDI program must be in 0..127. Got {program}.")
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    previous_symbol = None
    for chord in chords:
        start = round(chord.onset * ticks_per_beat)
        stop = round((chord.onset + chord.duration) * ticks_per_beat)
        if chord.symbol != previous_symbol:
            events.append((start, 1, mido.MetaMessage("marker", text=chord.symbol)))
            previous_symbol = chord.symbol
        if stop <= start:
            continue
        for pitch in chord.voicing:
            # Offs sort before ons at the same tick so repeated notes retrigger cleanly.
            events.append((start, 2, mido.Message("note_on", channel=channel, note=pitch,
                                                  velocity=velocity)))
            events.append((stop, 0, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=TRACK_NAME, time=0))
    track.append(mido.Message("program_change", channel=channel, program=program, time=0))
    now = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


@contextmanager
def atomic_path(path: Path, suffix: str = ".tmp") -> Iterator[str]:
    """A temporary file beside ``path`` for the block to fill; renamed onto ``path`` when the
    block ends, removed when it raises.  Nothing half-written ever sits at ``path``, and an
    ``OSError`` becomes an :class:`OutputError` naming ``path``."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=folder)
    except OSError as error:
        raise OutputError(f"{path}: cannot write in {folder} ({error.strerror or error})") from error
    os.close(handle)
    try:
        os.chmod(temporary, _file_mode(path))
        yield temporary
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError) and not isinstance(error, OutputError):
            raise OutputError(f"{path}: writing failed ({error.strerror or error})") from error
        raise


def write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call ``write(file_object)`` on a temporary file beside ``path``, then rename it into place."""
    with atomic_path(path) as temporary, os.fdopen(os.open(temporary, os.O_WRONLY), "wb") as stream:
        write(stream)
        stream.flush()
        os.fsync(stream.fileno())


def _file_mode(path: Path) -> int:
    """The mode a new file would get (mkstemp's own 0600 is too strict), or the replaced file's."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def harmony_tracks(song: MidiSong) -> list[int]:
    """The tracks of ``song``'s file that are chord tracks as this module writes them: named
    :data:`TRACK_NAME`, with chord-symbol markers (an earlier run's, most likely)."""
    return [index for index, track in enumerate(song.midi.tracks)
            if any(m.type == "track_name" and m.name == TRACK_NAME for m in track)
            and any(m.type == "marker" for m in track)]


def write_midi(song: MidiSong, chords: Sequence[ChordChoice], path: Path, *,
               melody_velocity: float | None = None, program: int = DEFAULT_PROGRAM,
               replace_existing: bool = False) -> mido.MidiFile:
    """Append the harmony track to a copy of ``song``'s file and write it atomically to ``path``;
    ``replace_existing`` leaves out the file's own chord tracks (:func:`harmony_tracks`).

    The chord velocity is set below the melody's average (at least 20 less).
    """
    channel = free_channel(song.used_channels)
    velocity = int(max(30, min(100, (melody_velocity or 80) - 20)))
    output = mido.MidiFile(type=1 if song.midi.type == 0 else song.midi.type,
                           ticks_per_beat=song.midi.ticks_per_beat, charset=song.midi.charset)
    dropped = set(harmony_tracks(song)) if replace_existing else set()
    kept = [track for index, track in enumerate(song.midi.tracks) if index not in dropped]
    # The same message lists: appending a track changes nothing in the originals.
    output.tracks = [*kept, harmony_track(chords, song.ticks_per_beat, channel, velocity, program)]
    write_atomic(path, lambda stream: output.save(file=stream))
    return output
