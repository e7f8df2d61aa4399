"""Harmonic slots: where chords may change, and what the melody does in each.

A slot is a stretch of the piece that gets one chord.  Slots follow the
metre: one per bar, per half bar or per beat (``harmonic_rhythm``), and never
cross a bar line.  The default, ``"auto"``, is one chord per bar, or per half
bar in metres of an even number of beats, four or more (4/4, 6/4, 12/8), or of
two long beats (2/2, 6/8, 6/16) when the melody moves fast: when the median bar holds four
or more note onsets.  A style that changes chord on every beat (``per_beat``: the classical
style, learned from Bach chorales, which do) takes one chord per beat instead whenever the melody
moves at least every other beat (the median bar holds at least half as many onsets as beats: a
chorale's half notes still get a chord per beat, a tune of whole notes does not).

Each slot carries its melody as a 12-bin profile of pitch classes above the
tonic, each note weighted by how long it sounds in the slot, by where it
starts (downbeat notes count more than off-beat ones) and by its target-mask
priority; a second profile keeps only the weight of notes that would be
*exposed* if they were not chord tones (passing and neighbour tones count a
quarter).  Phrase ends are found from long notes and rests.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from . import limits
from .errors import InputError, OptionError
from .melody import Bar, Melody, Note, TimeSignature
from .theory import Key, degree_of

__all__ = ["HarmonicRhythm", "Slot", "SlotGrid", "choose_harmonic_rhythm", "halves_bars", "make_slots",
           "median_onsets_per_bar", "whole_bar_slots"]

HarmonicRhythm = Literal["auto", "bar", "half", "beat"]
RHYTHMS: tuple[str, ...] = ("auto", "bar", "half", "beat")

_EPS = 1e-6
#: Weight of a note by where it starts: on a downbeat, on another beat, off the beat.
DOWNBEAT_WEIGHT, BEAT_WEIGHT, OFFBEAT_WEIGHT = 1.0, 0.8, 0.55
#: Share of a passing or neighbour tone's weight that counts as exposed dissonance.
PASSING_TONE_EXPOSURE = 0.25


@dataclass(frozen=True, slots=True)
class Slot:
    """One place for one chord, with the melody it holds (see the module docstring)."""

    index: int
    onset: float
    duration: float
    bar: int
    position: float  # beats from the start of the bar
    is_downbeat: bool
    phrase_end: bool
    profile: tuple[float, ...]  # 12 weights, index = semitones above the tonic; sums to 1 or all 0
    exposed: tuple[float, ...]  # weights counted as exposed if not chord tones (same scale)
    onset_pitch_class: int | None  # the melody note sounding at the slot's start, above the tonic
    degrees: tuple[str, ...]  # the degrees of the notes that start in the slot, for display
    lowest_pitch: int | None  # lowest melody pitch sounding in the slot (voicings stay below)
    cadence: bool = False  # sounds a cadence note, which the variety bonus spares (_cadence_notes)

    @property
    def end(self) -> float:
        return self.onset + self.duration

    @property
    def is_rest(self) -> bool:
        return not any(self.profile)


@dataclass(frozen=True)
class SlotGrid:
    """All slots of a piece, also as arrays for the scorer."""

    slots: tuple[Slot, ...]
    harmonic_rhythm: str
    profiles: np.ndarray  # (slots, 12)
    exposed: np.ndarray  # (slots, 12)

    def __len__(self) -> int:
        return len(self.slots)

    @property
    def phrase_ends(self) -> np.ndarray:
        """Whether each slot ends a phrase, (slots,) booleans."""
        return np.array([slot.phrase_end for slot in self.slots], dtype=bool)

    @property
    def cadences(self) -> np.ndarray:
        """Whether each slot sounds a cadence note, which the variety bonus spares: the notes
        that end a phrase, thinned where long notes are the melody's everyday rhythm, in every
        slot they are held through, (slots,) booleans."""
        return np.array([slot.cadence for slot in self.slots], dtype=bool)


def choose_harmonic_rhythm(melody: Melody, per_beat: bool = False) -> str:
    """The ``auto`` rule: half bars when the median bar has more than 3 onsets in a metre of an even
    number of beats, four or more, or of two long beats (2/2, 6/8, 6/16), else bars; with
    ``per_beat`` (a style whose chords change on the beat), beats when the median bar has at
    least half as many onsets as beats, as a chorale's does, half notes and all (a slower tune,
    whole notes or longer, keeps the usual rule: a chord per beat under it would be restless)."""
    bars = melody.meter.bars(melody.end)
    first = next((b for b in bars if not b.is_pickup), None)
    if first is None:
        return "bar"
    median = median_onsets_per_bar(melody, bars)
    ts = first.time_signature
    if per_beat and median > 0 and 2 * median >= ts.beats_per_bar:
        return "beat"
    # More than three onsets in the median bar: four, or a tune that alternates bars of four and
    # of three (Twinkle Twinkle's "C C G G | A A G-", median 3.5).  Human chords change at the half
    # bar at least as often in tunes with a median of 3.5 as in those with 3, and about as often as
    # in those with 4 (a bar: Nottingham 0.25 against 0.14 and 0.25, POP909 0.41 against 0.23 and
    # 0.24, OpenEWLD 0.30 against 0.25 and 0.38): scripts/chords_per_rhythm.py, its last table.
    if halves_bars(ts) and median > 3:
        return "half"
    return "bar"


def halves_bars(ts: TimeSignature) -> bool:
    """Whether the ``auto`` rule may cut bars of ``ts`` in half: an even number of beats, four or
    more (4/4, 6/4, 12/8), or two long beats: 2/2's half notes or a compound duple's dotted ones
    (6/8, 6/16)."""
    # A jig's chords change on either beat: cut a bar at a time, 27 % of the chords of
    # Nottingham's 6/8 tunes never label a slot (scripts/chords_per_rhythm.py).  Not 2/4, whose
    # beats are quarters: 79 % of its chords label a bar, and its tunes are too few (39 in
    # Nottingham) to show whether a chord per quarter would do better.
    return (ts.beats_per_bar % 2 == 0 and ts.beats_per_bar >= 4) or (
        ts.beats_per_bar == 2 and (ts.bar_length >= 4 or ts.is_compound))


def median_onsets_per_bar(melody: Melody, bars: Sequence[Bar] | None = None) -> float:
    """The median number of note onsets in the melody's full bars that have any (pickups and
    silent bars left out); 0 when there are none.  ``bars``: the melody's, if the caller has them."""
    notes = melody.notes
    counts = []
    position = 0
    for bar in melody.meter.bars(melody.end) if bars is None else bars:
        count = 0
        while position < len(notes) and notes[position].onset < bar.end - _EPS:
            if notes[position].onset >= bar.onset - _EPS:
                count += 1
            position += 1
        if count and not bar.is_pickup:
            counts.append(count)
    return _median(counts) if counts else 0.0


def _median(values: Sequence[float]) -> float:
    """The median, as ``statistics.median`` gives it, without its type dispatch (it dominated
    the cost of short melodies)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _slot_bounds(bars: Sequence[Bar], rhythm: str) -> list[tuple[float, float, Bar]]:
    bounds: list[tuple[float, float, Bar]] = []
    for bar in bars:
        ts = bar.time_signature
        if rhythm == "bar" or bar.is_pickup:
            cuts = [bar.onset, bar.end]
        else:
            beat = ts.beat_length
            if rhythm == "half" and ts.beats_per_bar % 2 == 0:
                beat = ts.bar_length / 2
            elif rhythm == "half":
                beat = ts.bar_length
            cuts = [bar.onset]
            position = bar.onset + beat
            while position < bar.end - _EPS:
                cuts.append(position)
                position += beat
            cuts.append(bar.end)
        for start, stop in zip(cuts, cuts[1:]):
            if stop - start > _EPS:
                bounds.append((start, stop, bar))
    return bounds


def _note_weight(note: Note, bar: Bar) -> float:
    position = note.onset - bar.onset
    if abs(position) < _EPS:
        return DOWNBEAT_WEIGHT
    beat = bar.time_signature.beat_length
    if bar.is_pickup:
        position = bar.time_signature.bar_length - bar.length + position
    ratio = position / beat
    return BEAT_WEIGHT if abs(ratio - round(ratio)) < 1e-3 else OFFBEAT_WEIGHT


def _phrase_ends(notes: Sequence[Note], beat: float) -> list[bool]:
    """Notes that end a phrase: the last one, one followed by a rest of a beat or more, or a
    note that lasts at least twice the median gap between onsets and at least 1.5 beats."""
    gaps = [b.onset - a.onset for a, b in zip(notes, notes[1:])]
    typical = _median(gaps) if gaps else beat
    return [rest or (gap >= 2 * typical - _EPS and gap >= 1.5 * beat - _EPS)
            for rest, gap in zip(_rest_follows(notes, beat), [*gaps, 0.0])]


def _rest_follows(notes: Sequence[Note], beat: float) -> list[bool]:
    """Whether each note is the last one or followed by a rest of a beat or more."""
    return [index == len(notes) - 1 or notes[index + 1].onset - note.end >= beat - _EPS
            for index, note in enumerate(notes)]


def _cadence_notes(notes: Sequence[Note], ends: Sequence[bool], beat: float, bar: float) -> list[bool]:
    """The phrase ends (``ends``, :func:`_phrase_ends`) that close a phrase as a cadence: the
    last note and those before a rest, and the long notes, at most one per two bars on average:
    where long notes are the melody's everyday rhythm (a 3/4 hymn's half note in every bar) only
    the longest count, the threshold rising from gap to longer gap until they are that sparse.
    Where the long notes left all tie (the same gap, none longer: a chorale whose fermata half
    notes are no longer than its other half notes) they are spaced instead of dropped: counting
    back from the end, one is kept where it is two bars or more before the next cadence, as
    phrases end every two or four bars counted back from the last one.

    The scorer keeps every phrase end as a feature (its rhythm helps it on every corpus), but
    the variety bonus spares the cadences: flagging every bar would leave it nothing to act on,
    and ``--variety`` would silently change nothing."""
    if not notes:
        return []
    gaps = [b.onset - a.onset for a, b in zip(notes, notes[1:])] + [0.0]
    rests = _rest_follows(notes, beat)
    long = [end and not rest for end, rest in zip(ends, rests)]
    room = max((notes[-1].end - notes[0].onset) / (2 * bar), 1.0)
    while sum(long) > room:
        shortest = min(gap for gap, is_long in zip(gaps, long) if is_long)
        longer = [is_long and gap > shortest + _EPS for gap, is_long in zip(gaps, long)]
        if not any(longer):  # they all tie: keep them two bars apart, counted from the end
            long = _spaced(notes, long, rests, 2 * bar)
            break
        long = longer
    return [rest or is_long for rest, is_long in zip(rests, long)]


def _spaced(notes: Sequence[Note], long: Sequence[bool], rests: Sequence[bool], apart: float) -> list[bool]:
    """Of the ``long`` notes, those ``apart`` beats or more before the next cadence (a kept long
    note, or a note before a rest, the last one included), walking back from the end."""
    kept = [False] * len(notes)
    next_cadence = notes[-1].onset
    for index in range(len(notes) - 1, -1, -1):
        if rests[index]:
            next_cadence = notes[index].onset
        elif long[index] and notes[index].onset <= next_cadence - apart + _EPS:
            kept[index] = True
            next_cadence = notes[index].onset
    return kept


def _exposures(notes: Sequence[Note], weights: Sequence[float]) -> list[float]:
    """How exposed each note would be as a non-chord tone: a quarter for a short, weak-beat note
    approached and left by step (passing or neighbour tone), in full otherwise."""
    exposure = []
    for index, note in enumerate(notes):
        if 0 < index < len(notes) - 1:
            before, after = notes[index - 1], notes[index + 1]
            stepwise = 0 < abs(note.pitch - before.pitch) <= 2 and 0 < abs(after.pitch - note.pitch) <= 2
            weak = weights[index] < DOWNBEAT_WEIGHT
            short = note.duration <= max(before.duration, after.duration) + _EPS
            if stepwise and weak and short:
                exposure.append(PASSING_TONE_EXPOSURE)
                continue
        exposure.append(1.0)
    return exposure


@lru_cache(maxsize=48)
def _degree_names(key: Key) -> tuple[str, ...]:
    """The degree name ("b3", "#4") of each pitch class above the tonic."""
    return tuple(str(degree_of(key.tonic + pc, key)) for pc in range(12))


def make_slots(
    melody: Melody,
    key: Key,
    harmonic_rhythm: str = "auto",
    priorities: Sequence[float] | np.ndarray | None = None,
    per_beat: bool = False,
) -> SlotGrid:
    """Cut ``melody`` into harmonic slots in ``key``.

    ``priorities`` holds a weight per pitch class above the tonic (the target
    mask's 1.0 / 0.5); ``None`` weighs every note fully.  ``per_beat`` is the
    style's pace for ``"auto"`` (see :func:`choose_harmonic_rhythm`).  Raises
    :class:`OptionError` for an unknown rhythm and :class:`InputError` for a
    melody with no notes or too many slots.
    """
    if harmonic_rhythm not in RHYTHMS:
        raise OptionError(
            f"The 'harmonic_rhythm' must be one of {list(RHYTHMS)}. Got {harmonic_rhythm!r}."
        )
    notes = melody.notes
    if not notes:
        raise InputError(f"{melody.source or 'melody'}: no notes to harmonize")
    rhythm = choose_harmonic_rhythm(melody, per_beat) if harmonic_rhythm == "auto" else harmonic_rhythm
    weights_by_pc = np.ones(12) if priorities is None else np.asarray(priorities, dtype=float)
    end = melody.end
    bars = melody.meter.bars(end)
    # Start at the bar of the first note: leading empty bars get no chord.
    first_onset = notes[0].onset
    bars = [b for b in bars if b.end > first_onset + _EPS]
    bounds = _slot_bounds(bars, rhythm)
    if len(bounds) > limits.MAX_SLOTS:
        raise InputError(
            f"{melody.source or 'melody'}: {len(bounds)} harmonic slots; the limit is {limits.MAX_SLOTS}"
        )
    bar_onsets = [b.onset for b in bars]
    bar_of = [bars[max(bisect.bisect_right(bar_onsets, n.onset + _EPS) - 1, 0)] for n in notes]
    note_weights = [_note_weight(n, b) for n, b in zip(notes, bar_of)]
    exposures = _exposures(notes, note_weights)
    beat = bars[0].time_signature.beat_length if bars else 1.0
    ends = _phrase_ends(notes, beat)
    cadence_notes = _cadence_notes(notes, ends, beat, bars[0].time_signature.bar_length if bars else 4 * beat)

    count = len(bounds)
    # Plain lists while accumulating: scalar updates of numpy arrays cost more than the work.
    profile_sums = [[0.0] * 12 for _ in range(count)]
    exposed_sums = [[0.0] * 12 for _ in range(count)]
    onset_pcs: list[int | None] = [None] * count
    starts: list[list[str]] = [[] for _ in range(count)]
    phrase_end = [False] * count
    cadence = [False] * count
    lowest: list[int | None] = [None] * count
    slot_starts = [b[0] for b in bounds]
    degree_names = _degree_names(key)
    pc_weights = [float(w) for w in weights_by_pc]
    for index, note in enumerate(notes):
        pc = (note.pitch - key.tonic) % 12
        note_end = note.end
        first = max(bisect.bisect_right(slot_starts, note.onset + _EPS) - 1, 0)
        slot = last = first
        while slot < count and slot_starts[slot] < note_end - _EPS:
            start, stop, _ = bounds[slot]
            overlap = (stop if stop < note_end else note_end) - (start if start > note.onset else note.onset)
            if overlap > _EPS:
                # A note held over from an earlier slot sounds at this slot's start like a new one.
                weight = note_weights[index] if slot == first else BEAT_WEIGHT
                amount = overlap * weight * pc_weights[pc]
                profile_sums[slot][pc] += amount
                exposed_sums[slot][pc] += amount * (exposures[index] if slot == first else 1.0)
                if note.onset <= start + _EPS < note_end:
                    onset_pcs[slot] = pc
                current = lowest[slot]
                if current is None or note.pitch < current:
                    lowest[slot] = note.pitch
                last = slot
            slot += 1
        starts[first].append(degree_names[pc])
        if ends[index]:
            phrase_end[first] = True
        if cadence_notes[index]:
            # the whole held note closes the phrase: a chord change under it would undo the
            # cadence (Ode to Joy's bar 8, D held over two beats, went I then IV)
            for held in range(first, last + 1):
                cadence[held] = True
    profiles = np.array(profile_sums, dtype=float).reshape(count, 12)
    exposed = np.array(exposed_sums, dtype=float).reshape(count, 12)
    totals = profiles.sum(axis=1, keepdims=True)
    safe = np.where(totals > 0, totals, 1.0)
    profiles /= safe
    exposed /= safe
    profile_rows = [tuple(row) for row in profiles.tolist()]
    exposed_rows = [tuple(row) for row in exposed.tolist()]
    slots = tuple(
        Slot(
            index=i,
            onset=round(bounds[i][0], 6),
            duration=round(bounds[i][1] - bounds[i][0], 6),
            bar=bounds[i][2].number,
            position=round(bounds[i][0] - bounds[i][2].onset, 6),
            is_downbeat=abs(bounds[i][0] - bounds[i][2].onset) < _EPS and not bounds[i][2].is_pickup,
            phrase_end=phrase_end[i] or i == count - 1,
            profile=profile_rows[i],
            exposed=exposed_rows[i],
            onset_pitch_class=onset_pcs[i],
            degrees=tuple(starts[i]),
            lowest_pitch=lowest[i],
            cadence=cadence[i] or i == count - 1,
        )
        for i in range(count)
    )
    return SlotGrid(slots, rhythm, profiles, exposed)


#: The profile of a slot holding one pitch class, for each pitch class.
_UNIT_PROFILES = tuple(tuple(1.0 if k == pc else 0.0 for k in range(12)) for pc in range(12))


def whole_bar_slots(pitches: Sequence[int], key: Key) -> SlotGrid:
    """The grid :func:`make_slots` gives a melody of one whole note per bar of 4/4 (one degree
    per slot, the last ending the phrase), built directly: a degree pattern is already its own
    slots, and this path is the per-pattern latency the benchmarks measure."""
    count = len(pitches)
    if not count:
        raise InputError("degree pattern: no notes to harmonize")
    if count > limits.MAX_SLOTS:
        raise InputError(f"degree pattern: {count} harmonic slots; the limit is {limits.MAX_SLOTS}")
    names = _degree_names(key)
    profiles = np.zeros((count, 12))
    classes = [(pitch - key.tonic) % 12 for pitch in pitches]
    profiles[np.arange(count), classes] = 1.0
    unit = _UNIT_PROFILES
    slots = tuple(
        Slot(index=i, onset=4.0 * i, duration=4.0, bar=i + 1, position=0.0, is_downbeat=True,
             phrase_end=i == count - 1, profile=unit[pc], exposed=unit[pc], onset_pitch_class=pc,
             degrees=(names[pc],), lowest_pitch=pitch, cadence=i == count - 1)
        for i, (pc, pitch) in enumerate(zip(classes, pitches))
    )
    return SlotGrid(slots, "bar", profiles, profiles.copy())
