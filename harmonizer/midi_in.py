"""Read a Standard MIDI File: notes in beats, the metre, and a ranked choice of melody track.

The file is read with mido and kept as it is: the writer appends to the very
same :class:`mido.MidiFile`, so every original message, tempo and time
signature survives untouched.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

import mido

from . import limits
from .errors import InputError, InputWarning, NoMelodyError, OptionError, printable
from .melody import Melody, Meter, Note, TimeSignature, skyline
from .midi_check import check_midi, unwrap_riff
from .theory import Key

__all__ = ["MelodyCandidate", "MidiSong", "display_name", "read_midi", "rank_melody_candidates"]

DRUM_CHANNEL = 9  # MIDI channel 10, counted from 0

# Names that hint at a melody, or at anything but; a hint only, never decisive.
_MELODY_NAMES = re.compile(
    r"melod|vocal|voice|voce|lead|solo|tune|soprano|sing|canto|theme|melodie|hauptstimme",
    re.IGNORECASE,
)
_OTHER_NAMES = re.compile(
    r"bass|drum|perc|kit|pad|chord|accomp|comp\b|rhythm|harmony|\blh\b|left|strum|backing",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class MelodyCandidate:
    """One (track, channel) that could hold the melody, with the evidence that ranked it."""

    track: int
    channel: int
    name: str
    note_count: int
    monophony: float  # share of notes that start while no other note of the part sounds
    mean_pitch: float
    notes_per_beat: float
    name_hint: int  # +1 melody-like name, -1 accompaniment-like name, 0 neither
    score: float

    def describe(self) -> str:
        name = f" '{self.name}'" if self.name else ""
        return f"track {self.track}{name} (channel {self.channel + 1})"


@dataclass(frozen=True)
class MidiSong:
    """A MIDI file as read: the untouched mido file plus what the analysis needs."""

    path: str
    midi: mido.MidiFile
    meter: Meter
    key_signature: Key | None
    candidates: tuple[MelodyCandidate, ...]
    notes_by_part: dict[tuple[int, int], tuple[Note, ...]]
    used_channels: frozenset[int]
    warnings: tuple[str, ...] = ()  # what was read past, one line each (see InputWarning)

    @property
    def ticks_per_beat(self) -> int:
        return int(self.midi.ticks_per_beat)

    @property
    def end(self) -> float:
        return max((n.end for notes in self.notes_by_part.values() for n in notes), default=0.0)

    def melody(self, track: int | None = None) -> tuple[Melody, MelodyCandidate]:
        """The melody of the best-ranked part, or of ``track`` when given."""
        if not self.candidates:
            raise NoMelodyError(f"{self.path}: no track holds pitched notes (drums only or empty)")
        if track is None:
            chosen = self.candidates[0]
        else:
            in_track = [c for c in self.candidates if c.track == track]
            if not in_track:
                usable = ", ".join(str(c.track) for c in self.candidates)
                raise OptionError(
                    f"{self.path}: --melody-track {track} holds no pitched notes; "
                    f"tracks with notes: {usable}"
                )
            chosen = in_track[0]
        notes = skyline(self.notes_by_part[(chosen.track, chosen.channel)])
        if not notes:
            raise NoMelodyError(f"{self.path}: {chosen.describe()} has no notes")
        return Melody(tuple(notes), self.meter, source=chosen.describe()), chosen


def _open(source: str | os.PathLike[str] | bytes | IO[bytes]) -> tuple[str, bytes]:
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>", bytes(source)
    if hasattr(source, "read"):
        data = source.read(limits.MAX_FILE_BYTES + 1)  # type: ignore[union-attr]
        name = str(getattr(source, "name", "<stream>"))
    else:
        name = os.fspath(source)
        try:
            size = os.path.getsize(name)
        except OSError as error:
            raise InputError(f"{name}: cannot read the file ({error.strerror or error})") from error
        if size > limits.MAX_FILE_BYTES:
            raise InputError(f"{name}: file is {size} bytes; the limit is {limits.MAX_FILE_BYTES}")
        try:
            # Read-only, and never more than the limit: a device or a pipe has no size.
            with open(name, "rb") as stream:
                data = stream.read(limits.MAX_FILE_BYTES + 1)
        except OSError as error:
            raise InputError(f"{name}: cannot read the file ({error.strerror or error})") from error
    if len(data) > limits.MAX_FILE_BYTES:
        raise InputError(f"{name}: file is larger than {limits.MAX_FILE_BYTES} bytes")
    return name, data


def read_midi(source: str | os.PathLike[str] | bytes | IO[bytes]) -> MidiSong:
    """Read a MIDI file from a path, bytes or a binary file object.

    Raises :class:`InputError` (or a subclass) with one line naming the file
    and the problem, and where it is (track and byte, tick), when the data is
    not a usable Standard MIDI File.  What is read past (notes never switched
    off, overlapping notes of one pitch, unknown chunks) is announced with one
    :class:`~harmonizer.errors.InputWarning` and kept in ``MidiSong.warnings``.
    """
    name, data = _open(source)
    data, base = unwrap_riff(name, data)
    layout = check_midi(name, data, base)
    try:
        midi = mido.MidiFile(file=io.BytesIO(layout.data), clip=False)
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError,
            mido.KeySignatureError) as error:  # check_midi should have caught it; say so anyway
        raise InputError(f"{name}: corrupt MIDI data ({type(error).__name__}: {error})") from error
    midi.filename = name
    song = _analyse(name, midi, layout.notes)
    if song.warnings:
        warnings.warn(InputWarning(f"{name}: " + "; ".join(song.warnings)), stacklevel=2)
    return song


def _analyse(name: str, midi: mido.MidiFile, read_past: Sequence[str] = ()) -> MidiSong:
    tpb = midi.ticks_per_beat
    time_signatures: dict[int, tuple[int, int]] = {}
    key_signature: Key | None = None
    notes_by_part: dict[tuple[int, int], list[Note]] = defaultdict(list)
    used_channels: set[int] = set()
    track_names: dict[int, str] = {}
    total_notes = 0
    # Notes never switched off, and note_ons of a pitch already sounding: how many, and the
    # first (track, tick) of each.
    unterminated, overlapping = _Count(), _Count()
    for index, track in enumerate(midi.tracks):
        tick = 0
        sounding: dict[tuple[int, int], deque[tuple[int, int]]] = defaultdict(deque)
        for message in track:
            tick += message.time
            if message.is_meta:
                if message.type == "time_signature" and message.denominator > 0:
                    time_signatures.setdefault(tick, (message.numerator, message.denominator))
                elif message.type == "key_signature" and key_signature is None:
                    key_signature = _key_from_signature(message.key)
                elif message.type == "track_name" and index not in track_names:
                    track_names[index] = display_name(message.name, midi.charset)
                continue
            if not hasattr(message, "channel"):
                continue
            used_channels.add(message.channel)
            if message.type == "note_on" and message.velocity > 0:
                queue = sounding[(message.channel, message.note)]
                if queue:
                    overlapping.add(index, tick)
                queue.append((tick, message.velocity))
            elif message.type in ("note_off", "note_on"):
                pending = sounding.get((message.channel, message.note))
                if pending:
                    # First in, first out: overlapping repeats of a pitch pair deterministically.
                    start, velocity = pending.popleft()
                    _add_note(notes_by_part, index, message.channel, message.note, start, tick,
                              velocity, tpb)
                    total_notes += 1
        for (channel, pitch), queue in sorted(sounding.items()):  # never switched off: end at track end
            for start, velocity in queue:
                unterminated.add(index, start)
                _add_note(notes_by_part, index, channel, pitch, start, max(tick, start + 1),
                          velocity, tpb)
                total_notes += 1
        if total_notes > limits.MAX_MELODY_NOTES * 10:
            raise InputError(f"{name}: track {index}: more than {limits.MAX_MELODY_NOTES * 10} notes "
                             "in the file, the limit")
    found = list(read_past)
    if unterminated.count:
        found.append(f"{unterminated.count} note(s) never switched off, ended at the end of their track "
                     f"(first: {unterminated.first_where()})")
    if overlapping.count:
        found.append(f"{overlapping.count} overlapping note(s) of a pitch already sounding, paired first "
                     f"in, first out (first: {overlapping.first_where()})")
    parts = {part: tuple(sorted(notes, key=lambda n: (n.onset, -n.pitch)))
             for part, notes in notes_by_part.items()}
    end = max((n.end for notes in parts.values() for n in notes), default=0.0)
    if end > limits.MAX_BEATS:
        raise InputError(f"{name}: the music lasts {end:.0f} beats; the limit is {limits.MAX_BEATS:.0f}")
    meter = _meter_from(time_signatures, tpb)
    check_bar_count(name, meter, end)
    candidates = rank_melody_candidates(parts, track_names)
    return MidiSong(name, midi, meter, key_signature, tuple(candidates), parts,
                    frozenset(used_channels), tuple(found))


class _Count:
    """How many times something was read past, and the first place (track, then tick)."""

    def __init__(self) -> None:
        self.count = 0
        self.first: tuple[int, int] | None = None

    def add(self, track: int, tick: int) -> None:
        self.count += 1
        if self.first is None or (track, tick) < self.first:
            self.first = (track, tick)

    def first_where(self) -> str:
        track, tick = self.first or (0, 0)
        return f"track {track} at tick {tick}"


def check_bar_count(name: str, meter: Meter, end: float) -> None:
    """Refuse a metre that makes more than :data:`limits.MAX_BARS` bars up to ``end`` (or more
    than :data:`limits.MAX_TIME_SIGNATURES` changes), before any bar is built."""
    signatures = meter.time_signatures
    if len(signatures) > limits.MAX_TIME_SIGNATURES:
        raise InputError(f"{name}: {len(signatures)} time-signature changes; the limit is "
                         f"{limits.MAX_TIME_SIGNATURES}")
    bars = 0.0
    for index, signature in enumerate(signatures):
        stop = signatures[index + 1].onset if index + 1 < len(signatures) else end
        if stop > signature.onset:
            bars += (stop - signature.onset) / signature.bar_length + 1
    if bars > limits.MAX_BARS:
        first = min(signatures, key=lambda ts: ts.bar_length)
        raise InputError(f"{name}: the piece has about {bars:.0f} bars (time signature "
                         f"{first.numerator}/{first.denominator} at beat {first.onset:g}); the limit "
                         f"is {limits.MAX_BARS}")


def _add_note(notes_by_part: dict[tuple[int, int], list[Note]], track: int, channel: int,
              pitch: int, start: int, stop: int, velocity: int, tpb: int) -> None:
    if stop <= start:
        return
    notes_by_part[(track, channel)].append(Note(pitch, start / tpb, (stop - start) / tpb, velocity))


def _key_from_signature(text: str) -> Key | None:
    try:
        tonic = text.rstrip("m")
        from .theory import parse_key

        return parse_key(tonic + (" minor" if text.endswith("m") else " major"))
    except OptionError:
        return None


def _meter_from(time_signatures: dict[int, tuple[int, int]], tpb: int) -> Meter:
    if not time_signatures:
        return Meter()
    ordered = sorted(time_signatures.items())
    sigs = [TimeSignature(tick / tpb, num, den) for tick, (num, den) in ordered]
    # Drop repeats of the same signature: they do not start new bars in notation.
    merged: list[TimeSignature] = []
    for ts in sigs:
        if merged and (merged[-1].numerator, merged[-1].denominator) == (ts.numerator, ts.denominator):
            continue
        merged.append(ts)
    pickup = 0.0
    # Notation programs export a pickup as a short first bar in its own time signature.
    if len(merged) >= 2 and merged[0].onset == 0.0:
        first, second = merged[0], merged[1]
        if 0 < second.onset < second.bar_length and second.onset <= first.bar_length + 1e-6:
            pickup = second.onset
            merged = merged[1:]
            merged[0] = TimeSignature(0.0, second.numerator, second.denominator)
    return Meter(tuple(merged), pickup)


def rank_melody_candidates(parts: Mapping[tuple[int, int], Sequence[Note]],
                           track_names: dict[int, str] | None = None) -> list[MelodyCandidate]:
    """Rank every non-drum (track, channel) part by how much it looks like a melody.

    Evidence: monophony (most weight), register, note density, and the track
    name as a hint only.  Returns the candidates best first.
    """
    track_names = track_names or {}
    candidates: list[MelodyCandidate] = []
    pitched = {part: notes for part, notes in parts.items() if part[1] != DRUM_CHANNEL and notes}
    if not pitched:
        return []
    means = {part: sum(n.pitch for n in notes) / len(notes) for part, notes in pitched.items()}
    highest = max(means.values())
    for (track, channel), notes in pitched.items():
        count = len(notes)
        overlapped = 0
        latest_end = -1.0
        for note in notes:
            if note.onset < latest_end - 1e-6:
                overlapped += 1
            latest_end = max(latest_end, note.end)
        monophony = 1.0 - overlapped / count
        span = max(n.end for n in notes) - min(n.onset for n in notes)
        density = count / span if span > 0 else 0.0
        mean_pitch = means[(track, channel)]
        name = track_names.get(track, "")
        hint = 1 if _MELODY_NAMES.search(name) else (-1 if _OTHER_NAMES.search(name) else 0)
        score = (
            3.0 * monophony
            - 1.5 * min(1.0, (highest - mean_pitch) / 24.0)  # the melody is usually on top
            - (1.0 if mean_pitch < 52 else 0.0)  # bass register
            - (1.0 if count < 8 else 0.0)
            - (0.5 if density > 6.0 or density < 0.1 else 0.0)
            + 0.75 * hint
        )
        candidates.append(MelodyCandidate(track, channel, name, count, round(monophony, 3),
                                          round(mean_pitch, 1), round(density, 2), hint,
                                          round(score, 3)))
    candidates.sort(key=lambda c: (-c.score, c.track, c.channel))
    return candidates


def display_name(name: str, charset: str = "latin1") -> str:
    """A track or part name as it may be printed: UTF-8 names that mido read byte by byte as
    ``charset`` (its default, latin-1) decoded again, and control characters, which a file can
    hold and a terminal would obey (clear the screen, retitle the window, split a line), shown
    as escapes.  The file itself keeps its bytes."""
    if charset.replace("-", "").lower() in ("latin1", "iso88591"):
        try:
            name = name.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return printable(name.strip())[:200]
