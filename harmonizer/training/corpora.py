"""Training corpora read into melodies with their human chords.

Each loader is a generator of :class:`HarmonizedSong` and fills a
:class:`LoadStats` the caller passes in: songs loaded, songs skipped with the
reason, chord labels mapped or unknown, and other repairs worth knowing about.
Nothing is dropped without being counted there.

- :func:`load_bach_chorales`: When in Rome's human Roman-numeral analyses of the
  Bach chorales, aligned by measure number with the scores in music21's corpus.
- :func:`load_nottingham`: the Nottingham Music Database (jukedeck cleaned
  ABC), read by :func:`read_abc`, a small ABC reader of our own: music21's
  takes minutes for the corpus, rejects jukedeck chord symbols ("Ed", "Ca"),
  reads some meters at twice their length (2/2, 3/2) and forgets accidentals
  within a bar, where this reader follows ABC 2.1.
- :func:`load_corpus`: either of them by name.

music21 is imported only when the chorales are loaded (the ``[train]`` extra).
"""

from __future__ import annotations

import bisect
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

from ..chords import QUALITIES, ChordLabel, quality_from_pitch_classes
from ..errors import InputError, OptionError
from ..melody import Melody, Meter, Note, TimeSignature, skyline
from ..theory import Key, Mode
from .labels import LabelStats

__all__ = [
    "HarmonizedSong",
    "LoadStats",
    "CORPORA",
    "load_corpus",
    "corpus_pairs",
    "load_bach_chorales",
    "load_nottingham",
    "read_abc",
]

_EPS = 1e-6
CHORALES_SUBDIR = Path("Corpus") / "Early_Choral" / "Bach,_Johann_Sebastian" / "Chorales"
#: Chorales whose analysis and score lengths differ by more than this are skipped.
MAX_LENGTH_MISMATCH = 1.0


@dataclass(frozen=True)
class HarmonizedSong:
    """A melody with the chords a person wrote for it.

    ``chords`` are sorted, do not overlap and run from the first chord to the
    end of the music; times are quarter-note beats, as in ``melody``.
    ``key_signature`` is the key signature the source file writes (as the major key it
    stands for), or ``None`` when it writes none: the evidence the command line gives key
    finding when it reads such a file.
    """

    song_id: str
    corpus: str
    melody: Melody
    key: Key
    chords: tuple[ChordLabel, ...]
    key_signature: Key | None = None


@dataclass
class LoadStats:
    """What a loader did: songs loaded and skipped (with reasons), labels, repairs.

    ``events`` counts things met inside songs that were kept (e.g. an
    alternate chord ignored, a numeral whose pitches name no known chord).
    """

    corpus: str = ""
    loaded: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_songs: list[tuple[str, str]] = field(default_factory=list)
    labels: LabelStats = field(default_factory=LabelStats)
    events: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def skip(self, song_id: str, reason: str, detail: str = "") -> None:
        """Count a skipped song under ``reason``; ``skipped_songs`` also keeps the detail."""
        self.skipped[reason] += 1
        self.skipped_songs.append((song_id, f"{reason}: {detail}" if detail else reason))

    def summary(self, top: int = 10) -> str:
        lines = [
            f"{self.corpus}: {self.loaded} songs loaded, {sum(self.skipped.values())} skipped"
            f" in {self.seconds:.1f} s",
        ]
        lines += [f"  skipped ({count}): {reason}" for reason, count in self.skipped.most_common()]
        lines.append("  labels: " + self.labels.summary(top))
        lines += [f"  {count} x {event}" for event, count in self.events.most_common()]
        return "\n".join(lines)


class _ChordStart(NamedTuple):
    """A chord where it begins; it lasts until the next one."""

    onset: float
    root: int | None
    quality: str
    bass: int | None
    text: str


class _Skip(Exception):
    """Raised inside a loader to skip one song: a reason to count, a detail to show."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or limit < 0):
        raise OptionError(f"The 'limit' parameter must be None or an integer >= 0. Got {limit!r}.")


def _limited(
    songs: Iterator[HarmonizedSong], limit: int | None, stats: LoadStats
) -> Iterator[HarmonizedSong]:
    """At most ``limit`` songs; counts them and the time spent reading them in ``stats``."""
    count = 0
    while limit is None or count < limit:
        start = time.perf_counter()
        try:
            song = next(songs)
        except StopIteration:
            return
        finally:
            stats.seconds += time.perf_counter() - start
        count += 1
        stats.loaded += 1
        yield song


def _chords_until(
    starts: list[_ChordStart], end: float, stats: LoadStats
) -> tuple[ChordLabel, ...]:
    """The chords, each lasting until the next one begins and the last until ``end``."""
    chords: list[ChordLabel] = []
    for index, (onset, root, quality, bass, text) in enumerate(starts):
        stop = starts[index + 1][0] if index + 1 < len(starts) else end
        if stop - onset <= _EPS:
            stats.events["chord with no time before the next one or the end (dropped)"] += 1
            continue
        chords.append(ChordLabel(onset, stop - onset, root, quality, bass, text))
    return tuple(chords)


# ---------------------------------------------------------------------------
# Bach chorales (When in Rome analyses + music21 corpus scores)
# ---------------------------------------------------------------------------


def load_bach_chorales(
    when_in_rome_dir: str | Path, limit: int | None = None, stats: LoadStats | None = None
) -> Iterator[HarmonizedSong]:
    """Yield the Bach chorales of When in Rome with their human Roman-numeral analyses.

    ``when_in_rome_dir`` is the When in Rome folder (the one holding ``Corpus``)
    or one chorale's folder (``.../Chorales/001``).  The melody is the soprano
    of the score music21's corpus holds; each numeral is placed by its measure
    number and its position in the measure (by bar order where the score's
    numbering is unusable), and the analysis is transposed when the score is
    printed in another key.  The key is the first numeral's.  Chorales are
    skipped and counted in ``stats`` when the analysis and score lengths differ
    by more than :data:`MAX_LENGTH_MISMATCH` beats, when a numeral does not fit
    the score's bars, or when music21 cannot read them.  Raises
    :class:`InputError` if there is no chorale folder at the path.
    """
    _check_limit(limit)
    root = Path(when_in_rome_dir)
    if (root / "analysis.txt").is_file():
        folders = [root]
    elif (root / CHORALES_SUBDIR).is_dir():
        folders = sorted(p for p in (root / CHORALES_SUBDIR).iterdir() if p.is_dir())
    else:
        raise InputError(f"No Bach chorales at {root}: expected {CHORALES_SUBDIR} inside it.")
    stats = stats if stats is not None else LoadStats()
    stats.corpus = stats.corpus or "bach"
    return _limited(_chorales(folders, stats), limit, stats)


def _chorales(folders: list[Path], stats: LoadStats) -> Iterator[HarmonizedSong]:
    for chorale in folders:
        song_id = f"bach/riemenschneider{chorale.name}"
        if not (chorale / "analysis.txt").is_file() or not (chorale / "remote.json").is_file():
            stats.skip(song_id, "no analysis.txt or remote.json")
            continue
        try:
            yield _read_chorale(chorale, song_id, stats)
        except _Skip as skip:
            stats.skip(song_id, skip.reason, skip.detail)


def _read_chorale(chorale: Path, song_id: str, stats: LoadStats) -> HarmonizedSong:
    from music21 import converter, corpus, stream  # the [train] extra

    remote = json.loads((chorale / "remote.json").read_text(encoding="utf-8"))
    score_path = remote.get("remote_score_music21")
    if not score_path:
        raise _Skip("remote.json names no music21 score")
    try:
        score = corpus.parse(score_path)
        analysis = converter.parse(chorale / "analysis.txt", format="romanText")
    except Exception as error:  # music21 raises many unrelated types; keep the reason
        raise _Skip("music21 could not read it", f"{type(error).__name__}: {error}") from error
    score_end = float(score.highestTime)
    if abs(float(analysis.highestTime) - score_end) > MAX_LENGTH_MISMATCH + _EPS:
        raise _Skip(
            f"analysis and score lengths differ by more than {MAX_LENGTH_MISMATCH:g} beat",
            f"{float(analysis.highestTime):g} vs {score_end:g} ({score_path})",
        )
    soprano = _soprano(score, stats)
    measures = list(soprano.getElementsByClass(stream.Measure))
    if not measures:
        raise _Skip("the soprano has no measures", score_path)
    notes = [
        Note(max(p.midi for p in element.pitches), float(element.offset),
             float(element.quarterLength))
        for element in soprano.stripTies().flatten().notes
    ]
    melody = Melody(
        tuple(skyline(notes)), _chorale_meter(soprano, measures), f"{score_path} soprano"
    )
    placed = _place_numerals(analysis, measures, score_end, stats)
    if not placed:
        raise _Skip("analysis has no Roman numerals")
    starts = []
    local_keys = []
    for onset, numeral in placed:
        chord = _numeral_chord(numeral, stats)
        if chord is None:
            stats.events["unknown numeral (the previous chord goes on)"] += 1
            continue
        starts.append(_ChordStart(onset, *chord, numeral.figure))
        local_keys.append(_key_of(numeral.key))
    if not starts:
        raise _Skip("no numeral names a chord we know")
    shift = _analysis_transposition(melody, starts)
    if shift:
        # Riemenschneider (the analysis) and music21's score sometimes print a
        # chorale in different keys; the chords follow the score's melody.
        stats.events["chorales whose analysis is transposed to the score's key"] += 1
        starts = [
            start._replace(root=(start.root + shift) % 12 if start.root is not None else None,
                           bass=None if start.bass is None else (start.bass + shift) % 12)
            for start in starts
        ]
        local_keys = [Key.from_tonic(k.tonic + shift, k.mode) for k in local_keys]
    starts = [
        start._replace(text=f"{_key_label(local_key)}: {start.text}")
        for start, local_key in zip(starts, local_keys, strict=True)
    ]
    return HarmonizedSong(
        song_id, "bach", melody, local_keys[0], _chords_until(starts, score_end, stats),
        key_signature=_score_key_signature(soprano),
    )


def _score_key_signature(part: Any) -> Key | None:
    """The first key signature a music21 part writes, as the major key it stands for."""
    signatures = list(part.flatten().getElementsByClass("KeySignature"))
    if not signatures:
        return None
    return Key.from_tonic(7 * int(signatures[0].sharps), "major")


def _soprano(score: Any, stats: LoadStats) -> Any:
    """The part named Soprano (some scores list trumpets or violins first), else the first."""
    for part in score.parts:
        if "soprano" in (part.partName or "").lower():
            return part
    stats.events["chorales without a part named Soprano (first part used)"] += 1
    return score.parts[0]


def _place_numerals(
    analysis: Any, measures: list[Any], score_end: float, stats: LoadStats
) -> list[tuple[float, Any]]:
    """(score onset, Roman numeral) of each chord of the analysis, in order.

    Each numeral is placed by its measure and its position in that measure;
    the copies music21 makes of a numeral held over a bar line are left out.
    """
    from music21 import roman, stream

    analysis_measures = list(analysis.parts[0].getElementsByClass(stream.Measure))
    score_bars = _bar_for_each_measure(_score_bars(measures), analysis_measures, stats)
    placed: list[tuple[float, Any]] = []
    for index, (measure, bar) in enumerate(zip(analysis_measures, score_bars, strict=True)):
        measure_start = _measure_start(measure, is_first=index == 0)
        is_last = index == len(score_bars) - 1
        for numeral in measure.getElementsByClass(roman.RomanNumeral):
            if numeral.tie is not None and numeral.tie.type in ("stop", "continue"):
                continue
            onset = _score_onset(bar, measure_start + float(numeral.offset), is_last, score_end)
            if onset is None:
                raise _Skip(
                    "a numeral does not fit the score's bars",
                    f"measure {measure.number} offset {float(numeral.offset):g} ({numeral.figure})",
                )
            if onset >= score_end - _EPS:
                stats.events["numeral at or after the end of the score (dropped)"] += 1
                continue
            if placed and onset < placed[-1][0] - _EPS:
                raise _Skip("numerals out of order after alignment", f"measure {measure.number}")
            if placed and abs(placed[-1][0] - onset) <= _EPS:
                stats.events["two numerals at one onset (the later kept)"] += 1
                placed.pop()
            placed.append((onset, numeral))
    return placed


def _key_label(key: Key) -> str:
    """RomanText's way: upper case for major, lower case for minor ("G", "f#")."""
    return key.tonic_name if key.mode == "major" else key.tonic_name.lower()


#: The fit (share of soprano time on chord tones) a transposition must gain.
MIN_TRANSPOSITION_GAIN = 0.25


def _chord_tone_fit(melody: Melody, starts: list[_ChordStart], shift: int) -> float:
    onsets = [start.onset for start in starts]
    total = hits = 0.0
    for note in melody.notes:
        index = bisect.bisect_right(onsets, note.onset + _EPS) - 1
        start = starts[index] if index >= 0 else None
        if start is None or start.root is None:
            continue
        tones = {(start.root + shift + i) % 12 for i in QUALITIES[start.quality]}
        total += note.duration
        hits += note.duration * (note.pitch % 12 in tones)
    return hits / total if total else 0.0


def _analysis_transposition(melody: Melody, starts: list[_ChordStart]) -> int:
    """Semitones to move the analysis by so its chords fit the melody (usually 0)."""
    fits = [_chord_tone_fit(melody, starts, shift) for shift in range(12)]
    best = max(range(12), key=fits.__getitem__)
    return best if fits[best] - fits[0] >= MIN_TRANSPOSITION_GAIN else 0


def _bar_length(measure: Any) -> float:
    signature = measure.getContextByClass("TimeSignature")
    return float(signature.barDuration.quarterLength) if signature is not None else 4.0


def _measure_start(measure: Any, is_first: bool) -> float:
    """Where ``measure`` starts within a notional full bar: non-zero only for a pickup.

    Later measures start at 0 whatever their padding says: some scores pad a
    final bar on the left, which would push its numerals out of it.
    """
    if not is_first:
        return 0.0
    padding = float(measure.paddingLeft or 0.0)
    if padding > _EPS:
        return padding
    length = float(measure.duration.quarterLength)
    bar = _bar_length(measure)
    if length < bar - _EPS:  # a pickup written without padding
        return bar - length
    return 0.0


# One notional bar of a score: (measure number, pieces (score offset, start in bar, length)).
_Bar = tuple[int, list[tuple[float, float, float]]]


def _score_bars(measures: list[Any]) -> list[_Bar]:
    """The score's bars, each made of the measures that share it.

    Scores split a bar at a repeat or fermata into "7" + "7a" (or "10" + "11"
    with paddings); the analysis counts such a pair as one measure.
    """
    bars: list[_Bar] = []
    for index, measure in enumerate(measures):
        length = float(measure.duration.quarterLength)
        padding = float(measure.paddingLeft or 0.0)
        if bars:
            _, pieces = bars[-1]
            reached = pieces[-1][1] + pieces[-1][2]
            incomplete = reached < _bar_length(measures[index - 1]) - _EPS
            if incomplete and (measure.numberSuffix or abs(padding - reached) <= _EPS):
                pieces.append((float(measure.offset), reached, length))
                continue
        start = _measure_start(measure, is_first=index == 0)
        bars.append((int(measure.number), [(float(measure.offset), start, length)]))
    return bars


def _bar_for_each_measure(
    score_bars: list[_Bar], analysis_measures: list[Any], stats: LoadStats
) -> list[_Bar]:
    """The score bar of each analysis measure: by measure number, else by bar order."""
    by_number: dict[int, _Bar] = {}
    duplicated = False
    for bar in score_bars:
        duplicated = duplicated or bar[0] in by_number
        by_number[bar[0]] = bar
    numbers = [int(m.number) for m in analysis_measures]
    if not duplicated and all(n in by_number for n in numbers):
        return [by_number[n] for n in numbers]
    # The score numbers some bars twice (volta endings) or from 1 at its pickup:
    # fall back on bar order, but only if every bar but the last has the same length.
    if len(score_bars) != len(analysis_measures):
        raise _Skip(
            "measure numbers and bar counts differ",
            f"score {len(score_bars)} bars, analysis {len(analysis_measures)}",
        )
    for index, (bar, measure) in enumerate(zip(score_bars[:-1], analysis_measures[:-1], strict=True)):
        score_length = sum(piece[2] for piece in bar[1])
        if abs(score_length - float(measure.duration.quarterLength)) > _EPS:
            raise _Skip(
                "measure numbers and bar lengths differ",
                f"bar {index} lasts {score_length:g} beats in the score,"
                f" {float(measure.duration.quarterLength):g} in the analysis",
            )
    stats.events["chorales aligned by bar order (score measure numbers unusable)"] += 1
    return score_bars


def _score_onset(bar: _Bar, position: float, is_last: bool, score_end: float) -> float | None:
    """Score offset of ``position`` (beats from the notional start of ``bar``), or None."""
    pieces = bar[1]
    for offset, start, length in pieces:
        if start - _EPS <= position < start + length - _EPS:
            return offset + position - start
    if is_last and position >= pieces[-1][1] + pieces[-1][2] - _EPS:
        return score_end  # the analysis's final bar is longer than the score's
    return None


def _chorale_meter(soprano: Any, measures: list[Any]) -> Meter:
    signatures: list[TimeSignature] = []
    for signature in soprano.flatten().getElementsByClass("TimeSignature"):
        onset = float(signature.offset)
        entry = TimeSignature(onset, int(signature.numerator), int(signature.denominator))
        if signatures and abs(signatures[-1].onset - onset) <= _EPS:
            signatures[-1] = entry
        elif not signatures or (signatures[-1].numerator, signatures[-1].denominator) != (
            entry.numerator, entry.denominator
        ):
            signatures.append(entry)
    first = measures[0]
    first_length = float(first.duration.quarterLength)
    pickup = first_length if first_length < _bar_length(first) - _EPS else 0.0
    return Meter(tuple(signatures) or (TimeSignature(0.0, 4, 4),), pickup)


def _key_of(music21_key: Any) -> Key:
    mode: Mode = "minor" if music21_key.mode == "minor" else "major"
    tonic = music21_key.tonic
    return Key(tonic.pitchClass, mode, tonic.name.replace("-", "b"))


_COMMON_NAME_QUALITIES = (
    ("half-diminished seventh", "hdim7"),
    ("diminished seventh", "dim7"),
    ("dominant seventh", "dom7"),
    ("dominant", "dom7"),  # dominant-ninth: reduced to its seventh, as lead sheets do
    ("major seventh", "maj7"),
    ("minor seventh", "min7"),
    ("augmented sixth", "dom7"),  # Ger/It/Fr: sound and resolve like a dominant on b6
)
_TRIAD_QUALITIES = {
    "major": "maj",
    "minor": "min",
    "diminished": "dim",
    "augmented": "aug",
    "half-diminished": "hdim7",
}


def _numeral_chord(numeral: Any, stats: LoadStats) -> tuple[int, str, int | None] | None:
    """(root, quality, bass) of a Roman numeral from its pitches, else from its name.

    ``None`` (counted as an unknown label) when neither names a known quality.
    """
    root = numeral.root().pitchClass
    bass = numeral.bass().pitchClass
    bass_or_none = None if bass == root else bass
    pitch_classes = {p.pitchClass for p in numeral.pitches}
    reading = quality_from_pitch_classes(pitch_classes, root)
    text = numeral.figure
    if reading is not None and reading[0] == root:
        stats.labels.add(text, True)
        return root, reading[1], bass_or_none
    common_name = numeral.commonName.lower()
    quality = next((q for name, q in _COMMON_NAME_QUALITIES if name in common_name), None)
    if quality is not None and "augmented sixth" in common_name:
        root, bass_or_none = bass, None
    elif quality is None:
        quality = _TRIAD_QUALITIES.get(numeral.quality)
    if quality is None:
        stats.labels.add(text, False)
        return None
    stats.labels.add(text, True)
    stats.events[f"quality from the numeral's name, not its pitches: {text}"] += 1
    return root, quality, bass_or_none


# ---------------------------------------------------------------------------
# Nottingham (jukedeck cleaned ABC)
# ---------------------------------------------------------------------------


def load_nottingham(
    nottingham_dir: str | Path, limit: int | None = None, stats: LoadStats | None = None
) -> Iterator[HarmonizedSong]:
    """Yield the tunes of the Nottingham Music Database with their chord symbols.

    ``nottingham_dir`` is the folder holding ``ABC_cleaned/*.abc``, or one
    ``.abc`` file.  See :func:`read_abc` for how tunes are read.  Raises
    :class:`InputError` if there are no ABC files at the path.
    """
    _check_limit(limit)
    root = Path(nottingham_dir)
    files = [root] if root.is_file() else sorted((root / "ABC_cleaned").glob("*.abc"))
    if not files:
        raise InputError(f"No ABC files at {root}: expected ABC_cleaned/*.abc inside it.")
    stats = stats if stats is not None else LoadStats()
    stats.corpus = stats.corpus or "nottingham"
    songs = (
        song
        for path in files
        for song in read_abc(path.read_text(encoding="latin-1"), path.name, stats)
    )
    return _limited(songs, limit, stats)


def read_abc(
    text: str, name: str = "<abc>", stats: LoadStats | None = None, corpus: str = "nottingham"
) -> Iterator[HarmonizedSong]:
    """Yield the tunes of ABC ``text`` (the subset of ABC 2.1 folk collections use).

    Song ids are ``"{corpus}/{name}#{X} {title}"``.  Repeats are not expanded:
    melody and chords follow the notated order.  Ties are merged; chords in
    brackets ``[ceg]`` reduce to their top note.  The key is the tune's first
    ``K:`` field, modes read as major or minor on the same tonic (dorian,
    phrygian, aeolian, locrian: minor).  Of two chord symbols on one note the
    first is used, as in the Nottingham dataset's own MIDI files; chords start
    at the first chord symbol.  Tunes without chords, notes or a readable key
    are skipped and counted in ``stats``, with the reason.
    """
    stats = stats if stats is not None else LoadStats()
    for number, title, lines in _split_tunes(text):
        song_id = f"{corpus}/{name}#{number} {title}".rstrip()
        try:
            yield _read_tune(song_id, lines, stats, corpus)
        except _Skip as skip:
            stats.skip(song_id, skip.reason, skip.detail)


def _split_tunes(text: str) -> Iterator[tuple[str, str, list[str]]]:
    """(X number, first title, lines) of each tune in an ABC file."""
    number = ""
    title = ""
    lines: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("X:"):
            if lines is not None:
                yield number, title, lines
            number, title, lines = line[2:].strip(), "", []
            continue
        if lines is None:
            continue  # file header before the first tune
        if line.startswith("T:") and not title:
            title = line[2:].strip()
        lines.append(line)
    if lines is not None:
        yield number, title, lines


_MODE_FIFTHS = {"": 0, "maj": 0, "ion": 0, "mix": -1, "dor": -2, "m": -3, "min": -3,
                "aeo": -3, "phr": -4, "loc": -5, "lyd": 1}
_MINOR_MODES = frozenset({"m", "min", "aeo", "dor", "phr", "loc"})
_LETTER_FIFTHS = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_KEY_FIELD_RE = re.compile(r"\s*([A-G])([#b]?)\s*([A-Za-z]*)")


def _parse_key_field(text: str) -> tuple[Key, dict[str, int]] | None:
    """The key of a ``K:`` field and its signature (letter -> alteration), or None."""
    match = _KEY_FIELD_RE.match(text)
    if match is None:
        return None
    letter, accidental, mode_text = match.groups()
    mode_text = mode_text.lower()
    mode_key = "m" if mode_text == "m" else mode_text[:3]
    if mode_key not in _MODE_FIFTHS:
        return None
    alteration = {"#": 1, "b": -1, "": 0}[accidental]
    fifths = _LETTER_FIFTHS[letter] + 7 * alteration + _MODE_FIFTHS[mode_key]
    signature = {letter_: 0 for letter_ in "CDEFGAB"}
    for letter_ in "FCGDAEB"[:max(fifths, 0)]:
        signature[letter_] += 1
    for letter_ in "BEADGCF"[:max(-fifths, 0)]:
        signature[letter_] -= 1
    mode: Mode = "minor" if mode_key in _MINOR_MODES else "major"
    key = Key((_LETTER_PC[letter] + alteration) % 12, mode, letter + accidental)
    return key, signature


def _parse_fraction(text: str) -> Fraction | None:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match is None or int(match.group(2)) == 0:
        return None
    return Fraction(int(match.group(1)), int(match.group(2)))


def _parse_meter(text: str) -> tuple[int, int] | None:
    text = text.strip()
    if text == "C":
        return 4, 4
    if text == "C|":
        return 2, 2
    value = re.fullmatch(r"(\d+)\s*/\s*(\d+)", text)
    return (int(value.group(1)), int(value.group(2))) if value else None


_NOTE_RE = re.compile(r"(\^\^|\^|__|_|=)?([A-Ga-g])([',]*)(\d*)(/*)(\d*)")
_REST_RE = re.compile(r"([zx])(\d*)(/*)(\d*)")
_BAR_RE = re.compile(r"\[?(?:\|\]|\|\||\|:|:\||::|\||:)+\]?(?:\s*\d+(?:[,-]\d+)*)?")
_ENDING_RE = re.compile(r"\[\d+(?:[,-]\d+)*")
_TUPLET_RE = re.compile(r"\((\d)(?::(\d)?)?(?::(\d))?")
_INLINE_FIELD_RE = re.compile(r"\[([A-Za-z]):([^\]]*)\]")
# A field line; A-G and z are left out in a tune body, where "A:|" is music.
_FIELD_LINE_RE = re.compile(r"([A-Za-z]):(.*)")
_BODY_FIELD_RE = re.compile(r"([H-Zhi-y]):(?![|:])(.*)")
_LENGTH_RE = re.compile(r"(\d*)(/*)(\d*)")


def _length(digits: str, slashes: str, denominator: str) -> Fraction:
    numerator = int(digits) if digits else 1
    if denominator:
        return Fraction(numerator, int(denominator))
    return Fraction(numerator, 2 ** len(slashes))


@dataclass
class _AbcState:
    """The reader's position in one tune; times are Fractions of a quarter note."""

    unit: Fraction  # default note length, in quarter notes
    signature: dict[str, int]
    time: Fraction = Fraction(0)
    bar_accidentals: dict[tuple[str, int], int] = field(default_factory=dict)
    notes: list[list[Any]] = field(default_factory=list)  # [pitch, onset, duration, letter, octave]
    chords: list[tuple[Fraction, str]] = field(default_factory=list)
    chord_pending: bool = False  # a chord symbol is waiting for its note
    barlines: list[Fraction] = field(default_factory=list)
    meters: list[tuple[Fraction, int, int]] = field(default_factory=list)
    tied: list[int] = field(default_factory=list)  # notes followed by "-", waiting
    tuplet_left: int = 0
    tuplet_ratio: Fraction = Fraction(1)
    broken_next: Fraction = Fraction(1)
    chord_start: Fraction | None = None  # inside a [ceg] chord: where it starts
    chord_length: Fraction | None = None  # the chord's length: its first note's
    chord_first_note: int = 0  # index in ``notes`` of the chord's first note


def _read_tune(song_id: str, lines: list[str], stats: LoadStats, corpus: str) -> HarmonizedSong:
    header: dict[str, str] = {}
    body_start = None
    for index, line in enumerate(lines):
        match = _FIELD_LINE_RE.match(line)
        if match and match.group(1) not in header:
            header[match.group(1)] = match.group(2).strip()
        if line.startswith("K:"):
            body_start = index + 1
            break
    if body_start is None:
        raise _Skip("no K: field")
    parsed_key = _parse_key_field(header["K"])
    if parsed_key is None:
        raise _Skip("unreadable K: field", repr(header["K"]))
    key, signature = parsed_key
    meter = _parse_meter(header.get("M", "")) or (4, 4)
    unit = _parse_fraction(header["L"]) if "L" in header else None
    if unit is None:
        unit = Fraction(1, 16) if meter[0] / meter[1] < 0.75 else Fraction(1, 8)
    state = _AbcState(unit=unit * 4, signature=signature, meters=[(Fraction(0), *meter)])
    for line in lines[body_start:]:
        field_match = _BODY_FIELD_RE.match(line)
        if field_match:
            _apply_field(state, field_match.group(1), field_match.group(2), stats)
            continue
        _read_music_line(state, line.split("%", 1)[0], stats)
    if not state.notes:
        raise _Skip("no notes")
    if not state.chords:
        raise _Skip("no chord symbols")
    return _tune_to_song(song_id, corpus, key, state, stats)


def _apply_field(state: _AbcState, name: str, value: str, stats: LoadStats) -> None:
    value = value.split("%", 1)[0].strip()
    if name == "K":
        parsed = _parse_key_field(value)
        if parsed is None:
            stats.events[f"unreadable K: field in a tune body ignored: {value}"] += 1
        else:
            state.signature = parsed[1]
    elif name == "M":
        meter = _parse_meter(value)
        if meter is not None:
            if state.meters and state.meters[-1][0] == state.time:
                state.meters.pop()
            state.meters.append((state.time, *meter))
    elif name == "L":
        unit = _parse_fraction(value)
        if unit is not None:
            state.unit = unit * 4


def _read_music_line(state: _AbcState, line: str, stats: LoadStats) -> None:
    """Read one line of tune body: notes, rests, bar lines, chord symbols, tuplets, ties."""
    position = 0
    while position < len(line):
        char = line[position]
        rest = line[position:]
        if char in " \t\\`$y)~.HLMOPSTuv":  # spacing, slur ends, decorations
            position += 1
        elif char == '"':
            end = line.find('"', position + 1)
            if end < 0:
                stats.events["unclosed chord symbol quote (rest of line ignored)"] += 1
                break
            _add_chord_symbol(state, line[position + 1:end], stats)
            position = end + 1
        elif char in "!+{":  # !trill!, +trill+ decorations; {grace notes} take no time
            end = line.find("}" if char == "{" else char, position + 1)
            position = len(line) if end < 0 else end + 1
        elif char == "(":
            position += _read_tuplet(state, rest, stats)
        elif char == "-":
            if state.notes:
                state.tied.append(len(state.notes) - 1)
            position += 1
        elif char in "<>":
            position += _read_broken_rhythm(state, rest)
        elif char == "[" and (match := _INLINE_FIELD_RE.match(rest)):
            _apply_field(state, match.group(1), match.group(2), stats)
            position += match.end()
        elif char == "[" and (match := _ENDING_RE.match(rest)):
            position += match.end()
        elif char == "[" and not rest.startswith("[|"):
            _close_chord(state, Fraction(1), stats, "a [ inside a chord bracket")
            state.chord_start, state.chord_length = state.time, None
            state.chord_first_note = len(state.notes)
            position += 1
        elif char == "]" and state.chord_start is not None:
            match = _LENGTH_RE.match(rest, 1)
            assert match is not None  # the pattern matches the empty string
            _close_chord(state, _length(*match.groups()) if match.group() else Fraction(1), stats)
            position += match.end()
        elif char in "|:[]" and (match := _BAR_RE.match(rest)):
            _close_chord(state, Fraction(1), stats, "a bar line inside a chord bracket")
            state.barlines.append(state.time)
            state.bar_accidentals.clear()
            position += match.end()
        elif match := _NOTE_RE.match(rest):
            length = _note(state, match, stats)
            if state.chord_start is not None:  # notes of a [ceg] chord start together
                state.time = state.chord_start
                if state.chord_length is None:
                    state.chord_length = length
            position += match.end()
        elif match := _REST_RE.match(rest):
            state.time += _scaled(state, _length(*match.groups()[1:]))
            state.chord_pending = False
            position += match.end()
        else:
            stats.events[f"unexpected character {char!r} in ABC (ignored)"] += 1
            position += 1
    _close_chord(state, Fraction(1), stats, "a line ending inside a chord bracket")


def _close_chord(
    state: _AbcState, multiplier: Fraction, stats: LoadStats, unclosed: str = ""
) -> None:
    """End a [ceg] chord: time moves on by its first note's length."""
    if state.chord_start is None:
        return
    if unclosed:  # "[e2c2(3A/2B/2c/2|" in the data: a bracket never closed
        stats.events[f"chord bracket closed by {unclosed}"] += 1
    state.time = state.chord_start + (state.chord_length or Fraction(0)) * multiplier
    for note in state.notes[state.chord_first_note:]:  # "[DF]2": each note twice as long
        note[2] *= multiplier
    state.chord_start, state.chord_length = None, None


def _read_tuplet(state: _AbcState, text: str, stats: LoadStats) -> int:
    """Start a tuplet "(3" or "(p:q:r"; a bare "(" is a slur.  Returns characters read."""
    match = _TUPLET_RE.match(text)
    if match is None:
        return 1
    _close_chord(state, Fraction(1), stats, "a tuplet inside a chord bracket")
    notes = int(match.group(1))
    # ABC 2.1: (2 (4 (8 take the time of 3; the others of 2 (compound time aside).
    in_time_of = int(match.group(2)) if match.group(2) else (3 if notes in (2, 4, 8) else 2)
    state.tuplet_left = int(match.group(3)) if match.group(3) else notes
    state.tuplet_ratio = Fraction(in_time_of, notes)
    return match.end()


def _read_broken_rhythm(state: _AbcState, text: str) -> int:
    """a>b: a dotted, b halved; a<b the reverse; >> and << double it."""
    count = len(text) - len(text.lstrip(text[0]))
    short = Fraction(1, 2 ** count)
    first, second = (2 - short, short) if text[0] == ">" else (short, 2 - short)
    if state.notes:
        last = state.notes[-1]
        state.time += last[2] * (first - 1)
        last[2] *= first
        state.broken_next = second
    return count


def _scaled(state: _AbcState, length: Fraction) -> Fraction:
    """Length in quarter notes of a note of ``length`` units, after tuplets and > <."""
    duration = length * state.unit * state.broken_next
    state.broken_next = Fraction(1)
    if state.tuplet_left > 0:
        duration *= state.tuplet_ratio
        state.tuplet_left -= 1
    return duration


def _note(state: _AbcState, match: re.Match[str], stats: LoadStats) -> Fraction:
    accidental, letter, octave_marks, digits, slashes, denominator = match.groups()
    octave = (1 if letter.islower() else 0) + octave_marks.count("'") - octave_marks.count(",")
    upper = letter.upper()
    bar_key = (upper, octave)
    if accidental:
        alteration = {"^^": 2, "^": 1, "=": 0, "_": -1, "__": -2}[accidental]
        state.bar_accidentals[bar_key] = alteration
    else:
        alteration = state.bar_accidentals.get(bar_key, state.signature[upper])
    pitch = 60 + 12 * octave + _LETTER_PC[upper] + alteration
    duration = _scaled(state, _length(digits, slashes, denominator))
    onset = state.time
    if state.tied:
        # A tie joins this note to the tied one of the same letter and octave that
        # ends here (in [f3-A3-][f2A2] each note finds its own); the first pitch holds.
        waiting = [i for i in state.tied if state.notes[i][1] + state.notes[i][2] >= onset]
        stats.events["tie between different notes ignored"] += len(state.tied) - len(waiting)
        state.tied = waiting
        for index in waiting:
            tied = state.notes[index]
            if (tied[3], tied[4]) == (upper, octave) and tied[1] + tied[2] == onset:
                tied[2] += duration
                state.tied.remove(index)
                state.time += duration
                return duration
    state.chord_pending = False
    state.notes.append([pitch, onset, duration, upper, octave])
    state.time += duration
    return duration


def _add_chord_symbol(state: _AbcState, text: str, stats: LoadStats) -> None:
    label = text.strip()
    if not label:
        stats.events["empty chord symbol ignored"] += 1
        return
    if label[0] in "^_<>@":
        stats.events["ABC annotation (not a chord) ignored"] += 1
        return
    if state.chord_pending:
        # "E7""G": the jukedeck MIDI plays the first of two stacked chords.
        stats.events["second of two chord symbols on one note ignored"] += 1
        return
    state.chords.append((state.time, label))
    state.chord_pending = True


def _tune_to_song(
    song_id: str, corpus: str, key: Key, state: _AbcState, stats: LoadStats
) -> HarmonizedSong:
    end = state.time
    notes = [Note(pitch, float(onset), float(duration)) for pitch, onset, duration, *_ in
             state.notes]
    meter = _abc_meter(state, end, stats)
    melody = Melody(tuple(skyline(notes)), meter, song_id)

    starts: list[_ChordStart] = []
    for onset, text in state.chords:
        parsed = stats.labels.parse(text)
        if parsed is None:
            stats.events["unknown or no-chord label (the previous chord goes on)"] += 1
            continue
        root, quality, bass = parsed
        if starts and abs(starts[-1][0] - float(onset)) <= _EPS:
            starts.pop()
        starts.append(_ChordStart(float(onset), root, quality, bass, text))
    if not starts:
        raise _Skip("no chord symbol we can read")
    # An ABC tune's K: field is its key signature (and names its mode).
    return HarmonizedSong(song_id, corpus, melody, key, _chords_until(starts, float(end), stats),
                          key_signature=key)


def _abc_meter(state: _AbcState, end: Fraction, stats: LoadStats) -> Meter:
    """Time signatures, pickup and re-anchoring so the meter's bars follow the notated ones.

    Where a notated bar is short (the end of a part before the next part's
    pickup, say) and the bar line after it is off the metre grid too, the same
    time signature is restated at that bar line: :meth:`Meter.bars` then starts
    a new bar there instead of drifting for the rest of the tune.
    """
    barlines = sorted({b for b in state.barlines if 0 < b < end})
    meters = list(state.meters)
    first_bar = Fraction(4 * meters[0][1], meters[0][2])
    pickup = barlines[0] if barlines and barlines[0] < first_bar else Fraction(0)
    signatures = [(t, n, d) for t, n, d in meters]
    anchor, bar = pickup, first_bar
    meter_index = 1
    restated = 0
    for index, barline in enumerate(barlines):
        while meter_index < len(meters) and meters[meter_index][0] <= barline:
            anchor = meters[meter_index][0]
            bar = Fraction(4 * meters[meter_index][1], meters[meter_index][2])
            meter_index += 1
        if barline <= pickup or (barline - anchor) % bar == 0:
            continue
        following = barlines[index + 1] if index + 1 < len(barlines) else None
        if following is not None and (following - anchor) % bar == 0:
            continue  # a bar split in two (at a repeat), the grid goes on
        numerator, denominator = next(
            (n, d) for t, n, d in reversed(meters) if t <= barline
        )
        signatures.append((barline, numerator, denominator))
        anchor = barline
        restated += 1
    if restated:
        stats.events["tunes whose bar lines leave the metre grid (time signature restated)"] += 1
    signatures.sort(key=lambda entry: entry[0])
    return Meter(
        tuple(TimeSignature(float(t), n, d) for t, n, d in signatures), float(pickup)
    )


# ---------------------------------------------------------------------------

#: Loader of each corpus name.
CORPORA: dict[str, Callable[..., Iterator[HarmonizedSong]]] = {
    "bach": load_bach_chorales,
    "nottingham": load_nottingham,
}


# --- Corpora with loaders in their own modules (pop909, openewld, wjd) -----------------------
# Those modules import this one, so each is imported when its loader is first called.


def _loader_in(module: str, function: str) -> Callable[..., Iterator[HarmonizedSong]]:
    def load(
        path: str | Path, limit: int | None = None, stats: LoadStats | None = None
    ) -> Iterator[HarmonizedSong]:
        import importlib

        loader = getattr(importlib.import_module(f"{__package__}.{module}"), function)
        return loader(path, limit=limit, stats=stats)

    load.__name__ = function
    load.__doc__ = f"See :func:`harmonizer.training.{module}.{function}`."
    return load


CORPORA.update({
    "pop909": _loader_in("pop909", "load_pop909"),  # pop
    "openewld": _loader_in("openewld", "load_openewld"),  # pop, jazz and blues standards
    "openewld-jazz": _loader_in("openewld", "load_openewld_jazz"),  # jazz (needs OpenEWLD.db)
    "openewld-pop": _loader_in("openewld", "load_openewld_pop"),  # pop (needs OpenEWLD.db)
    "openewld-blues": _loader_in("openewld", "load_openewld_blues"),  # blues
    "wjd": _loader_in("wjd", "load_wjd"),  # jazz (improvised solos)
    "wjd-blues": _loader_in("wjd", "load_wjd_blues"),  # blues (solos over blues changes)
})


def corpus_pairs(specs: Sequence[str], fail: Callable[[str], object]) -> list[tuple[str, str]]:
    """``NAME=PATH`` command-line values as ``(name, path)`` pairs; ``fail`` (an argparse
    parser's ``error``) is called with the message for a value that is not NAME=PATH."""
    pairs = []
    for spec in specs:
        name, _, path = spec.partition("=")
        if not name or not path:
            fail(f"corpora are given as NAME=PATH, e.g. nottingham=../shared/data/nottingham. Got {spec!r}.")
        pairs.append((name, path))
    return pairs


def load_corpus(
    name: str, path: str | Path, limit: int | None = None, stats: LoadStats | None = None
) -> Iterator[HarmonizedSong]:
    """Yield the songs of corpus ``name`` (one of :data:`CORPORA`) found at ``path``."""
    if name not in CORPORA:
        raise OptionError(
            f"The 'name' parameter of load_corpus must be one of {sorted(CORPORA)}. Got {name!r}."
        )
    return CORPORA[name](path, limit=limit, stats=stats)
