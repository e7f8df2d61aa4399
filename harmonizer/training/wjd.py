"""The Weimar Jazz Database (jazzodata's note tables) read into solos with their chords.

``csv/wjd_transforms.csv.gz`` has one row per note of 456 transcribed
improvised solos: ``melid``, metrical position (``bar``, ``beat``, ``tatum``
of ``division`` tatums in the beat, ``period`` beats in the bar), ``pitch_raw``,
``articulation_raw`` (duration / inter-onset interval) and the ``chord``
sounding at the note (``Bb7``, ``D-7``, ``Ebj7``, ``NC``).
``csv/wjd_meta.csv.gz`` has one row per solo: ``key`` (``Bb-maj``, ``C-min``,
``F-blues``, ``D-dor``, ``C-chrom`` or empty), ``tonality_type``
(FUNCTIONAL, BLUES, COLOR, MODAL, FREE), performer and title.

How a solo is read, and why:

- **Times** come from the metrical columns, not the seconds: a note starts at
  ``bar start + (beat - 1) + (tatum - 1) / division`` beats, each annotated
  beat counting as a quarter note and each bar holding ``period`` beats (bars
  without notes keep the previous bar's period; a change of period restates
  the time signature).  Time 0 is the start of the solo's first bar (often
  bar 0 or a negative bar: the pickup before the first chorus).
- **Durations**: ``articulation_raw`` times the inter-onset interval in beats,
  never past the next note; the last note, which has none, lasts a beat.
- **Chords**: each note's symbol, read by
  :func:`~harmonizer.training.labels.parse_chord_symbol`, merged while
  unchanged.  The notes only say that the chord changed somewhere after the
  previous note; the change is put on the latest half-bar line in that
  interval (chords change on bar lines and half bars), else on the latest
  beat, else on the note.  When the melody rests a full bar or more before a
  change, what was played there is unknown: the old chord ends with the bar
  of the previous note and a no-chord (``root=None``) fills the rest.
  ``NC`` and unknown symbols are no-chords too.
- **Key**: the metadata's key; ``maj``, ``mix`` and ``blues`` read as major,
  ``min`` and ``dor`` as minor.  Where it is empty or chromatic (``C-chrom``),
  the key is estimated from notes and chords together
  (:func:`~harmonizer.training.song_keys.estimate_key_with_chords`).

These are improvised lines over a tune's changes, not the tune itself: good
for jazz chord vocabulary and for how melody notes sit on chords, less for
harmonic rhythm.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from ..chords import ChordLabel
from ..errors import InputError
from ..melody import Melody, Meter, Note, TimeSignature
from ..theory import Key, Mode
from .corpora import HarmonizedSong, LoadStats, _check_limit, _chords_until, _ChordStart, _limited, _Skip
from .song_keys import estimate_key_with_chords

__all__ = ["TRANSFORMS_FILE", "META_FILE", "LAST_NOTE_BEATS", "load_wjd", "load_wjd_blues", "parse_wjd_key"]

_EPS = 1e-6
TRANSFORMS_FILE = Path("csv") / "wjd_transforms.csv.gz"
META_FILE = Path("csv") / "wjd_meta.csv.gz"
#: Length, in beats, of a solo's last note (the table gives no duration for it).
LAST_NOTE_BEATS = 1.0
#: Shortest note we keep, in beats (an articulation of 0 would make it vanish).
_SHORTEST = 1 / 48
_NEEDED_COLUMNS = ("melid", "bar", "beat", "tatum", "division", "period", "pitch_raw",
                   "articulation_raw", "chord")
_MAJOR_MODES = {"maj": "major", "mix": "major", "blues": "major", "ion": "major", "lyd": "major"}
_MINOR_MODES = {"min": "minor", "dor": "minor", "aeo": "minor", "phr": "minor"}


class _Event(NamedTuple):
    """One note row: metrical position, pitch, articulation and chord symbol."""

    bar: int
    beat: int
    tatum: int
    division: int
    period: int
    pitch: int
    articulation: float | None
    chord: str


def load_wjd(
    wjd_dir: str | Path,
    limit: int | None = None,
    stats: LoadStats | None = None,
    tonality_types: Iterable[str] | None = None,
) -> Iterator[HarmonizedSong]:
    """Yield the Weimar Jazz Database solos with the chords they were played over.

    ``wjd_dir`` is the jazzodata folder holding ``csv/wjd_transforms.csv.gz``
    and ``csv/wjd_meta.csv.gz``.  ``tonality_types`` keeps only solos of those
    metadata tonality types (``{"BLUES"}`` for the 97 blues).  Song ids are
    ``"wjd/<solo id>"`` (e.g. ``wjd/ArtPepper_Anthropology_FINAL``).  Solos
    are skipped and counted in ``stats`` when a row is unreadable or no chord
    symbol is known.  Raises :class:`InputError` if the tables are missing.
    """
    _check_limit(limit)
    root = Path(wjd_dir)
    transforms, meta_path = root / TRANSFORMS_FILE, root / META_FILE
    for path in (transforms, meta_path):
        if not path.is_file():
            raise InputError(f"No Weimar Jazz Database at {root}: {path} not found.")
    stats = stats if stats is not None else LoadStats()
    stats.corpus = stats.corpus or "wjd"
    wanted = None if tonality_types is None else {t.upper() for t in tonality_types}
    return _limited(_solos(transforms, meta_path, wanted, stats), limit, stats)


def load_wjd_blues(
    wjd_dir: str | Path, limit: int | None = None, stats: LoadStats | None = None
) -> Iterator[HarmonizedSong]:
    """The solos over blues changes (metadata tonality type BLUES); see :func:`load_wjd`."""
    stats = stats if stats is not None else LoadStats()
    stats.corpus = stats.corpus or "wjd-blues"
    return load_wjd(wjd_dir, limit, stats, tonality_types={"BLUES"})


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rb") as compressed:
        yield from csv.DictReader(io.TextIOWrapper(compressed, encoding="utf-8", newline=""))


def _solos(
    transforms: Path, meta_path: Path, wanted: set[str] | None, stats: LoadStats
) -> Iterator[HarmonizedSong]:
    meta = {row["melid"]: row for row in _read_csv(meta_path)}
    rows: list[dict[str, str]] = []
    current = None
    for row in _read_csv(transforms):
        if row["melid"] != current:
            if rows:
                yield from _one_solo(rows, meta, wanted, stats)
            rows, current = [], row["melid"]
        rows.append(row)
    if rows:
        yield from _one_solo(rows, meta, wanted, stats)


def _one_solo(
    rows: list[dict[str, str]], meta: dict[str, dict[str, str]], wanted: set[str] | None,
    stats: LoadStats,
) -> Iterator[HarmonizedSong]:
    info = meta.get(rows[0]["melid"], {})
    if wanted is not None and info.get("tonality_type", "").upper() not in wanted:
        return
    song_id = "wjd/" + re.sub(r"\.sv$", "", rows[0].get("id") or f"melid{rows[0]['melid']}")
    try:
        yield read_solo(song_id, rows, info, stats)
    except _Skip as skip:
        stats.skip(song_id, skip.reason, skip.detail)


def read_solo(
    song_id: str, rows: list[dict[str, str]], info: dict[str, str], stats: LoadStats | None = None
) -> HarmonizedSong:
    """One solo from its note rows (``wjd_transforms``) and its metadata row (``wjd_meta``)."""
    stats = stats if stats is not None else LoadStats(corpus="wjd")
    events = [_event(row, number) for number, row in enumerate(rows, 1)]
    events.sort(key=lambda e: (e.bar, e.beat, (e.tatum - 1) / e.division))
    bar_starts, meter = _bars(events, stats)
    onsets = [_position(e, bar_starts) for e in events]
    notes = _notes(events, onsets, stats)
    starts = _chord_starts(events, onsets, notes, bar_starts, meter, stats)
    if not any(start.root is not None for start in starts):
        raise _Skip("no chord symbol we can read")
    melody = Melody(tuple(notes), meter, song_id)
    chords = _chords_until(starts, melody.end, stats)
    key = _key(info, notes, chords, stats)
    return HarmonizedSong(song_id, "wjd", melody, key, chords)


def _event(row: dict[str, str], number: int) -> _Event:
    try:
        articulation = row["articulation_raw"].strip()
        event = _Event(
            int(row["bar"]), int(row["beat"]), int(row["tatum"]), int(row["division"]),
            int(row["period"]), int(float(row["pitch_raw"])),
            float(articulation) if articulation not in ("", "NA", "nan") else None,
            row["chord"].strip(),
        )
    except (KeyError, ValueError) as error:
        raise _Skip("unreadable note row", f"row {number}: {error}") from error
    if event.division < 1 or event.period < 1 or not 1 <= event.tatum <= event.division \
            or event.beat < 1:
        raise _Skip("unreadable note row", f"row {number}: position {event[:5]}")
    return event


def _bars(events: list[_Event], stats: LoadStats) -> tuple[dict[int, float], Meter]:
    """Where each bar starts (beats from the first bar) and the metre."""
    periods = {e.bar: e.period for e in events}
    first, last = events[0].bar, events[-1].bar
    starts: dict[int, float] = {}
    signatures: list[TimeSignature] = []
    position = 0.0
    period = periods[first]
    for bar in range(first, last + 2):  # one bar past the last, for its end
        period = periods.get(bar, period)
        starts[bar] = position
        if not signatures or signatures[-1].numerator != period:
            signatures.append(TimeSignature(position, period, 4))
        position += period
    if len(signatures) > 1:
        stats.events["solos whose bars change length (time signature restated)"] += 1
    return starts, Meter(tuple(signatures))


def _position(event: _Event, bar_starts: dict[int, float]) -> float:
    return bar_starts[event.bar] + event.beat - 1 + (event.tatum - 1) / event.division


def _notes(events: list[_Event], onsets: list[float], stats: LoadStats) -> list[Note]:
    notes: list[Note] = []
    for index, (event, onset) in enumerate(zip(events, onsets)):
        if index + 1 < len(events):
            gap = onsets[index + 1] - onset
            if gap <= _EPS:
                stats.events["notes at the same position as the next (the later kept)"] += 1
                continue
            if event.articulation is None:
                duration = gap
                stats.events["notes without articulation (held to the next note)"] += 1
            else:
                duration = min(max(event.articulation * gap, _SHORTEST), gap)
        else:
            duration = LAST_NOTE_BEATS
        notes.append(Note(event.pitch, onset, duration))
    return notes


def _chord_starts(
    events: list[_Event], onsets: list[float], notes: list[Note], bar_starts: dict[int, float],
    meter: Meter, stats: LoadStats,
) -> list[_ChordStart]:
    """Chord changes placed on the metre between the notes that show them (see module doc)."""
    bars = meter.bars(max(bar_starts.values()))
    lines = sorted({b.onset for b in bars} | {
        b.onset + b.length / 2 for b in bars if round(b.length) % 2 == 0
    })
    starts: list[_ChordStart] = []
    previous_symbol = None
    previous_onset = previous_end = None
    note_end = {n.onset: n.end for n in notes}
    for event, onset in zip(events, onsets):
        if event.chord != previous_symbol:
            parsed = stats.labels.parse(event.chord)
            if parsed is None and event.chord not in stats.labels.no_chord:
                stats.events["unknown chord symbol (no chord there)"] += 1
            root, quality, bass = parsed if parsed is not None else (None, "maj", None)
            chord = _ChordStart(0.0, root, quality, bass, event.chord)
            if previous_onset is None:
                starts.append(chord._replace(onset=onset))
            else:
                change = _change_point(lines, previous_onset, onset)
                assert previous_end is not None
                held_until = _bar_end(bars, previous_end)
                if change - held_until > _EPS:
                    # A bar or more of rest before the change: what sounded there is unknown.
                    starts.append(_ChordStart(held_until, None, "maj", None, "?"))
                    stats.events["rests of a bar or more before a chord change (no chord there)"] += 1
                if starts and abs(starts[-1].onset - change) <= _EPS:
                    starts[-1] = chord._replace(onset=change)
                else:
                    starts.append(chord._replace(onset=change))
            previous_symbol = event.chord
        previous_onset = onset
        previous_end = note_end.get(onset, onset)
    while starts and starts[0].root is None:
        starts.pop(0)
    return _merge_same(starts)


def _change_point(lines: list[float], after: float, at: float) -> float:
    """The latest half-bar line in (after, at], else the latest beat, else ``at``."""
    index = bisect.bisect_right(lines, at + _EPS) - 1
    if index >= 0 and lines[index] > after + _EPS:
        return lines[index]
    beat = float(int(at + _EPS))
    return beat if beat > after + _EPS else at


def _bar_end(bars: list[Any], beat: float) -> float:
    for bar in bars:
        if bar.onset - _EPS <= beat < bar.end - _EPS:
            return float(bar.end)
    return beat


def _merge_same(starts: list[_ChordStart]) -> list[_ChordStart]:
    merged: list[_ChordStart] = []
    for start in starts:
        if merged and merged[-1][1:4] == start[1:4]:
            continue
        merged.append(start)
    return merged


def parse_wjd_key(text: str) -> Key | None:
    """The metadata's ``Bb-maj`` / ``C-min`` / ``F-blues`` / ``D-dor`` as a :class:`Key`,
    else ``None`` (empty, chromatic or unreadable)."""
    match = re.fullmatch(r"([A-G])([#b]?)(?:-(\w+))?", text.strip())
    if match is None:
        return None
    mode_text = (match[3] or "maj").lower()
    mode = _MAJOR_MODES.get(mode_text) or _MINOR_MODES.get(mode_text)
    if mode is None:
        return None
    letter_pc = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}[match[1]]
    tonic = (letter_pc + {"#": 1, "b": -1, "": 0}[match[2]]) % 12
    typed_mode: Mode = "minor" if mode == "minor" else "major"
    return Key(tonic, typed_mode, match[1] + match[2])


def _key(info: dict[str, str], notes: list[Note], chords: tuple[ChordLabel, ...],
         stats: LoadStats) -> Key:
    text = info.get("key", "")
    key = parse_wjd_key(text)
    if key is not None:
        if not text.endswith(("-maj", "-min")):
            stats.events[f"key read as {key.mode}: {text.split('-')[-1] if '-' in text else text}"] += 1
        return key
    stats.events["solos without a usable key (estimated from notes and chords)"] += 1
    return estimate_key_with_chords(notes, chords).key
