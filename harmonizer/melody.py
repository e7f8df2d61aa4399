"""Notes, metre and melody: the format-free objects every reader produces.

All times are in quarter-note beats from the start of the file, so a MIDI file,
a MusicXML score and a music21 stream all end up in the same units.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .errors import InputError

__all__ = ["Note", "TimeSignature", "Bar", "Meter", "Melody", "skyline"]

_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Note:
    """One sounding note: MIDI pitch, onset and duration in quarter-note beats."""

    pitch: int
    onset: float
    duration: float
    velocity: int = 80

    @property
    def end(self) -> float:
        return self.onset + self.duration


@dataclass(frozen=True, slots=True)
class TimeSignature:
    """A time signature that takes effect at ``onset`` (quarter-note beats)."""

    onset: float
    numerator: int
    denominator: int

    @property
    def bar_length(self) -> float:
        """Length of one full bar in quarter-note beats."""
        return self.numerator * 4.0 / self.denominator

    @property
    def is_compound(self) -> bool:
        """A compound metre (6/8, 9/8, 12/8, 6/16): its beats are dotted, three notes each."""
        return self.denominator >= 8 and self.numerator % 3 == 0 and self.numerator > 3

    @property
    def beat_length(self) -> float:
        """Length of the felt beat: dotted quarter in compound metres (6/8, 9/8, 12/8)."""
        return (3 if self.is_compound else 1) * 4.0 / self.denominator

    @property
    def beats_per_bar(self) -> int:
        return max(1, round(self.bar_length / self.beat_length))


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: number (0 for a pickup), onset, length and the time signature in force."""

    number: int
    onset: float
    length: float
    time_signature: TimeSignature

    @property
    def end(self) -> float:
        return self.onset + self.length

    @property
    def is_pickup(self) -> bool:
        return self.number == 0


@dataclass(frozen=True)
class Meter:
    """The time-signature map of a piece, with its pickup if there is one.

    ``pickup`` is the length in beats of an incomplete first bar (0 when the
    piece starts on a downbeat).  Bars after the pickup are full bars of the
    time signature in force, counted from 1.
    """

    time_signatures: tuple[TimeSignature, ...] = (TimeSignature(0.0, 4, 4),)
    pickup: float = 0.0

    def __post_init__(self) -> None:
        if any(b.onset < a.onset for a, b in zip(self.time_signatures, self.time_signatures[1:])):
            # Lookups walk the map in time order; a stable sort keeps the later of two equal onsets last.
            ordered = tuple(sorted(self.time_signatures, key=lambda ts: ts.onset))
            object.__setattr__(self, "time_signatures", ordered)
        if not self.time_signatures or self.time_signatures[0].onset > _EPS:
            first = self.time_signatures[0] if self.time_signatures else TimeSignature(0.0, 4, 4)
            sigs = (TimeSignature(0.0, first.numerator, first.denominator),) + tuple(
                self.time_signatures
            )
            object.__setattr__(self, "time_signatures", sigs)

    def time_signature_at(self, beat: float) -> TimeSignature:
        onsets = [ts.onset for ts in self.time_signatures]
        index = bisect.bisect_right(onsets, beat + _EPS) - 1
        return self.time_signatures[max(index, 0)]

    def bars(self, end: float) -> list[Bar]:
        """Every bar from the start of the piece until ``end`` (the last may be partial)."""
        bars: list[Bar] = []
        position = 0.0
        number = 1
        if self.pickup > _EPS:
            bars.append(Bar(0, 0.0, self.pickup, self.time_signatures[0]))
            position = self.pickup
        signatures = self.time_signatures
        index, last = 0, len(signatures) - 1  # the signature in force, walked forward once
        while position < end - _EPS:
            while index < last and signatures[index + 1].onset <= position + _EPS:
                index += 1
            ts = signatures[index]
            length = ts.bar_length
            # A time-signature change in the middle of a bar starts a new bar there.
            if index < last and signatures[index + 1].onset < position + length - _EPS:
                length = signatures[index + 1].onset - position
            bars.append(Bar(number, position, length, ts))
            position += length
            number += 1
        return bars


@dataclass(frozen=True)
class Melody:
    """A monophonic melody with its metre.

    ``source`` says where it came from (e.g. ``"track 2 'Flute'"``) for messages.
    """

    notes: tuple[Note, ...]
    meter: Meter = field(default_factory=Meter)
    source: str = ""

    def __post_init__(self) -> None:
        if any(b.onset < a.onset for a, b in zip(self.notes, self.notes[1:])):
            raise InputError("Melody notes must be sorted by onset.")

    @property
    def end(self) -> float:
        return max((n.end for n in self.notes), default=0.0)

    def __len__(self) -> int:
        return len(self.notes)


def skyline(notes: Iterable[Note]) -> list[Note]:
    """Reduce possibly overlapping notes to one line: the top note at each onset.

    A note is cut short where the next onset begins, so chords in a melody
    track become their top note and overlaps never stack.
    """
    by_onset: dict[float, Note] = {}
    for note in notes:
        if note.duration <= _EPS:
            continue
        key = round(note.onset, 6)
        best = by_onset.get(key)
        if best is None or note.pitch > best.pitch:
            by_onset[key] = note
    ordered: Sequence[Note] = [by_onset[k] for k in sorted(by_onset)]
    line: list[Note] = []
    for index, note in enumerate(ordered):
        end = note.end
        if index + 1 < len(ordered):
            end = min(end, ordered[index + 1].onset)
        line.append(Note(note.pitch, note.onset, end - note.onset, note.velocity))
    return line
