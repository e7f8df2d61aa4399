"""Read a MusicXML score (``.musicxml``/``.xml`` or compressed ``.mxl``): notes in beats, the
metre, and a ranked choice of melody part.

The score is parsed with music21 and kept as it is: the writer adds chord
symbols to a copy of the very same :class:`music21.stream.Score`, so every
part, note, lyric and marking survives.  The notes the engine sees are at
concert pitch, with ties merged, grace notes left out, chords reduced to
their top note and several voices reduced to the top line.

music21 is imported inside the functions that need it, never at module
import time, so the MIDI path never loads it.

The format is told by content, not by name: a zip archive (``PK\\x03\\x04``)
is ``.mxl``, anything that starts like XML is MusicXML.  Before music21 sees a
byte, XML that declares entities (``<!ENTITY``) is refused, and so are
archives whose declared size or compression ratio is out of bounds; the root
file of an archive is decompressed by us with a hard cap, so an archive that
lies about its sizes is refused as well.
"""

from __future__ import annotations

import io
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Literal
from xml.etree import ElementTree

from . import limits
from .errors import InputError, NoMelodyError, OptionError
from .melody import Melody, Meter, Note, TimeSignature, skyline
from .midi_check import describe_foreign
from .midi_in import (
    MelodyCandidate,
    MidiSong,
    check_bar_count,
    display_name,
    rank_melody_candidates,
    read_midi,
)
from .midi_in import _open as _read_source
from .musicxml_check import as_utf8, check_musicxml, check_plain_xml
from .theory import Key, parse_key

if TYPE_CHECKING:
    from music21 import stream as m21stream

__all__ = [
    "MAX_XML_BYTES",
    "MAX_COMPRESSION_RATIO",
    "MAX_ARCHIVE_ENTRIES",
    "PartCandidate",
    "ScoreSong",
    "sniff_format",
    "read_score",
    "read_song",
    "song_from_score",
    "part_notes",
    "part_meter",
    "part_key_signature",
]

#: Largest MusicXML document we hand to the parser (uncompressed), in bytes.
MAX_XML_BYTES = limits.MAX_FILE_BYTES
#: Largest uncompressed size / compressed size of any member of an .mxl archive.
#: Real MusicXML compresses 5 to 40 times; a run of zeros compresses 1000 times.
MAX_COMPRESSION_RATIO = 200
#: Most members of an .mxl archive (a score, its container, a few images).
MAX_ARCHIVE_ENTRIES = 1000

_EPS = 1e-6
_MAX_CONTAINER_BYTES = 1024 * 1024
_MAX_CENTRAL_DIRECTORY_BYTES = 1024 * 1024
_DEFAULT_VELOCITY = 80
_ZIP_MAGIC = b"PK\x03\x04"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_MEASURE_IN_WARNING = re.compile(r"in m\. (?P<measure>\S+) in part (?P<part>.*?)\.?$")

Format = Literal["midi", "mxl", "musicxml"]


@dataclass(frozen=True, slots=True)
class PartCandidate(MelodyCandidate):
    """A part of a score that could hold the melody; ``track`` is the part's index."""

    def describe(self) -> str:
        name = f" '{self.name}'" if self.name else ""
        return f"part {self.track}{name}"


@dataclass(frozen=True)
class ScoreSong:
    """A MusicXML score as read: the untouched music21 score plus what the analysis needs.

    ``notes_by_part`` maps each part's index (its position in ``score.parts``)
    to its notes at concert pitch, in quarter-note beats from the start of the
    score (the first beat of a pickup bar is 0).  ``meter`` and
    ``key_signature`` are those of the best-ranked part.
    """

    path: str
    score: Any  # music21.stream.Score, never modified
    meter: Meter
    key_signature: Key | None
    candidates: tuple[PartCandidate, ...]
    notes_by_part: dict[int, tuple[Note, ...]]
    meters_by_part: dict[int, Meter] = field(default_factory=dict, repr=False)
    warnings: tuple[str, ...] = ()  # what music21 warned about while reading

    @property
    def end(self) -> float:
        return max((n.end for notes in self.notes_by_part.values() for n in notes), default=0.0)

    def melody(self, part: int | None = None) -> tuple[Melody, PartCandidate]:
        """The melody of the best-ranked part, or of ``part`` (its index) when given.

        Raises :class:`NoMelodyError` when no part holds pitched notes and
        :class:`OptionError` when ``part`` is not a part with notes.
        """
        if not self.candidates:
            raise NoMelodyError(f"{self.path}: no part holds pitched notes (percussion only or empty)")
        if part is None:
            chosen = self.candidates[0]
        else:
            matching = [c for c in self.candidates if c.track == part]
            if not matching:
                usable = ", ".join(str(c.track) for c in sorted(self.candidates, key=lambda c: c.track))
                raise OptionError(
                    f"{self.path}: --melody-part {part} is not a part with pitched notes; "
                    f"parts with notes: {usable}"
                )
            chosen = matching[0]
        notes = skyline(self.notes_by_part[chosen.track])
        if not notes:
            raise NoMelodyError(f"{self.path}: {chosen.describe()} has no notes")
        meter = self.meters_by_part.get(chosen.track, self.meter)
        return Melody(tuple(notes), meter, source=chosen.describe()), chosen


# ---------------------------------------------------------------------------
# Telling formats apart and reading safely


def sniff_format(data: bytes) -> Format | None:
    """``"midi"``, ``"mxl"`` or ``"musicxml"`` from the first bytes, or ``None``."""
    if data[:4] == b"MThd" or (data[:4] == b"RIFF" and data[8:12] == b"RMID"):
        return "midi"
    if data[:4] == _ZIP_MAGIC:
        return "mxl"
    if data[:2] in _UTF16_BOMS or data[:4] in (b"\x00<\x00?", b"<\x00?\x00"):  # UTF-16, BOM or not
        return "musicxml"
    head = data[:64].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<"):
        return "musicxml"
    return None


def read_song(source: str | os.PathLike[str] | bytes | IO[bytes]) -> MidiSong | ScoreSong:
    """Read a MIDI file or a MusicXML score, told apart by content.

    Returns a :class:`~harmonizer.midi_in.MidiSong` or a :class:`ScoreSong`;
    raises :class:`InputError` naming the file when it is neither.
    """
    name, data = _read_source(source)
    kind = sniff_format(data)
    if kind == "midi":
        buffer = io.BytesIO(data)
        buffer.name = name  # read_midi names the file in its messages from this
        return read_midi(buffer)
    if not data:
        raise InputError(f"{name}: the file is empty (no 'MThd' header, no MusicXML)")
    if kind is None:
        foreign = describe_foreign(data)
        seems = f"; it looks like {foreign}" if foreign else ""
        raise InputError(f"{name}: neither MIDI (no 'MThd' header) nor MusicXML (not XML, not a zip)"
                         f"{seems}")
    return _read_score_data(name, data, kind)


def read_score(source: str | os.PathLike[str] | bytes | IO[bytes]) -> ScoreSong:
    """Read a MusicXML score from a path, bytes or a binary file object.

    ``.musicxml``/``.xml`` and compressed ``.mxl`` are told apart by content.
    Raises :class:`InputError` (or a subclass) with one line naming the file,
    and the measure when music21 says which, when the data is not a usable
    MusicXML score or breaks a safety limit.
    """
    name, data = _read_source(source)
    kind = sniff_format(data)
    if kind not in ("mxl", "musicxml"):
        raise InputError(f"{name}: not MusicXML (neither XML nor an .mxl zip archive)")
    return _read_score_data(name, data, kind)


def _read_score_data(name: str, data: bytes, kind: Format) -> ScoreSong:
    note = None
    xml = data
    if kind == "mxl":
        xml, note = _xml_from_archive(name, data)
    xml = as_utf8(name, xml)  # expat reads few encodings, music21 only UTF-8
    check_musicxml(name, xml)
    score, messages = _parse_musicxml(name, xml)
    return song_from_score(score, name, ((note,) if note else ()) + messages)


def _xml_from_archive(name: str, data: bytes) -> tuple[bytes, str | None]:
    """The root MusicXML document of an .mxl archive, decompressed under a hard cap."""
    _check_central_directory(name, data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
            OverflowError) as error:
        raise InputError(f"{name}: corrupt .mxl archive ({error})") from error
    if len(members) > MAX_ARCHIVE_ENTRIES:
        raise InputError(f"{name}: .mxl archive has {len(members)} members; "
                         f"the limit is {MAX_ARCHIVE_ENTRIES}")
    declared = sum(m.file_size for m in members)
    if declared > MAX_XML_BYTES:
        raise InputError(f"{name}: .mxl archive declares {declared} bytes uncompressed; "
                         f"the limit is {MAX_XML_BYTES}")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise InputError(f"{name}: .mxl member {member.filename!r} expands {ratio:.0f} times; "
                             f"the limit is {MAX_COMPRESSION_RATIO} (a zip bomb?)")
    root, note = _root_file_name(name, archive, members)
    xml = _read_member(name, archive, root, MAX_XML_BYTES)
    if len(xml) > MAX_XML_BYTES:
        raise InputError(f"{name}: .mxl score {root!r} is larger than {MAX_XML_BYTES} bytes uncompressed")
    return xml, note


def _read_member(name: str, archive: zipfile.ZipFile, member: str, cap: int) -> bytes:
    """At most ``cap + 1`` bytes of one member (never trust the declared size)."""
    try:
        with archive.open(member) as stream:
            return stream.read(cap + 1)
    except KeyError as error:
        raise InputError(f"{name}: .mxl archive names {member!r} as its score but holds no such file") \
            from error
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError,
            OverflowError, zlib.error) as error:
        raise InputError(f"{name}: corrupt .mxl archive member {member!r} ({error})") from error


def _check_central_directory(name: str, data: bytes) -> None:
    """Refuse an archive whose central directory is too big before zipfile reads it (zipfile
    builds an object per entry, however many there are)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        raise InputError(f"{name}: corrupt .mxl archive (no end of central directory record)")
    entries = int.from_bytes(data[end + 10:end + 12], "little")
    size = int.from_bytes(data[end + 12:end + 16], "little")
    locator = end - 20
    if (entries == 0xFFFF or size == 0xFFFFFFFF) and locator >= 0 \
            and data[locator:locator + 4] == b"PK\x06\x07":  # ZIP64: the real counts are elsewhere
        record = int.from_bytes(data[locator + 8:locator + 16], "little")
        if data[record:record + 4] == b"PK\x06\x06":
            entries = int.from_bytes(data[record + 32:record + 40], "little")
            size = int.from_bytes(data[record + 40:record + 48], "little")
    if entries > MAX_ARCHIVE_ENTRIES or size > _MAX_CENTRAL_DIRECTORY_BYTES:
        raise InputError(f"{name}: .mxl archive declares {entries} members in a {size}-byte directory; "
                         f"the limits are {MAX_ARCHIVE_ENTRIES} and {_MAX_CENTRAL_DIRECTORY_BYTES}")


def _inside(path: str) -> bool:
    """Whether an archive path stays inside the archive (no absolute path, drive or '..')."""
    pure = PurePosixPath(path.replace("\\", "/"))
    return not (pure.is_absolute() or ".." in pure.parts or re.match(r"^[A-Za-z]:", path))


def _root_file_name(name: str, archive: zipfile.ZipFile,
                    members: list[zipfile.ZipInfo]) -> tuple[str, str | None]:
    """The score named by META-INF/container.xml, else the first MusicXML-looking member
    (what music21 itself reads), with a note saying why when the container was not used."""
    names = [m.filename for m in members]
    note = None
    if "META-INF/container.xml" in names:
        container = _read_member(name, archive, "META-INF/container.xml", _MAX_CONTAINER_BYTES)
        if len(container) > _MAX_CONTAINER_BYTES:
            raise InputError(f"{name}: .mxl META-INF/container.xml is larger than "
                             f"{_MAX_CONTAINER_BYTES} bytes")
        check_plain_xml(name, container, ".mxl META-INF/container.xml")
        try:
            tree = ElementTree.fromstring(container)
        except ElementTree.ParseError as error:
            # Wikifonia wrote full-path='Dixie's Land.xml': common enough to read past.
            note = f"META-INF/container.xml is malformed ({error}); read the archive's first score"
        else:
            for rootfile in tree.iter("rootfile"):
                path = rootfile.get("full-path")
                media = rootfile.get("media-type", "application/vnd.recordare.musicxml+xml")
                if path and not _inside(path):
                    raise InputError(f"{name}: .mxl META-INF/container.xml points outside the archive "
                                     f"({path!r}); refused")
                if path and "musicxml" in media and path in names:
                    return path, None
            note = "META-INF/container.xml names no score in the archive; read its first score"
    outside = [n for n in names if not _inside(n)]
    if outside:
        raise InputError(f"{name}: .mxl archive has a member named outside itself ({outside[0]!r}); "
                         "refused")
    scores = [n for n in names if not n.startswith("META-INF/")
              and PurePosixPath(n).suffix.lower() in (".xml", ".musicxml")]
    if scores:
        return scores[0], note
    raise InputError(f"{name}: .mxl archive holds no MusicXML score (no .musicxml or .xml member)")


def _parse_musicxml(name: str, xml: bytes) -> tuple[m21stream.Score, tuple[str, ...]]:
    from music21 import converter, stream  # lazily: the MIDI path never needs music21

    with warnings.catch_warnings(record=True) as caught:
        # music21 reports bad measures as warnings (and pytest may turn warnings
        # into errors); collect them, so the measure can be named in our message.
        warnings.simplefilter("always")
        try:
            score = converter.parseData(xml, format="musicxml")
        except ElementTree.ParseError as error:
            raise InputError(f"{name}: malformed XML ({error})") from error
        except Exception as error:  # music21 raises many unrelated types for bad input
            where = _where(caught)
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(f"{name}: {where}music21 cannot read it ({detail})") from error
    messages = tuple(str(w.message).strip().splitlines()[0] for w in caught if str(w.message).strip())
    if not isinstance(score, stream.Score):
        raise InputError(f"{name}: the MusicXML holds no score (music21 read a {type(score).__name__})")
    return score, messages


def _where(caught: Sequence[warnings.WarningMessage]) -> str:
    for warning in reversed(caught):
        match = _MEASURE_IN_WARNING.search(str(warning.message).strip())
        if match:
            return f"measure {match['measure']} of part '{match['part']}': "
    return ""


# ---------------------------------------------------------------------------
# From a music21 score to notes, metre and candidates


def song_from_score(score: m21stream.Score, path: str = "<score>",
                    messages: Sequence[str] = ()) -> ScoreSong:
    """Analyse an in-memory music21 score (which is kept, not changed)."""
    parts = list(score.parts)
    if len(parts) > limits.MAX_TRACKS:
        raise InputError(f"{path}: {len(parts)} parts; the limit is {limits.MAX_TRACKS}")
    notes_by_part: dict[int, tuple[Note, ...]] = {}
    meters: dict[int, Meter] = {}
    names: dict[int, str] = {}
    total = 0
    for index, part in enumerate(parts):
        notes = part_notes(part)
        total += len(notes)
        if total > limits.MAX_MELODY_NOTES * 10:
            raise InputError(f"{path}: more than {limits.MAX_MELODY_NOTES * 10} notes")
        notes_by_part[index] = tuple(notes)
        meters[index] = part_meter(part)
        names[index] = _part_name(part)
    end = max((n.end for notes in notes_by_part.values() for n in notes), default=0.0)
    if end > limits.MAX_BEATS:
        raise InputError(f"{path}: the music lasts {end:.0f} beats; the limit is {limits.MAX_BEATS:.0f}")
    for index, meter in meters.items():
        check_bar_count(f"{path}: part {index}", meter, end)
    ranked = rank_melody_candidates({(index, 0): notes for index, notes in notes_by_part.items()}, names)
    candidates = tuple(PartCandidate(**asdict(candidate)) for candidate in ranked)
    best = candidates[0].track if candidates else 0
    meter = meters.get(best, Meter())
    key_signature = None
    for index in [best, *range(len(parts))]:
        if index < len(parts):
            key_signature = part_key_signature(parts[index])
            if key_signature is not None:
                break
    return ScoreSong(path, score, meter, key_signature, candidates, notes_by_part, meters,
                     tuple(messages))


def _part_name(part: Any) -> str:
    name = part.partName or ""
    if not name:
        instrument = part.getInstrument(returnDefault=False)
        name = (instrument.partName or instrument.instrumentName or "") if instrument else ""
    return display_name(str(name), "utf-8")


def _sounding(part: Any) -> Any:
    """A copy of ``part`` at concert pitch (transposing instruments sound elsewhere)."""
    if part.atSoundingPitch is True:
        return part
    return part.toSoundingPitch(inPlace=False)


def part_notes(part: Any) -> list[Note]:
    """Every pitched note of a music21 part or stream, at concert pitch, ties merged.

    Offsets are quarter notes from the start of the part.  Grace notes and
    chord symbols are left out and a chord counts as its top note; notes of
    several voices all come back (:func:`~harmonizer.melody.skyline` makes one
    line of them).  The part itself is not changed.
    """
    from music21 import chord, harmony, note

    merged = _sounding(part).stripTies(inPlace=False)
    notes: list[Note] = []
    for element in merged.flatten().notes:
        if isinstance(element, harmony.Harmony) or element.duration.isGrace:
            continue
        if isinstance(element, note.Note):
            midi = element.pitch.midi
        elif isinstance(element, chord.Chord) and element.pitches:
            midi = max(p.midi for p in element.pitches)
        else:  # unpitched percussion
            continue
        duration = float(element.duration.quarterLength)
        if duration <= _EPS:
            continue
        velocity = element.volume.velocity  # None unless the score or a MIDI import set it
        notes.append(Note(int(midi), float(element.offset), duration,
                          int(velocity) if velocity else _DEFAULT_VELOCITY))
    notes.sort(key=lambda n: (n.onset, -n.pitch))
    return notes


def part_meter(part: Any) -> Meter:
    """The metre of a music21 part: its time signatures, and a pickup if its first measure
    is shorter than its time signature (how notation programs write an anacrusis).

    A measure of another irregular length later on (split around a repeat, a
    short last bar) gets a time signature of its own length, so the engine's
    bars stay on the score's bar lines.
    """
    from music21 import meter as m21meter
    from music21 import stream

    measures = list(part.getElementsByClass(stream.Measure))
    if not measures:
        found = [TimeSignature(float(ts.offset), ts.numerator, ts.denominator)
                 for ts in part.flatten().getElementsByClass(m21meter.TimeSignature)]
        return Meter(tuple(_merge(found)) or (TimeSignature(0.0, 4, 4),))
    signatures: list[TimeSignature] = []
    current = (4, 4)
    pickup = 0.0
    for index, measure in enumerate(measures):
        written = measure.getElementsByClass(m21meter.TimeSignature).first()
        if written is not None:
            current = (written.numerator, written.denominator)
        onset = float(measure.offset)
        if index + 1 < len(measures):
            length = float(measures[index + 1].offset) - onset
        else:
            length = float(measure.duration.quarterLength)
        full = current[0] * 4.0 / current[1]
        effective = current
        if index == 0 and _EPS < length < full - _EPS and len(measures) > 1:
            following = measures[1].getElementsByClass(m21meter.TimeSignature).first()
            if following is not None and abs(following.barDuration.quarterLength - length) < _EPS:
                # A full bar of the next measure's metre, under a stray first signature.
                effective = (following.numerator, following.denominator)
            else:
                pickup = length
        elif index > 0 and length > _EPS and abs(length - full) > _EPS:
            effective = _signature_of_length(length) or current
        signatures.append(TimeSignature(onset, *effective))
    merged = _merge(signatures)
    first = merged[0]
    merged[0] = TimeSignature(0.0, first.numerator, first.denominator)
    return Meter(tuple(merged), pickup)


def _merge(signatures: list[TimeSignature]) -> list[TimeSignature]:
    merged: list[TimeSignature] = []
    for ts in signatures:
        if merged and (merged[-1].numerator, merged[-1].denominator) == (ts.numerator, ts.denominator):
            continue
        merged.append(ts)
    return merged


def _signature_of_length(length: float) -> tuple[int, int] | None:
    for denominator in (4, 8, 16, 32, 64):
        numerator = length * denominator / 4.0
        if abs(numerator - round(numerator)) < _EPS and round(numerator) >= 1:
            return int(round(numerator)), denominator
    return None


def part_key_signature(part: Any) -> Key | None:
    """The first key signature of a part, at concert pitch, as a :class:`Key` (major unless
    the score says minor), or ``None``."""
    from music21 import key as m21key

    found = _sounding(part).recurse().getElementsByClass(m21key.KeySignature).first()
    if found is None:
        return None
    tonal = found if isinstance(found, m21key.Key) else found.asKey("major")
    mode = "minor" if tonal.mode == "minor" else "major"
    try:
        return parse_key(f"{tonal.tonic.name} {mode}")
    except OptionError:  # a double-sharp tonic or the like: evidence we can do without
        return None
