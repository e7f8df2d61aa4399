"""OpenEWLD (public-domain Wikifonia lead sheets) read into melodies with their chords.

``dataset/<authors>/<title>/<title>.mxl`` holds one lead sheet: one part, the
melody, with MusicXML ``<harmony>`` chord symbols.  ``OpenEWLD.db`` (SQLite,
upstream) gives each work its discogs genres and styles (tables ``works``,
``work_genres``, ``work_style``, joined on ``works.id``; ``works.path_leadsheet``
names the ``.mxl``).

How a lead sheet is read, and why:

- **Melody**: the score's part as :func:`harmonizer.musicxml_in.read_score`
  reads it (concert pitch, ties merged, grace notes out, one line), with its
  metre and pickup.
- **Chords**: the part's music21 ``ChordSymbol``\\ s at their offsets, which are
  in the same beats as the notes (the first beat of a pickup bar is 0).  The
  MusicXML ``kind`` names the quality; extensions reduce to their seventh
  chord (dominant-ninth -> dom7, major-13th -> maj7), an augmented seventh to
  dom7, a 6/9 to maj6, as :func:`~harmonizer.training.labels.parse_chord_symbol`
  does for written symbols; a suspended fourth with an added seventh (``7sus``,
  ``9sus``) is dom7sus4, a minor seventh with a flat fifth hdim7.  Power
  chords, empty kinds and contradictory ones (minor with a sharp fifth) are
  unknown labels; unknown labels and ``N.C.`` are no-chords (``root=None``).
  Symbols stacked on one note (Wikifonia's "Eb Ab7" before a whole note) share
  its time on whole beats (:func:`_spread`).  Chords are clipped to the
  melody: from the bar of its first note to its end.
- **Key**: the written key signature is sometimes missing or wrong (upstream
  README: "The Bells of St. Mary's" shows C major over F, Bb and C7 chords).
  It is kept when the last chord confirms it: a major chord on its major
  tonic, or a minor chord on its relative minor's (the key is then that
  minor), which holds for 383 of the 452 lead sheets.  Otherwise the key is
  estimated from the melody and the chords together
  (:func:`~harmonizer.training.song_keys.estimate_key_with_chords`, the
  signature adding a small bonus): on the 383 confirmed sheets that estimate
  finds the same key for 92 % (the melody alone: 79 %).  Each case is counted
  in ``stats.events``.
- **Genres**: with ``genres`` the lead sheets are chosen by their work's
  discogs genres in ``OpenEWLD.db`` (any of the work's genres matching);
  :func:`load_openewld_blues` chooses works whose genre, style or title says
  "Blues".  Lead sheets the database does not know are skipped and counted.
  (The shared data copy has no ``OpenEWLD.db``: there the Jazz and pop subsets
  raise :class:`InputError` and the blues subset goes by title alone.)
"""

from __future__ import annotations

import sqlite3
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..chords import ChordLabel
from ..errors import InputError
from ..melody import Meter
from ..musicxml_in import read_score
from ..theory import Key
from .chord_spans import bar_start, clip_chords
from .corpora import HarmonizedSong, LoadStats, _check_limit, _chords_until, _ChordStart, _limited, _Skip
from .labels import ParsedChord
from .song_keys import estimate_key_with_chords, same_key_signature

__all__ = [
    "DATABASE_NAMES",
    "JAZZ_GENRES",
    "POP_GENRES",
    "WorkInfo",
    "chord_symbol_quality",
    "load_openewld",
    "load_openewld_blues",
    "load_openewld_jazz",
    "load_openewld_pop",
    "read_works",
]

_EPS = 1e-6
#: Where the metadata database may be, relative to the corpus folder.
DATABASE_NAMES = ("OpenEWLD.db", "EWLD.db")
#: discogs genres of each style's subset.
JAZZ_GENRES = frozenset({"Jazz"})
POP_GENRES = frozenset({"Pop", "Rock", "Stage & Screen", "Folk, World, & Country"})

#: MusicXML ``kind`` -> our quality; extensions reduced to their seventh chord.
_KIND_QUALITIES = {
    "major": "maj", "minor": "min", "augmented": "aug", "diminished": "dim",
    "dominant": "dom7", "dominant-seventh": "dom7", "major-seventh": "maj7",
    "minor-seventh": "min7", "diminished-seventh": "dim7", "augmented-seventh": "dom7",
    "half-diminished": "hdim7", "half-diminished-seventh": "hdim7",
    "major-minor": "minmaj7", "minor-major": "minmaj7", "minor-major-seventh": "minmaj7",
    "major-sixth": "maj6", "minor-sixth": "min6", "maj69": "maj6", "6/9": "maj6",
    "dominant-ninth": "dom7", "dominant-11th": "dom7", "dominant-13th": "dom7",
    "augmented-ninth": "dom7",
    "major-ninth": "maj7", "major-11th": "maj7", "major-13th": "maj7",
    "minor-ninth": "min7", "minor-11th": "min7", "minor-13th": "min7",
    "suspended-second": "sus2", "suspended-fourth": "sus4",
    # music21's own kinds (a ChordSymbol built from a figure such as "C7sus4")
    "suspended-fourth-seventh": "dom7sus4", "seventh-flat-five": "dom7",
    "augmented-major-seventh": "maj7", "augmented-major-ninth": "maj7",
    "augmented-major-11th": "maj7", "augmented-major-13th": "maj7",
    "augmented-dominant-ninth": "dom7", "augmented-11th": "dom7", "augmented-dominant-13th": "dom7",
    "minor-major-ninth": "minmaj7", "minor-major-11th": "minmaj7", "minor-major-13th": "minmaj7",
    "half-diminished-ninth": "hdim7", "half-diminished-minor-ninth": "hdim7",
    "half-diminished-11th": "hdim7", "half-diminished-13th": "hdim7",
    "diminished-ninth": "dim7", "diminished-minor-ninth": "dim7", "diminished-11th": "dim7",
}
_MINOR_QUALITIES = frozenset({"min", "min7", "min6", "minmaj7"})
_DIMINISHED_QUALITIES = frozenset({"dim", "hdim7", "dim7"})
_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")


@dataclass(frozen=True)
class WorkInfo:
    """A work of ``OpenEWLD.db``: title, discogs genres and styles."""

    work_id: int
    title: str
    genres: frozenset[str] = field(default_factory=frozenset)
    styles: frozenset[str] = field(default_factory=frozenset)


def read_works(database: str | Path) -> dict[tuple[str, ...], WorkInfo]:
    """The works of an OpenEWLD database, keyed by the last three parts of their lead
    sheet's path (``authors/title/title.mxl``, Unicode-normalised), which is how the
    ``dataset`` folder names them.  Raises :class:`InputError` if it cannot be read."""
    try:
        connection = sqlite3.connect(f"file:{Path(database)}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise InputError(f"{database}: cannot open the OpenEWLD database ({error})") from error
    try:
        works = connection.execute("SELECT id, title, path_leadsheet FROM works").fetchall()
        genres = connection.execute("SELECT id, genre FROM work_genres").fetchall()
        styles = connection.execute("SELECT id, style FROM work_style").fetchall()
    except sqlite3.Error as error:
        raise InputError(f"{database}: not an OpenEWLD database ({error})") from error
    finally:
        connection.close()
    genres_of: dict[int, set[str]] = {}
    styles_of: dict[int, set[str]] = {}
    for work_id, genre in genres:
        genres_of.setdefault(work_id, set()).add(str(genre))
    for work_id, style in styles:
        styles_of.setdefault(work_id, set()).add(str(style))
    return {
        _path_key(str(path)): WorkInfo(int(work_id), str(title or ""),
                                       frozenset(genres_of.get(work_id, ())),
                                       frozenset(styles_of.get(work_id, ())))
        for work_id, title, path in works if path
    }


def _path_key(path: str | Path) -> tuple[str, ...]:
    parts = PurePosixPath(str(path).replace("\\", "/")).parts[-3:]
    return tuple(unicodedata.normalize("NFC", part) for part in parts)


def load_openewld(
    openewld_dir: str | Path,
    limit: int | None = None,
    stats: LoadStats | None = None,
    genres: Iterable[str] | None = None,
    database: str | Path | None = None,
) -> Iterator[HarmonizedSong]:
    """Yield the OpenEWLD lead sheets with their chord symbols (see the module docstring).

    ``openewld_dir`` is the folder holding ``dataset/`` (or one ``.mxl``).
    ``genres`` keeps the lead sheets whose work has one of these discogs
    genres, looked up in ``database`` (default: ``OpenEWLD.db`` or ``EWLD.db``
    in ``openewld_dir``).  Song ids are ``"openewld/<authors>/<title>"``.
    Lead sheets are skipped and counted in ``stats`` when music21 cannot read
    them, they have no notes or no chord we know, or (with ``genres``) the
    database has no work for them.  Raises :class:`InputError` if there are
    no ``.mxl`` files, or if ``genres`` is given and there is no database.
    """
    wanted = None if genres is None else frozenset(genres)
    return _load(openewld_dir, limit, stats, database,
                 None if wanted is None else (lambda work: bool(work.genres & wanted)),
                 f"genres {sorted(wanted)}" if wanted is not None else "", "openewld")


def load_openewld_jazz(
    openewld_dir: str | Path, limit: int | None = None, stats: LoadStats | None = None
) -> Iterator[HarmonizedSong]:
    """The lead sheets of works with the discogs genre Jazz (:data:`JAZZ_GENRES`)."""
    return _load(openewld_dir, limit, stats, None, lambda work: bool(work.genres & JAZZ_GENRES),
                 "genre Jazz", "openewld-jazz")


def load_openewld_pop(
    openewld_dir: str | Path, limit: int | None = None, stats: LoadStats | None = None
) -> Iterator[HarmonizedSong]:
    """The lead sheets of works with a pop-like discogs genre (:data:`POP_GENRES`)."""
    return _load(openewld_dir, limit, stats, None, lambda work: bool(work.genres & POP_GENRES),
                 f"genres {sorted(POP_GENRES)}", "openewld-pop")


def load_openewld_blues(
    openewld_dir: str | Path, limit: int | None = None, stats: LoadStats | None = None
) -> Iterator[HarmonizedSong]:
    """The lead sheets whose work's genre, style or title says "Blues".

    Without ``OpenEWLD.db`` the title alone decides (the file's title folder),
    and ``stats.events`` says so.
    """
    return _load(openewld_dir, limit, stats, None, _is_blues, "blues", "openewld-blues",
                 title_fallback=True)


def _is_blues(work: WorkInfo) -> bool:
    words = [work.title, *work.genres, *work.styles]
    return any("blues" in word.lower() for word in words)


def _load(
    openewld_dir: str | Path, limit: int | None, stats: LoadStats | None,
    database: str | Path | None, select: Any, selection: str, corpus: str,
    title_fallback: bool = False,
) -> Iterator[HarmonizedSong]:
    _check_limit(limit)
    root = Path(openewld_dir)
    if root.is_file():
        files, base = [root], root.parent
    else:
        base = root
        files = sorted((root / "dataset").rglob("*.mxl")) if (root / "dataset").is_dir() \
            else sorted(root.rglob("*.mxl"))
    if not files:
        raise InputError(f"No OpenEWLD lead sheets at {root}: expected dataset/**/*.mxl inside it.")
    stats = stats if stats is not None else LoadStats()
    stats.corpus = stats.corpus or corpus
    works = None
    if select is not None:
        path = Path(database) if database is not None else next(
            (base / name for name in DATABASE_NAMES if (base / name).is_file()), None)
        if path is not None and path.is_file():
            works = read_works(path)
        elif title_fallback:
            stats.events["OpenEWLD.db not found: works chosen by their title only"] += 1
        else:
            raise InputError(
                f"Choosing OpenEWLD lead sheets by {selection} needs the metadata database "
                f"({' or '.join(DATABASE_NAMES)}) in {base}; it is not there."
            )
    return _limited(_sheets(files, select, works, selection, stats), limit, stats)


def _song_id(path: Path) -> str:
    parts = path.with_suffix("").parts
    return "openewld/" + "/".join(parts[-3:-1] if len(parts) >= 3 else parts[-1:])


def _sheets(
    files: list[Path], select: Any, works: dict[tuple[str, ...], WorkInfo] | None,
    selection: str, stats: LoadStats,
) -> Iterator[HarmonizedSong]:
    for path in files:
        song_id = _song_id(path)
        if select is not None:
            if works is None:  # title only
                work = WorkInfo(-1, path.stem.replace("_", " "))
            else:
                found = works.get(_path_key(path))
                if found is None:
                    stats.skip(song_id, "no work in OpenEWLD.db for this lead sheet", str(path))
                    continue
                work = found
            if not select(work):
                stats.events[f"lead sheets outside the selection ({selection})"] += 1
                continue
        try:
            yield read_lead_sheet(path, song_id, stats)
        except _Skip as skip:
            stats.skip(song_id, skip.reason, skip.detail)


def read_lead_sheet(path: str | Path, song_id: str | None = None,
                    stats: LoadStats | None = None) -> HarmonizedSong:
    """One OpenEWLD ``.mxl`` as a :class:`HarmonizedSong`; raises ``_Skip`` when unusable."""
    from music21 import harmony  # the [train] extra

    path = Path(path)
    song_id = song_id or _song_id(path)
    stats = stats if stats is not None else LoadStats(corpus="openewld")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # music21 warns about what it repairs
        try:
            score_song = read_score(path)
            if len(score_song.score.parts) != 1:
                stats.events["lead sheets with more than one part (the first is the melody)"] += 1
            melody, _ = score_song.melody(0)
        except InputError as error:
            raise _Skip("unreadable lead sheet", str(error)) from error
        part = score_song.score.parts[0]
        if part.atSoundingPitch is not True:
            part = part.toSoundingPitch(inPlace=False)
        symbols = list(part.flatten().getElementsByClass(harmony.ChordSymbol))
    if caught or score_song.warnings:
        stats.events["lead sheets music21 warned about"] += 1
    if not symbols:
        raise _Skip("no chord symbols")
    starts: list[_ChordStart] = []
    for onset, group in _spread(symbols, melody.meter, stats):
        parsed, text = _chord_of(group, stats)
        root, quality, bass = parsed if parsed is not None else (None, "maj", None)
        starts.append(_ChordStart(onset, root, quality, bass, text))
    while starts and starts[0].root is None:
        starts.pop(0)
    if not starts:
        raise _Skip("no chord symbol we can read")
    melody_end = melody.end
    chords = clip_chords(_chords_until(starts, melody_end, stats),
                         bar_start(melody.meter, melody.notes[0].onset), melody_end)
    if not any(chord.root is not None for chord in chords):
        raise _Skip("no chord symbol we can read under the melody")
    key = _lead_sheet_key(melody, chords, score_song.key_signature, stats)
    return HarmonizedSong(song_id, "openewld", melody, key, chords,
                          key_signature=score_song.key_signature)


def _lead_sheet_key(melody: Any, chords: tuple[ChordLabel, ...], signature: Key | None,
                    stats: LoadStats) -> Key:
    """The written key when the last chord confirms it, else notes and chords decide."""
    final = next(chord for chord in reversed(chords) if chord.root is not None)
    if signature is not None:
        major = signature.tonic if not signature.is_minor else (signature.tonic + 3) % 12
        minor = (major + 9) % 12
        if final.root == major and final.quality not in _MINOR_QUALITIES | _DIMINISHED_QUALITIES:
            return signature if signature.mode == "major" else Key.from_tonic(major, "major")
        if final.root == minor and final.quality in _MINOR_QUALITIES:
            return signature if signature.mode == "minor" else Key.from_tonic(minor, "minor")
    estimate = estimate_key_with_chords(melody.notes, chords, key_signature=signature)
    if signature is None:
        stats.events["lead sheets without a key signature (key from notes and chords)"] += 1
    elif same_key_signature(estimate.key, signature):
        stats.events["last chord off the written key's tonic (key from notes and chords)"] += 1
    else:
        stats.events["key signature disagrees with notes and chords (key from notes and chords)"] += 1
    return estimate.key


def _spread(symbols: list[Any], meter: Meter, stats: LoadStats) -> list[tuple[float, Any]]:
    """(onset, chord symbol) of each chord, stacked symbols spread over the time they share.

    Wikifonia often writes two or three chord symbols before one long note
    (``Eb Ab7`` over a whole note, the second displaced to the right only
    graphically), so music21 gives them one offset.  They share the time until
    the next symbol or the bar line equally, on whole beats; where that leaves
    less than a beat each, only the last is kept.
    """
    groups: list[tuple[float, list[Any]]] = []
    for symbol in symbols:
        onset = float(symbol.offset)
        if groups and abs(groups[-1][0] - onset) <= _EPS:
            groups[-1][1].append(symbol)
        else:
            groups.append((onset, [symbol]))
    bars = meter.bars(groups[-1][0] + 1.0) if groups else []
    bar_ends = [bar.end for bar in bars]
    placed: list[tuple[float, Any]] = []
    for index, (onset, group) in enumerate(groups):
        if len(group) == 1:
            placed.append((onset, group[0]))
            continue
        bar_end = next((end for end in bar_ends if end > onset + _EPS), onset + 4.0)
        stop = min(groups[index + 1][0], bar_end) if index + 1 < len(groups) else bar_end
        step = (stop - onset) / len(group)
        if step < 1.0 - _EPS:
            stats.events["stacked chord symbols with under a beat each (the last kept)"] += 1
            placed.append((onset, group[-1]))
            continue
        stats.events["stacked chord symbols spread over the beats they share"] += 1
        placed.extend((onset + int(i * step + _EPS), symbol) for i, symbol in enumerate(group))
    return placed


def chord_symbol_quality(symbol: Any) -> str | None:
    """Our quality name for a music21 ``ChordSymbol``, or ``None`` if it has none we know."""
    kind = (symbol.chordKind or "").strip()
    quality = _KIND_QUALITIES.get(kind)
    if quality is None:
        return None
    modifications = [(m.modType, int(m.degree), m.interval.semitones if m.interval else 0)
                     for m in symbol.chordStepModifications]
    # MusicXML writes m7b5 as an altered fifth; music21's figures ("Cm7b5") as an added one.
    fifth = next((alter for kind_, degree, alter in modifications
                  if kind_ in ("alter", "add") and degree == 5), 0)
    if quality == "sus4":
        written = symbol.chordKindStr or ""
        if any(kind_ == "add" and degree == 7 for kind_, degree, _ in modifications) or any(
            digit in written for digit in ("7", "9", "11", "13")
        ):
            return "dom7sus4"
    if fifth < 0:
        # A lowered fifth: m7b5 is half-diminished, mb5 diminished; on a dominant it is an
        # alteration we drop (as for C7b5); a major triad with a flat fifth is no chord we know.
        return {"min7": "hdim7", "min": "dim", "maj": None}.get(quality, quality)
    if fifth > 0:
        return {"maj": "aug", "min": None, "min7": None, "min6": None}.get(quality, quality)
    return quality


def _chord_of(symbol: Any, stats: LoadStats) -> tuple[ParsedChord | None, str]:
    """(root, quality, bass) of a chord symbol, counted in ``stats.labels``, and its text."""
    from music21 import harmony

    if isinstance(symbol, harmony.NoChord) or symbol.chordKind == "none":
        stats.labels.no_chord["N.C."] += 1
        return None, "N.C."
    root = symbol.root()
    if root is None:
        stats.labels.add(f"(no root) {symbol.chordKind}", False)
        return None, "?"
    root_pc = root.pitchClass
    bass_pitch = symbol.bass()
    bass = bass_pitch.pitchClass if bass_pitch is not None else root_pc
    text = f"{_NAMES[root_pc]}:{symbol.chordKind or '(no kind)'}"
    if symbol.chordKindStr:
        text += f" '{symbol.chordKindStr}'"
    if bass != root_pc:
        text += f"/{_NAMES[bass]}"
    quality = chord_symbol_quality(symbol)
    stats.labels.add(text, quality is not None)
    if quality is None:
        stats.events["unknown chord symbol (no chord there)"] += 1
        return None, text
    return (root_pc, quality, None if bass == root_pc else bass), text
