"""Walk a Standard MIDI File's chunks and events before mido reads it.

mido stops at the first thing it cannot read with a message that says neither
where nor, at times, what (``EOFError``, ``list index out of range``), accepts
a few things it cannot write back (real-time bytes), and reads past the end of
a track chunk when an event straddles it.  This walk follows mido's reading
rules, a little more strictly, and refuses a bad file with one line naming the
track and the byte (and the tick) of the problem.  Every limit is checked
before anything proportional to it is allocated.  A file that passes is read
by mido without surprises.

The rules are those of the Standard MIDI File 1.0 specification (MIDI
Manufacturers Association, 1996): chunk layout, variable-length quantities
of at most four bytes, running status, and the meta events' fixed lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import limits
from .errors import InputError, UnsupportedInputError

__all__ = ["MidiLayout", "check_midi", "unwrap_riff", "describe_foreign"]

#: Data bytes after the status byte of each channel message, by its high nibble.
_CHANNEL_DATA = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_CHANNEL_NAMES = {0x80: "note_off", 0x90: "note_on", 0xA0: "polytouch", 0xB0: "control_change",
                  0xC0: "program_change", 0xD0: "aftertouch", 0xE0: "pitchwheel"}
#: System common messages mido reads and writes back (0xF1, 0xF2, 0xF3, 0xF6).
_SYSTEM_COMMON = {0xF1: ("quarter_frame", 1), 0xF2: ("songpos", 2), 0xF3: ("song_select", 1),
                  0xF6: ("tune_request", 0)}
#: Meta events whose data has a fixed length (mido fails on less and drops the rest of more).
_META_LENGTHS = {0x00: ("sequence_number", 2), 0x20: ("channel_prefix", 1), 0x51: ("set_tempo", 3),
                 0x54: ("smpte_offset", 5), 0x58: ("time_signature", 4), 0x59: ("key_signature", 2)}
#: Largest time-signature denominator, as a power of two (1/128 notes).
_MAX_DENOMINATOR_POWER = 7
_FOREIGN_MAGIC = (
    (b"RIFF", 8, b"WAVE", "a WAV audio file"),
    (b"ID3", 0, b"", "an MP3 audio file"),
    (b"\xff\xfb", 0, b"", "an MP3 audio file"),
    (b"OggS", 0, b"", "an Ogg audio file"),
    (b"fLaC", 0, b"", "a FLAC audio file"),
    (b"%PDF", 0, b"", "a PDF document"),
    (b"\x89PNG", 0, b"", "a PNG image"),
    (b"\xff\xd8\xff", 0, b"", "a JPEG image"),
    (b"GIF8", 0, b"", "a GIF image"),
    (b"\x1f\x8b", 0, b"", "a gzip archive"),
    (b"PK\x03\x04", 0, b"", "a zip archive"),
    (b"XMF_", 0, b"", "an XMF file (extensible music format)"),
    (b"MTrk", 0, b"", "a MIDI track without its 'MThd' header"),
)


@dataclass(frozen=True)
class MidiLayout:
    """What the walk found: the header's fields, the bytes mido should read (alien chunks
    left out), and what was read past, one line each."""

    format: int
    track_count: int
    ticks_per_beat: int
    data: bytes
    notes: tuple[str, ...] = ()


class _Refusal(Exception):
    """A problem at one place; turned into an InputError that names the file."""

    def __init__(self, what: str, error: type[InputError] = InputError) -> None:
        super().__init__(what)
        self.error = error


def describe_foreign(data: bytes) -> str | None:
    """What a file that is not MIDI seems to be, from its first bytes, or ``None``."""
    for magic, offset, second, what in _FOREIGN_MAGIC:
        if data.startswith(magic) and (not second or data[offset:offset + len(second)] == second):
            return what
    return None


def unwrap_riff(name: str, data: bytes) -> tuple[bytes, int]:
    """The Standard MIDI File inside an RMID file (a RIFF 'data' chunk) and its offset in the
    file; other data comes back as it is, at offset 0."""
    if not (data[:4] == b"RIFF" and data[8:12] == b"RMID"):
        return data, 0
    position = 12
    while position + 8 <= len(data):
        chunk_id = data[position:position + 4]
        size = int.from_bytes(data[position + 4:position + 8], "little")
        if chunk_id == b"data":
            start = position + 8
            if start + size > len(data):
                raise InputError(f"{name}: RIFF/RMID 'data' chunk at byte {position} declares {size} "
                                 f"bytes but only {len(data) - start} follow (truncated file)")
            return data[start:start + size], start
        position += 8 + size + (size & 1)
    raise InputError(f"{name}: RIFF/RMID file holds no 'data' chunk (no MIDI data inside)")


def check_midi(name: str, data: bytes, base: int = 0) -> MidiLayout:
    """Check the chunk and event structure of a Standard MIDI File.

    ``base`` is the offset of ``data`` in the file (an RMID wrapper's), so that
    byte positions in messages are those of the file.  Raises
    :class:`InputError` (:class:`UnsupportedInputError` for format 2 and SMPTE
    timing) naming the file, the track and the byte of the first problem.
    """
    if not data:
        raise InputError(f"{name}: the file is empty (no 'MThd' header)")
    if data[:4] != b"MThd":
        foreign = describe_foreign(data)
        seems = f"; it looks like {foreign}" if foreign else ""
        raise InputError(f"{name}: not a Standard MIDI File (no 'MThd' header at byte {base}){seems}")
    if len(data) < 14:
        raise InputError(f"{name}: truncated header: the file ends at byte {base + len(data)}, inside "
                         "the 14-byte 'MThd' chunk")
    header_length = int.from_bytes(data[4:8], "big")
    if header_length < 6:
        raise InputError(f"{name}: the 'MThd' chunk is {header_length} bytes long; it must be at least 6")
    if 8 + header_length > len(data):
        raise InputError(f"{name}: truncated header: the 'MThd' chunk declares {header_length} bytes "
                         f"but the file ends at byte {base + len(data)}")
    midi_format = int.from_bytes(data[8:10], "big")
    declared = int.from_bytes(data[10:12], "big")
    division = int.from_bytes(data[12:14], "big")
    if midi_format > 2:
        raise InputError(f"{name}: corrupt header at byte {base}: MIDI format {midi_format} does not "
                         "exist (0, 1 or 2)")
    if midi_format == 2:
        raise UnsupportedInputError(f"{name}: MIDI format 2 (independent sequences) is not supported")
    if division & 0x8000:
        frames = 256 - (division >> 8)
        raise UnsupportedInputError(
            f"{name}: header division 0x{division:04X} is SMPTE timing ({frames} frames per second, "
            f"{division & 0xFF} ticks per frame), which is not supported; only ticks per quarter note are"
        )
    if division == 0:
        raise InputError(f"{name}: header division is 0 ticks per quarter note; it must be at least 1")
    if declared == 0:
        raise InputError(f"{name}: the header declares 0 tracks")
    if declared > limits.MAX_TRACKS:
        raise InputError(f"{name}: the header declares {declared} tracks; the limit is {limits.MAX_TRACKS}")
    walk = _Walk(data, base, division)
    position = 8 + header_length
    kept = [data[:position]]
    notes: list[str] = []
    alien = []
    tracks = 0
    while position < len(data) and tracks < declared:
        where = f"track {tracks} at byte {base + position}"
        if len(data) - position < 8:
            raise InputError(f"{name}: {where}: truncated chunk header ({len(data) - position} of 8 bytes)")
        chunk_id = data[position:position + 4]
        length = int.from_bytes(data[position + 4:position + 8], "big")
        start, end = position + 8, position + 8 + length
        if end > len(data):
            raise InputError(f"{name}: {where}: the chunk declares {length} bytes but only "
                             f"{len(data) - start} remain (truncated file)")
        if chunk_id != b"MTrk":
            if not all(32 <= byte < 127 for byte in chunk_id):
                raise InputError(f"{name}: {where}: expected an 'MTrk' chunk, found bytes "
                                 f"{chunk_id.hex(' ')} (corrupt file)")
            # The specification tells readers to skip chunks of unknown type.
            alien.append(f"{chunk_id.decode('ascii')!r} at byte {base + position}")
            position = end
            continue
        try:
            if not walk.track(start, end):
                notes.append(f"track {tracks} has no end_of_track event (one is added on output)")
        except _Refusal as refusal:
            raise refusal.error(f"{name}: track {tracks} at byte {base + walk.position} "
                                f"(tick {walk.tick}): {refusal}") from None
        kept.append(data[position:end])
        tracks += 1
        position = end
    if tracks < declared:
        raise InputError(f"{name}: the header declares {declared} tracks but the file holds only "
                         f"{tracks} (it ends at byte {base + len(data)})")
    if position + 8 <= len(data) and data[position:position + 4] == b"MTrk":
        raise InputError(f"{name}: track {tracks} at byte {base + position}: the file holds more "
                         f"'MTrk' chunks than the {declared} its header declares")
    if alien:
        notes.append(f"skipped {len(alien)} chunk(s) of unknown type ({', '.join(alien[:3])}); "
                     "they are not written back")
    body = data if not alien else b"".join(kept)
    return MidiLayout(midi_format, declared, division, body, tuple(notes))


class _Walk:
    """The event walk over one track chunk at a time; ``position`` and ``tick`` say where."""

    def __init__(self, data: bytes, base: int, ticks_per_beat: int) -> None:
        self.data = data
        self.base = base
        self.position = 0
        self.tick = 0
        self.events = 0
        self.max_tick = int(limits.MAX_BEATS * ticks_per_beat)

    def _number(self, end: int, what: str) -> int:
        """A variable-length quantity: at most four bytes, inside the chunk."""
        start = self.position
        value = 0
        for count in range(4):
            if self.position >= end:
                self.position = start
                raise _Refusal(f"{what} runs past the end of the track chunk")
            byte = self.data[self.position]
            self.position += 1
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                return value
            if count == 3:
                self.position = start
                raise _Refusal(f"{what} is longer than 4 bytes (at most 0x0FFFFFFF)")
        raise AssertionError("unreachable")

    def _take(self, count: int, end: int, what: str) -> bytes:
        if count > end - self.position:
            raise _Refusal(f"{what} needs {count} bytes but only {end - self.position} remain in the "
                           "track chunk")
        chunk = self.data[self.position:self.position + count]
        self.position += count
        return chunk

    def track(self, start: int, end: int) -> bool:
        """Walk one track chunk; returns whether it holds an end_of_track event."""
        data = self.data
        self.position, self.tick = start, 0
        last_status: int | None = None
        ended = False
        while self.position < end:
            event = self.position
            delta = self._number(end, "delta time")
            self.tick += delta
            if self.tick > self.max_tick:
                self.position = event
                raise _Refusal(f"delta time {delta} takes the track past {limits.MAX_BEATS:.0f} "
                               "beats, the limit")
            self.events += 1
            if self.events > limits.MAX_MIDI_EVENTS:
                self.position = event
                raise _Refusal(f"more than {limits.MAX_MIDI_EVENTS} events in the file, the limit")
            if self.position >= end:
                raise _Refusal("the track chunk ends after a delta time, with no event")
            status = data[self.position]
            running = status < 0x80
            if running:
                if last_status is None:
                    raise _Refusal(f"running status (data byte 0x{status:02X}) with no status byte "
                                   "before it")
                status = last_status
            else:
                self.position += 1
            if status == 0xFF:
                ended = self._meta(end) or ended
            elif status in (0xF0, 0xF7):
                self._sysex(end, status)
                last_status = None  # a sysex cancels running status
            elif status >= 0xF0:
                if status not in _SYSTEM_COMMON:
                    self.position -= 1
                    kind = "real-time" if status >= 0xF8 else "undefined"
                    raise _Refusal(f"status byte 0x{status:02X} ({kind}) is not allowed in a MIDI file")
                last_status = None  # system common messages cancel running status
                message, size = _SYSTEM_COMMON[status]
                self._data_bytes(size, end, message)
            else:
                last_status = status
                # With running status the first data byte stands where the status would.
                self._data_bytes(_CHANNEL_DATA[status & 0xF0], end, _CHANNEL_NAMES[status & 0xF0])
        return ended

    def _data_bytes(self, count: int, end: int, message: str) -> None:
        chunk = self._take(count, end, message)
        for offset, byte in enumerate(chunk):
            if byte > 127:
                self.position -= len(chunk) - offset
                raise _Refusal(f"{message} data byte 0x{byte:02X} is not in 0..127 (a status byte "
                               "where data was expected)")

    def _sysex(self, end: int, status: int) -> None:
        length = self._number(end, "sysex length")
        body = self._take(length, end, "sysex event")
        inner = body[1:] if body[:1] == b"\xf0" else body
        inner = inner[:-1] if inner[-1:] == b"\xf7" else inner
        for byte in inner:
            if byte > 127:
                self.position -= length
                raise _Refusal(f"sysex (0x{status:02X}) data byte 0x{byte:02X} is not in 0..127")

    def _meta(self, end: int) -> bool:
        """One meta event; returns whether it is end_of_track."""
        start = self.position - 1  # its 0xFF status byte
        kind = self._take(1, end, "meta event type")[0]
        length = self._number(end, "meta event length")
        body = self._take(length, end, f"meta event 0x{kind:02X}")
        if kind in _META_LENGTHS:
            name, exact = _META_LENGTHS[kind]
            if kind == 0x00 and length == 0:
                return False  # an empty sequence number occurs in the wild; mido reads it as 0
            if length != exact:
                self.position = start
                raise _Refusal(f"{name} meta event has {length} data bytes; it needs {exact}")
            self._check_meta(kind, body, start)
        return kind == 0x2F

    def _check_meta(self, kind: int, body: bytes, start: int) -> None:
        if kind == 0x51 and int.from_bytes(body, "big") == 0:
            self.position = start
            raise _Refusal("set_tempo of 0 microseconds per quarter note (a tempo must be positive)")
        if kind == 0x58:
            numerator, power = body[0], body[1]
            if numerator == 0 or power > _MAX_DENOMINATOR_POWER:
                self.position = start
                raise _Refusal(f"time_signature {numerator}/2^{power} is not a time signature "
                               f"(numerator 1..255, denominator 1..{2 ** _MAX_DENOMINATOR_POWER})")
        if kind == 0x59:
            sharps = body[0] - 256 if body[0] > 127 else body[0]
            if not -7 <= sharps <= 7 or body[1] > 1:
                self.position = start
                raise _Refusal(f"key_signature with {sharps} sharps and mode {body[1]} is invalid "
                               "(sharps -7..7, mode 0 major or 1 minor)")
        if kind == 0x54:
            rate = body[0] >> 5
            if rate > 3 or body[1] > 59 or body[2] > 59 or body[4] > 99:
                self.position = start
                raise _Refusal(f"smpte_offset {body.hex(' ')} is invalid (rate code 0..3, minutes and "
                               "seconds 0..59, sub-frames 0..99)")
