"""POP909 (Chinese pop songs) read into melodies with their chords.

Each song folder ``POP909/NNN/`` holds ``NNN.mid`` (tracks MELODY, BRIDGE,
PIANO), ``chord_midi.txt`` (``start_sec end_sec label`` in Harte syntax,
extracted from the MIDI), ``beat_midi.txt`` (``time_sec flag flag`` per beat)
and ``key_audio.txt`` (``start_sec end_sec key``, from the audio).

How a song is read, and why:

- **Melody**: the notes of the track named ``MELODY`` (read with
  :func:`harmonizer.midi_in.read_midi`; the ranking is not used), reduced to
  one line with :func:`~harmonizer.melody.skyline`.
- **Times**: seconds become MIDI beats through the file's own tempo map.  The
  songs were recorded to a click whose beats sit a constant fraction of a beat
  away from the MIDI's own beat grid (``beat_midi.txt``'s beats fall at 19.083,
  20.083, ... in song 001; the notes too), so every time -- notes, chords,
  keys -- is shifted by that fraction (rounded to a tick, always forward, less
  than a beat) to put the song's beats on whole beats.  A song whose beats
  stray from the grid by more than :data:`MAX_BEAT_GRID_ERROR` is skipped.
- **Metre**: the MIDI time signatures are meaningless (556 files say 1/4), so
  bars come from ``beat_midi.txt``: its second column marks the first beat of
  every 2- or 3-beat group, its third the first beat of every 4- or 6-beat
  group.  Songs grouped by 3 are 3/4 (bars from the second column), the others
  4/4 (bars from the third).  The first downbeat gives the pickup; where a
  later downbeat leaves the bar grid (a 2-beat bar before a chorus, say) the
  time signature is restated there so bars follow the annotation.
- **Chords**: Harte labels read by :func:`parse_harte`; ``N`` becomes a
  no-chord (``root=None``, so the slots it covers get no label) rather than
  prolonging the chord before it.  Chords are clipped to the melody: from the
  bar of its first note to its last note's end.
- **Key**: ``key_audio.txt`` comes from the audio by an algorithm.  The key in
  force at the first melody note is kept when the melody agrees with it --
  the melody's estimate (:func:`harmonizer.key_finding.estimate_key`, on the
  notes inside that key's span) is that key, its relative, or the runner-up.
  Otherwise the melody's estimate is used (counted in ``stats.events``).
- **Modulations**: one key per song, so with ``modulations="cut"`` (the
  default) the song ends at the bar line nearest the first key change the
  melody confirms (the melody's estimate after the change is another key);
  ``"keep"`` keeps the whole song under its first key.
"""

from __future__ import annotations

import bisect
import math
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, NamedTuple

import mido

from ..chords import QUALITIES
from ..errors import InputError, OptionError
from ..key_finding import estimate_key
from ..melody import Melody, Meter, Note, TimeSignature, skyline
from ..midi_in import read_midi
from ..theory import Key, Mode
from .chord_spans import bar_start, clip_chords
from .corpora import (
    HarmonizedSong,
    LoadStats,
    _check_limit,
    _chords_until,
    _ChordStart,
    _limited,
    _Skip,
)
from .labels import ParsedChord
from .song_keys import same_key_signature

__all__ = [
    "MAX_BEAT_GRID_ERROR",
    "MIN_KEY_NOTES",
    "MIN_NOTES",
    "load_pop909",
    "parse_harte",
    "read_pop909_song",
]

_EPS = 1e-6
#: Largest distance, in beats, between a beat of ``beat_midi.txt`` and the whole-beat grid.
MAX_BEAT_GRID_ERROR = 0.25
#: Fewest melody notes a key span needs before the melody's estimate of it counts.
MIN_KEY_NOTES = 16
#: Fewest melody notes a song must keep (after a cut at a modulation).
MIN_NOTES = 16
#: Chord boundaries are snapped to this grid (beats): 16ths and triplets.
_CHORD_GRID = 1 / 12
MELODY_TRACK_NAME = "MELODY"

Modulations = Literal["cut", "keep"]

# ---------------------------------------------------------------------------
# Harte chord labels
# ---------------------------------------------------------------------------

_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
#: Semitones above the root of each Harte degree (major scale, extensions above the octave).
_DEGREE_SEMITONES = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11, 9: 14, 11: 17, 13: 21}
#: Harte shorthands (Harte et al. 2005, table 1, plus the 11th and 13th chords).
_SHORTHANDS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8),
    "maj7": (0, 4, 7, 11), "min7": (0, 3, 7, 10), "7": (0, 4, 7, 10),
    "dim7": (0, 3, 6, 9), "hdim7": (0, 3, 6, 10), "minmaj7": (0, 3, 7, 11),
    "maj6": (0, 4, 7, 9), "min6": (0, 3, 7, 9),
    "9": (0, 4, 7, 10, 14), "maj9": (0, 4, 7, 11, 14), "min9": (0, 3, 7, 10, 14),
    "11": (0, 4, 7, 10, 14, 17), "min11": (0, 3, 7, 10, 14, 17),
    "13": (0, 4, 7, 10, 14, 21), "maj13": (0, 4, 7, 11, 14, 21), "min13": (0, 3, 7, 10, 14, 21),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7),
}
_INTERVALS_TO_QUALITY = {frozenset(v): k for k, v in QUALITIES.items()}
_HARTE_RE = re.compile(
    r"(?P<root>[A-G][b#]*)(?::(?P<shorthand>[a-z0-9]*)(?:\((?P<degrees>[^)]*)\))?)?"
    r"(?:/(?P<bass>[b#]*\d+))?"
)
_DEGREE_RE = re.compile(r"(\*?)([b#]*)(\d+)")


def parse_harte(label: str) -> ParsedChord | None:
    """Read a Harte chord label (``B:maj``, ``C#:min7``, ``Bb:sus4(b7)``, ``G:maj/3``) as
    ``(root, quality, bass)``, or ``None`` when it names no quality of
    :data:`harmonizer.chords.QUALITIES` (and for ``N``/``X``).

    The label's tones (shorthand, plus degrees in parentheses, minus ``*``
    omitted ones) must be one of our qualities once the extensions above the
    octave (9, 11, 13) are dropped: ``C:9`` is dom7, ``C:maj(9)`` maj, ``C:min9``
    min7, ``C:sus4(b7)`` dom7sus4; ``C:sus2(b7)`` or ``C:7(b5)`` are unknown.
    The bass is a degree above the root (``/3``, ``/b7``); a bass on the root
    is ``None``.
    """
    match = _HARTE_RE.fullmatch(label.strip())
    if match is None:
        return None
    root = _pitch_class(match["root"])
    shorthand = match["shorthand"]
    if shorthand is None:
        tones = set(_SHORTHANDS["maj"])  # "C" alone is C major
    elif shorthand == "":
        if match["degrees"] is None:
            return None
        tones = set()  # "C:(1,3,5)": the degrees alone
    elif shorthand in _SHORTHANDS:
        tones = set(_SHORTHANDS[shorthand])
    else:
        return None
    if match["degrees"] is not None:
        for item in match["degrees"].split(","):
            degree = _degree(item.strip())
            if degree is None:
                return None
            omitted, semitones = degree
            if omitted:
                tones.discard(semitones)
            else:
                tones.add(semitones)
    quality = _INTERVALS_TO_QUALITY.get(frozenset(t for t in tones if t < 12))
    if quality is None:
        return None
    bass = None
    if match["bass"] is not None:
        degree = _degree(match["bass"])
        if degree is None:
            return None
        bass = (root + degree[1]) % 12
    return root, quality, (None if bass == root else bass)


def _pitch_class(name: str) -> int:
    return (_LETTER_PC[name[0]] + name.count("#") - name.count("b")) % 12


def _degree(text: str) -> tuple[bool, int] | None:
    """(omitted?, semitones above the root) of a Harte degree like ``b7``, ``9`` or ``*3``."""
    match = _DEGREE_RE.fullmatch(text)
    if match is None or int(match[3]) not in _DEGREE_SEMITONES:
        return None
    semitones = _DEGREE_SEMITONES[int(match[3])] + match[2].count("#") - match[2].count("b")
    return bool(match[1]), semitones


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def load_pop909(
    pop909_dir: str | Path,
    limit: int | None = None,
    stats: LoadStats | None = None,
    modulations: Modulations = "cut",
) -> Iterator[HarmonizedSong]:
    """Yield the POP909 songs with their chords (see the module docstring for how).

    ``pop909_dir`` is the folder holding ``POP909/NNN/``, the ``POP909``
    folder itself, or one song's folder.  Songs are skipped and counted in
    ``stats`` with the reason when a file is missing or unreadable, there is
    no MELODY track, the beats stray from the MIDI's grid, or no chord is
    known.  Raises :class:`InputError` if there is no song folder at the path
    and :class:`OptionError` for an unknown ``modulations``.
    """
    _check_limit(limit)
    if modulations not in ("cut", "keep"):
        raise OptionError(
            f"The 'modulations' parameter of load_pop909 must be one of ['cut', 'keep']. "
            f"Got {modulations!r}."
        )
    root = Path(pop909_dir)
    if (root / f"{root.name}.mid").is_file():
        folders = [root]
    else:
        base = root / "POP909" if (root / "POP909").is_dir() else root
        folders = sorted(p for p in base.iterdir() if p.is_dir() and p.name.isdigit()) \
            if base.is_dir() else []
    if not folders:
        raise InputError(f"No POP909 songs at {root}: expected POP909/NNN/NNN.mid inside it.")
    stats = stats if stats is not None else LoadStats()
    stats.corpus = stats.corpus or "pop909"
    return _limited(_songs(folders, stats, modulations), limit, stats)


def _songs(folders: list[Path], stats: LoadStats, modulations: Modulations) -> Iterator[HarmonizedSong]:
    for folder in folders:
        song_id = f"pop909/{folder.name}"
        try:
            yield read_pop909_song(folder, stats, modulations)
        except _Skip as skip:
            stats.skip(song_id, skip.reason, skip.detail)


def read_pop909_song(
    folder: str | Path, stats: LoadStats | None = None, modulations: Modulations = "cut"
) -> HarmonizedSong:
    """One POP909 song folder as a :class:`HarmonizedSong`.

    Raises ``_Skip`` (counted by :func:`load_pop909`) when the song cannot be used.
    """
    folder = Path(folder)
    stats = stats if stats is not None else LoadStats(corpus="pop909")
    song_id = f"pop909/{folder.name}"
    paths = {name: folder / name for name in
             (f"{folder.name}.mid", "chord_midi.txt", "beat_midi.txt", "key_audio.txt")}
    missing = [name for name, path in paths.items() if not path.is_file()]
    if missing:
        raise _Skip("missing file", ", ".join(missing))
    with warnings.catch_warnings(record=True) as caught:
        # The reader warns about what it reads past (overlapping notes of one pitch, ...);
        # counted here rather than shown once per song.
        warnings.simplefilter("always")
        try:
            midi_song = read_midi(paths[f"{folder.name}.mid"])
        except InputError as error:
            raise _Skip("unreadable MIDI file", str(error)) from error
    if caught:
        stats.events["MIDI files the reader warned about (overlapping notes and the like)"] += 1
    melody_parts = [c for c in midi_song.candidates if c.name.upper() == MELODY_TRACK_NAME]
    if not melody_parts:
        raise _Skip("no track named MELODY")
    to_beats = _TempoMap(midi_song.midi)
    beats = _read_table(paths["beat_midi.txt"], 3)
    if not beats:
        raise _Skip("beat_midi.txt holds no beats")
    shift, grid_error = _grid_shift([to_beats(row[0]) for row in beats], midi_song.ticks_per_beat)
    if grid_error > MAX_BEAT_GRID_ERROR:
        raise _Skip(f"beats stray from the MIDI beat grid by more than {MAX_BEAT_GRID_ERROR:g} beat",
                    f"{grid_error:.2f} beats")
    if grid_error > 0.05:
        stats.events["songs whose beats stray from the MIDI beat grid by 0.05-0.25 beat"] += 1
    part = melody_parts[0]
    notes = [Note(n.pitch, round(n.onset + shift, 9), n.duration, n.velocity)
             for n in skyline(midi_song.notes_by_part[(part.track, part.channel)])]
    if not notes:
        raise _Skip("the MELODY track has no notes")
    meter = _meter([(round(to_beats(t) + shift), flag2, flag3) for t, flag2, flag3 in beats], stats)

    def beat_of(seconds: float) -> float:
        return to_beats(seconds) + shift

    starts, ends = _chord_starts(paths["chord_midi.txt"], beat_of, stats)
    if not any(start.root is not None for start in starts):
        raise _Skip("no chord label we can read")
    key, cut = _key_and_cut(paths["key_audio.txt"], beat_of, notes, meter, stats, modulations)
    if cut is not None:
        stats.events["songs cut at a modulation (one key per song)"] += 1
        stats.events["beats of melody dropped after a modulation"] += round(notes[-1].end - cut)
        notes = [Note(n.pitch, n.onset, min(n.duration, cut - n.onset), n.velocity)
                 for n in notes if n.onset < cut - _EPS]
        if len(notes) < MIN_NOTES:
            raise _Skip(f"fewer than {MIN_NOTES} melody notes before the first modulation")
    melody = Melody(tuple(notes), meter, f"{song_id} MELODY")
    chords = clip_chords(_chords_until(starts, ends, stats), bar_start(meter, notes[0].onset),
                         melody.end)
    if not any(chord.root is not None for chord in chords):
        raise _Skip("no chord we can read under the melody")
    return HarmonizedSong(song_id, "pop909", melody, key, chords)


class _TempoMap:
    """Seconds to MIDI beats through every set_tempo event of the file."""

    def __init__(self, midi: mido.MidiFile) -> None:
        ticks_per_beat = midi.ticks_per_beat
        changes: list[tuple[int, int]] = []
        for track in midi.tracks:
            tick = 0
            for message in track:
                tick += message.time
                if message.type == "set_tempo":
                    changes.append((tick, message.tempo))
        changes.sort(key=lambda change: change[0])  # stable: the later of two at a tick wins
        seconds, last_tick, tempo = 0.0, 0, 500_000  # MIDI's default tempo until the first change
        self._segments: list[tuple[float, float, int]] = [(0.0, 0.0, tempo)]
        for tick, new_tempo in changes:
            seconds += (tick - last_tick) / ticks_per_beat * tempo / 1e6
            last_tick, tempo = tick, new_tempo
            segment = (seconds, tick / ticks_per_beat, tempo)
            if abs(self._segments[-1][0] - seconds) < 1e-12:
                self._segments[-1] = segment
            else:
                self._segments.append(segment)
        self._starts = [segment[0] for segment in self._segments]

    def __call__(self, seconds: float) -> float:
        index = max(bisect.bisect_right(self._starts, seconds) - 1, 0)
        start_seconds, start_beat, tempo = self._segments[index]
        return start_beat + (seconds - start_seconds) * 1e6 / tempo


def _read_table(path: Path, columns: int) -> list[tuple[float, ...]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        try:
            values = tuple(float(field) for field in fields[:columns])
        except ValueError as error:
            raise _Skip(f"unreadable line in {path.name}", f"line {number}: {line!r}") from error
        if len(values) != columns:
            raise _Skip(f"unreadable line in {path.name}", f"line {number}: {line!r}")
        rows.append(values)
    return rows


def _grid_shift(beats: list[float], ticks_per_beat: int) -> tuple[float, float]:
    """(shift that puts the annotated beats on whole beats, largest remaining error).

    The shift is the circular mean of the beats' fractional parts, turned into
    a forward move of less than a beat and rounded to a whole tick.
    """
    angle = math.atan2(sum(math.sin(2 * math.pi * b) for b in beats),
                       sum(math.cos(2 * math.pi * b) for b in beats))
    fraction = angle / (2 * math.pi)  # where the beats sit past the grid, in (-0.5, 0.5]
    shift = round(((-fraction) % 1.0) * ticks_per_beat) / ticks_per_beat % 1.0
    error = max(abs(b + shift - round(b + shift)) for b in beats)
    return shift, error


def _meter(beats: list[tuple[int, float, float]], stats: LoadStats) -> Meter:
    """4/4 or 3/4 bars from the annotated downbeats, restated where they leave the grid."""
    groups = [position for position, flag2, _ in beats if flag2 == 1.0]
    gaps = sorted(b - a for a, b in zip(groups, groups[1:]))
    bar = 3 if gaps and gaps[len(gaps) // 2] == 3 else 4
    column = 1 if bar == 3 else 2
    downbeats = sorted({beat[0] for beat in beats if beat[column] == 1.0 and beat[0] >= 0})
    if not downbeats:
        stats.events["songs without annotated downbeats (bars from beat 0)"] += 1
        return Meter((TimeSignature(0.0, bar, 4),))
    pickup = downbeats[0] % bar
    signatures = [TimeSignature(0.0, bar, 4)]
    anchor = downbeats[0]
    for downbeat in downbeats[1:]:
        if (downbeat - anchor) % bar:
            signatures.append(TimeSignature(float(downbeat), bar, 4))
            anchor = downbeat
    if len(signatures) > 1:
        stats.events["songs whose downbeats leave the bar grid (time signature restated)"] += 1
    return Meter(tuple(signatures), float(pickup))


def _snap(beat: float) -> float:
    return round(beat / _CHORD_GRID) * _CHORD_GRID


def _chord_starts(
    path: Path, beat_of: Callable[[float], float], stats: LoadStats
) -> tuple[list[_ChordStart], float]:
    """Chord changes from ``chord_midi.txt`` (consecutive equal labels merged) and where they end."""
    starts: list[_ChordStart] = []
    end = 0.0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise _Skip("unreadable line in chord_midi.txt", f"line {number}: {line!r}")
        try:
            onset, stop = _snap(beat_of(float(fields[0]))), _snap(beat_of(float(fields[1])))
        except ValueError as error:
            raise _Skip("unreadable line in chord_midi.txt", f"line {number}: {line!r}") from error
        label = fields[2]
        if starts and onset > end + _EPS:  # a gap between two labels: nothing sounds there
            starts.append(_ChordStart(end, None, "maj", None, "N"))
            stats.events["gap between chord labels (no chord)"] += 1
        if label in ("N", "X"):
            stats.labels.no_chord[label] += 1
            parsed = None
        else:
            parsed = parse_harte(label)
            stats.labels.add(label, parsed is not None)
            if parsed is None:
                stats.events["unknown chord label (no chord there)"] += 1
        # An unknown label is no chord too (its slots go unlabelled); the text stays for reports.
        root, quality, bass = parsed if parsed is not None else (None, "maj", None)
        chord = _ChordStart(onset, root, quality, bass, label)
        if starts and starts[-1][1:4] == chord[1:4]:
            pass  # the same chord goes on
        elif starts and abs(starts[-1].onset - onset) <= _EPS:
            starts[-1] = chord
        else:
            starts.append(chord)
        end = max(end, stop)
    while starts and starts[0].root is None:  # chords begin with the first chord
        starts.pop(0)
    return starts, end






class _KeySpan(NamedTuple):
    start: float
    end: float
    key: Key


def _parse_pop909_key(text: str) -> Key | None:
    """``Gb:maj`` / ``C#:min`` as a :class:`Key`, else ``None``."""
    match = re.fullmatch(r"([A-G][b#]?):(maj|min)", text)
    if match is None:
        return None
    mode: Mode = "minor" if match[2] == "min" else "major"
    return Key(_pitch_class(match[1]), mode, match[1])


def _key_and_cut(
    path: Path, beat_of: Callable[[float], float], notes: list[Note], meter: Meter,
    stats: LoadStats, modulations: Modulations,
) -> tuple[Key, float | None]:
    """The song's key and, with ``modulations="cut"``, the bar line to end the song at."""
    spans: list[_KeySpan] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if not fields:
            continue
        key = _parse_pop909_key(fields[2]) if len(fields) == 3 else None
        if key is None:
            stats.events[f"unreadable key_audio.txt line (ignored): {line.strip()!r}"] += 1
            continue
        start, end = beat_of(float(fields[0])), beat_of(float(fields[1]))
        if spans and (spans[-1].key.tonic, spans[-1].key.mode) == (key.tonic, key.mode):
            spans[-1] = spans[-1]._replace(end=end)
        else:
            spans.append(_KeySpan(start, end, key))
    if not spans:
        stats.events["songs without a key in key_audio.txt (melody's estimate used)"] += 1
        return estimate_key(notes).key, None
    first = notes[0].onset
    index = next((i for i, span in enumerate(spans) if span.end > first + _EPS), len(spans) - 1)
    span = spans[index]
    inside = [n for n in notes if span.start - _EPS <= n.onset < span.end]
    estimate = estimate_key(inside if len(inside) >= MIN_KEY_NOTES else notes)
    annotated = span.key
    agrees = (
        same_key_signature(estimate.key, annotated)
        or (estimate.runner_up.tonic, estimate.runner_up.mode) == (annotated.tonic, annotated.mode)
    )
    if agrees:
        key = annotated
        if (estimate.key.tonic, estimate.key.mode) != (annotated.tonic, annotated.mode):
            stats.events["key_audio key kept over the melody's relative or runner-up estimate"] += 1
    else:
        key = estimate.key
        stats.events["key_audio key disagrees with the melody (melody's estimate used)"] += 1
    if modulations == "keep":
        return key, None
    for later in spans[index + 1:]:
        if later.start >= notes[-1].end:
            break
        inside = [n for n in notes if later.start - _EPS <= n.onset < later.end]
        if len(inside) < MIN_KEY_NOTES:
            continue
        moved = estimate_key(inside).key
        if not same_key_signature(moved, key):
            return key, _nearest_bar_line(meter, later.start, notes[-1].end)
    return key, None


def _nearest_bar_line(meter: Meter, beat: float, end: float) -> float:
    lines = [b.onset for b in meter.bars(end)] + [end]
    return min(lines, key=lambda line: abs(line - beat))
