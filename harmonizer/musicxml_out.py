"""Write the harmony into a score: MusicXML chord symbols, an optional piano part, and the
bridges between MIDI and MusicXML so that the output format follows the output's extension.

* :func:`add_chord_symbols` returns a copy of a music21 score with a real
  ``<harmony>`` element (``<root>``, ``<kind>``, ``<bass>``) at every chord
  change of the melody part, and optionally a two-staff piano part playing the
  voiced chords.
* :func:`write_score` writes MusicXML, compressed when the name ends in ``.mxl``,
  atomically (a temporary file renamed into place).
* :func:`write_result` writes a :class:`~harmonizer.midi_in.MidiSong` or a
  :class:`~harmonizer.musicxml_in.ScoreSong` as MIDI or MusicXML, whichever
  the output's extension names.

music21 is imported inside the functions, never at module import time.
"""

from __future__ import annotations

import bisect
import copy
import io
import itertools
import os
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import mido

from . import limits
from .chords import QUALITIES
from .engine import ChordChoice
from .errors import InputError, OptionError, OutputError
from .melody import Note
from .midi_in import MelodyCandidate, MidiSong, read_midi
from .midi_out import DEFAULT_PROGRAM, write_atomic, write_midi
from .musicxml_in import ScoreSong, part_meter, part_notes
from .theory import spell_pitch_class

__all__ = [
    "MUSICXML_KIND",
    "OutputFormat",
    "output_format",
    "chord_symbol",
    "place_chord_symbols",
    "written_transposition",
    "accompaniment_staves",
    "add_chord_symbols",
    "score_to_musicxml",
    "write_score",
    "score_to_midi_song",
    "score_from_midi",
    "melody_part_index",
    "write_result",
]

#: MusicXML ``<kind>`` of each quality of :data:`harmonizer.chords.QUALITIES`.
MUSICXML_KIND: dict[str, str] = {
    "maj": "major",
    "min": "minor",
    "dim": "diminished",
    "aug": "augmented",
    "sus4": "suspended-fourth",
    "sus2": "suspended-second",
    "dom7": "dominant",
    "maj7": "major-seventh",
    "min7": "minor-seventh",
    "hdim7": "half-diminished",
    "dim7": "diminished-seventh",
    "minmaj7": "major-minor",
    "maj6": "major-sixth",
    "min6": "minor-sixth",
    # MusicXML has no 7sus4 kind (music21's 'suspended-fourth-seventh' is not valid MusicXML):
    # a dominant seventh with the 4th added and the 3rd taken away, shown as "7sus4".
    "dom7sus4": "dominant",
}

OutputFormat = Literal["midi", "musicxml", "mxl"]
_EXTENSIONS: dict[str, OutputFormat] = {
    ".mid": "midi", ".midi": "midi", ".rmi": "midi", ".kar": "midi",
    ".musicxml": "musicxml", ".xml": "musicxml", ".mxl": "mxl",
}
_MXL_MIMETYPE = b"application/vnd.recordare.musicxml"
_MXL_ROOT = "score.musicxml"
_MXL_CONTAINER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<container>\n"
    "  <rootfiles>\n"
    f'    <rootfile full-path="{_MXL_ROOT}" media-type="application/vnd.recordare.musicxml+xml"/>\n'
    "  </rootfiles>\n"
    "</container>\n"
)
_ROOT_NAME = re.compile(r"^([A-G])(bb|b|##|#)?")
_GRID = 24  # accompaniment boundaries snap to 1/24 of a quarter (32nd-note triplets)
_MIDDLE_C = 60
_EPS = 1e-6
ACCOMPANIMENT_NAME = "Harmony"


def output_format(path: str | os.PathLike[str]) -> OutputFormat:
    """``"midi"``, ``"musicxml"`` or ``"mxl"`` from the output's extension.

    Raises :class:`OptionError` for any other extension.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        known = ", ".join(_EXTENSIONS)
        raise OptionError(f"{path}: the output's extension must be one of {known}. Got {suffix!r}.")
    return _EXTENSIONS[suffix]


# ---------------------------------------------------------------------------
# Chord symbols


def _root_name(chord: ChordChoice) -> str:
    """The root as the symbol spells it (``Bb7`` -> ``B-``), in music21's spelling."""
    match = _ROOT_NAME.match(chord.symbol)
    text = match.group(0) if match else spell_pitch_class(chord.root, prefer_flats=True)
    return text[0] + text[1:].replace("b", "-")


def chord_symbol(chord: ChordChoice, transposition: Any = None) -> Any:
    """A :class:`music21.harmony.ChordSymbol` for ``chord``: root, kind, and the bass only
    when it is not the root.

    ``transposition`` (a music21 ``Interval``) moves the symbol from concert
    pitch to the written pitch of a transposing part.
    """
    from music21 import harmony, pitch

    root = pitch.Pitch(_root_name(chord))
    kind = MUSICXML_KIND.get(chord.quality)
    if kind is None:
        raise OutputError(f"no MusicXML kind for chord quality {chord.quality!r}; "
                          f"known: {', '.join(QUALITIES)}")
    bass = None
    if chord.bass % 12 != chord.root % 12:
        interval = (chord.bass - chord.root) % 12
        # Spell the bass as the chord tone it is (the 3rd of C is E, of Eb is G).
        tones = harmony.ChordSymbol(root=root.name, kind=kind).pitches
        spelled = [p for p in tones if (p.pitchClass - root.pitchClass) % 12 == interval]
        bass = pitch.Pitch(spelled[0].name if spelled
                           else spell_pitch_class(chord.bass, prefer_flats="-" in root.name))
    if transposition is not None:
        root = root.transpose(transposition)
        bass = bass.transpose(transposition) if bass is not None else None
    symbol = harmony.ChordSymbol(root=root.name, kind=kind, bass=bass.name if bass else None)
    if chord.quality == "dom7sus4":
        symbol.addChordStepModification(harmony.ChordStepModification("add", 4, 0))
        symbol.addChordStepModification(harmony.ChordStepModification("subtract", 3, 0))
        symbol.chordKindStr = "7sus4"
    return symbol


def written_transposition(part: Any) -> Any:
    """The interval from concert pitch to the part's written pitch, or ``None``."""
    if part.atSoundingPitch is True:
        return None
    instrument = part.getInstrument(returnDefault=False)
    if instrument is None or instrument.transposition is None:
        return None
    return instrument.transposition.reverse()


def place_chord_symbols(target: Any, chords: Sequence[ChordChoice], transposition: Any = None) -> int:
    """Insert a chord symbol into ``target`` (a part or stream, changed in place) at every
    chord change; returns how many.  Symbols go into the measure holding their onset
    when ``target`` has measures, else straight into ``target``."""
    from music21 import stream
    from music21.common.numberTools import opFrac

    measures = list(target.getElementsByClass(stream.Measure))
    starts = [float(m.offset) for m in measures]
    previous: tuple[str, int] | None = None
    count = 0
    for chord in chords:
        change = (chord.symbol, chord.bass % 12)
        if change == previous:
            continue
        previous = change
        symbol = chord_symbol(chord, transposition)
        onset = _snap(chord.onset)
        if measures:
            measure = measures[max(0, bisect.bisect_right(starts, float(onset) + _EPS) - 1)]
            measure.insert(opFrac(onset - Fraction(measure.offset)), symbol)
        else:
            target.insert(opFrac(onset), symbol)
        count += 1
    return count


def _snap(beat: float) -> Fraction:
    return Fraction(round(beat * _GRID), _GRID)


# ---------------------------------------------------------------------------
# The accompaniment: a piano on two staves playing each slot's voicing


def accompaniment_staves(melody_part: Any, chords: Sequence[ChordChoice],
                         program: int = DEFAULT_PROGRAM) -> tuple[Any, Any, Any]:
    """Two music21 ``PartStaff`` objects (treble, bass) and the ``StaffGroup`` that joins
    them, playing each chord's voicing for its slot: pitches from middle C up on the
    treble staff, the rest on the bass staff.

    The measures copy the melody part's (numbers, lengths, pickup, time and key
    signatures at concert pitch); a chord that crosses a bar line is split into
    tied chords, and every duration is snapped to 1/24 of a quarter so that
    MusicXML can notate it.
    """
    from music21 import clef, instrument, layout, stream

    concert = melody_part if melody_part.atSoundingPitch is True else melody_part.toSoundingPitch(
        inPlace=False)
    frames = _measure_frames(concert, chords)
    stops = [_snap(c.onset + c.duration) for c in chords]
    staves = []
    for high, staff_clef in ((True, clef.TrebleClef()), (False, clef.BassClef())):
        staff = stream.PartStaff()
        staff.partName = ACCOMPANIMENT_NAME
        try:
            player = instrument.instrumentFromMidiProgram(program)
        except instrument.InstrumentException:  # music21 knows most, not all, GM programs
            player = instrument.Piano()
        player.partName = ACCOMPANIMENT_NAME
        staff.insert(0, player)
        for position, (number, start, end, attributes, padding, show) in enumerate(frames):
            measure = stream.Measure(number=number)
            if show is not None:
                measure.showNumber = show
            if position == 0:
                measure.insert(0, copy.deepcopy(staff_clef))
            for attribute in attributes:
                measure.insert(0, copy.deepcopy(attribute))
            first = bisect.bisect_right(stops, start)  # the first chord still sounding here
            for offset, element in _measure_content(start, end, itertools.islice(chords, first, None),
                                                    high):
                measure.insert(offset, element)
            if padding:
                measure.paddingLeft = padding
            staff.insert(start, measure)
        staves.append(staff)
    group = layout.StaffGroup(staves, name=ACCOMPANIMENT_NAME, symbol="brace", barTogether=True)
    return staves[0], staves[1], group


def _measure_frames(part: Any, chords: Sequence[ChordChoice]) -> list[tuple[Any, ...]]:
    """(number, start, end, time/key signatures, paddingLeft, showNumber) of each measure."""
    from music21 import key, meter, stream

    measures = list(part.getElementsByClass(stream.Measure))
    end_of_music = max([_snap(c.onset + c.duration) for c in chords]
                       + [Fraction(part.highestTime).limit_denominator(_GRID)])
    frames = []
    if not measures:
        # A stream without measures: bars of its time signatures (4/4 by default).
        for number, bar in enumerate(part_meter(part).bars(float(end_of_music)), start=1):
            signature = bar.time_signature
            starts_signature = number == 1 or abs(signature.onset - bar.onset) < _EPS
            attributes = [meter.TimeSignature(f"{signature.numerator}/{signature.denominator}")] \
                if starts_signature else []
            frames.append((number, _snap(bar.onset), _snap(bar.end), attributes, 0.0, None))
        return frames
    for index, measure in enumerate(measures):
        start = _snap(float(measure.offset))
        if index + 1 < len(measures):
            end = _snap(float(measures[index + 1].offset))
        else:
            end = max(start + _snap(float(measure.duration.quarterLength)), end_of_music)
        attributes = list(measure.getElementsByClass((meter.TimeSignature, key.KeySignature)))
        frames.append((measure.number, start, end, attributes, float(measure.paddingLeft),
                       measure.showNumber))
    return frames


def _measure_content(start: Fraction, end: Fraction, chords: Iterable[ChordChoice],
                     high: bool) -> list[tuple[Fraction, Any]]:
    """The chords and rests of one staff in one measure, offsets relative to the measure;
    ``chords`` in order, from the first one still sounding at ``start``."""
    from music21 import chord as m21chord
    from music21 import tie

    content: list[tuple[Fraction, Any]] = []
    position = start
    for choice in chords:
        onset, stop = _snap(choice.onset), _snap(choice.onset + choice.duration)
        if onset >= end:
            break
        piece_start, piece_end = max(onset, start, position), min(stop, end)
        if piece_end <= piece_start:
            continue
        if piece_start > position:
            content.append(_rest(position - start, piece_start - position))
        pitches = [p for p in choice.voicing if (p >= _MIDDLE_C) == high]
        if pitches:
            element = m21chord.Chord(_spelled(sorted(pitches), choice),
                                     quarterLength=piece_end - piece_start)
            tied_before, tied_after = piece_start > onset, piece_end < stop
            if tied_before or tied_after:
                element.tie = tie.Tie("continue" if tied_before and tied_after
                                      else "stop" if tied_before else "start")
            content.append((piece_start - start, element))
        else:
            content.append(_rest(piece_start - start, piece_end - piece_start))
        position = piece_end
    if position < end:
        content.append(_rest(position - start, end - position))
    return content


def _spelled(midi_pitches: Sequence[int], choice: ChordChoice) -> list[Any]:
    """music21 pitches spelled as the chord symbol spells its tones (the 3rd of E is G#,
    of Ab is C); a pitch made from a bare MIDI number would carry an explicit natural."""
    from music21 import pitch

    names = {p.pitchClass: p.name for p in chord_symbol(choice).pitches}
    spelled = []
    for midi in midi_pitches:
        name = names.get(midi % 12) or spell_pitch_class(midi % 12, prefer_flats=True).replace("b", "-")
        note_pitch = pitch.Pitch(name + "4")
        note_pitch.octave += (midi - note_pitch.midi) // 12
        spelled.append(note_pitch)
    return spelled


def _rest(offset: Fraction, length: Fraction) -> tuple[Fraction, Any]:
    from music21 import note

    return offset, note.Rest(quarterLength=length)


# ---------------------------------------------------------------------------
# Adding the harmony to a score, writing MusicXML


def add_chord_symbols(score: Any, part_index: int, chords: Sequence[ChordChoice],
                      accompaniment: bool = False, program: int = DEFAULT_PROGRAM, *,
                      replace_existing: bool = False) -> Any:
    """A deep copy of ``score`` with a chord symbol in part ``part_index`` at every chord
    change (a slot whose symbol equals the previous one adds nothing), and with
    ``accompaniment`` a two-staff piano part playing the voicings, after the other parts.

    Symbols in a transposing part (a Bb clarinet) are written at its written
    pitch, as notation programs expect.  Chord symbols the part already has
    (a lead sheet) are kept unless ``replace_existing``.  ``score`` itself is
    not changed.  Raises :class:`OptionError` for a part index the score does
    not have.
    """

    parts = list(score.parts)
    if not 0 <= part_index < len(parts):
        raise OptionError(f"The melody part must be in 0..{len(parts) - 1}. Got {part_index}.")
    result = copy.deepcopy(score)
    melody_part = list(result.parts)[part_index]
    if replace_existing:
        drop_chord_symbols(melody_part)
    place_chord_symbols(melody_part, chords, written_transposition(melody_part))
    if accompaniment:
        treble, bass, group = accompaniment_staves(melody_part, chords, program)
        result.insert(0, treble)
        result.insert(0, bass)
        result.insert(0, group)
    return result


def chord_symbols_of(part: Any) -> list[Any]:
    """The chord symbols (music21 ``Harmony`` objects) a part or stream already holds, at any
    depth: a lead sheet's own, or an earlier run's."""
    from music21 import harmony

    return list(part.recurse().getElementsByClass(harmony.Harmony))


def drop_chord_symbols(part: Any) -> None:
    """Remove :func:`chord_symbols_of` ``part`` from it, in place."""
    for symbol in chord_symbols_of(part):
        symbol.activeSite.remove(symbol)


def kept_chord_symbols(count: int) -> str:
    """The warning's words for ``count`` chord symbols of the input's own kept beside ours
    (two sets in one part read as one progression)."""
    return f"already has {count} chord symbol{'s' if count > 1 else ''}; they are kept beside ours"


def score_to_musicxml(score: Any) -> bytes:
    """The uncompressed MusicXML of a music21 score, as bytes.

    Like music21's own writer, but without the placeholder title ("Music21
    Fragment") and composer ("Music21") music21 adds to a score that has none.
    Raises :class:`OutputError` when music21 cannot export the score.
    """
    from music21 import defaults
    from music21.musicxml.m21ToXml import GeneralObjectExporter, ScoreExporter

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")  # "not well-formed" notes are music21's business
        try:
            prepared = GeneralObjectExporter(score).fromGeneralObject(score)
            exporter = ScoreExporter(prepared, makeNotation=True)
            root = exporter.parse()
        except Exception as error:  # music21 raises many unrelated types
            raise OutputError(f"music21 cannot write this score as MusicXML "
                              f"({type(error).__name__}: {error})") from error
    metadata = score.metadata
    has_title = metadata is not None and bool(metadata.title or metadata.movementName)
    has_creator = metadata is not None and any(True for _ in metadata.contributors)
    if not has_title:
        for element in root.findall("movement-title"):
            if element.text == defaults.title:
                root.remove(element)
    if not has_creator:
        for identification in root.findall("identification"):
            for creator in identification.findall("creator"):
                if creator.text == defaults.author:
                    identification.remove(creator)
    # Names come from the input file (a MIDI track name may hold any byte): characters XML 1.0
    # forbids would make a file no parser reads, this program's own reader included.
    for element in root.iter():
        if element.text and _XML_ILLEGAL.search(element.text):
            element.text = _XML_ILLEGAL.sub("", element.text)
        for name, value in element.attrib.items():
            if _XML_ILLEGAL.search(value):
                element.set(name, _XML_ILLEGAL.sub("", value))
    return exporter.asBytes()


#: Characters XML 1.0 does not allow anywhere (controls but tab and newlines, lone surrogates,
#: U+FFFE and U+FFFF).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _mxl(xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # The MusicXML 4.0 container: an uncompressed mimetype first, then the container.
        archive.writestr(zipfile.ZipInfo("mimetype"), _MXL_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", _MXL_CONTAINER, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(_MXL_ROOT, xml, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_score(score: Any, path: str | os.PathLike[str]) -> None:
    """Write ``score`` as MusicXML to ``path``: compressed when it ends in ``.mxl``, plain
    otherwise; atomically, so a failure never leaves half a file.

    Raises :class:`OutputError` when the score cannot be exported or written.
    """
    target = Path(path)
    try:
        data = score_to_musicxml(score)
    except OutputError as error:
        raise OutputError(f"{target}: {error}") from error
    if target.suffix.lower() == ".mxl":
        data = _mxl(data)
    write_atomic(target, lambda stream: stream.write(data))


# ---------------------------------------------------------------------------
# MusicXML -> MIDI and MIDI -> MusicXML


def score_to_midi_song(score: Any, name: str = "<score>", pickup: float | None = None) -> MidiSong:
    """The score rendered as MIDI by music21 and read back as a :class:`MidiSong`, ready
    for :func:`harmonizer.midi_out.write_midi`.

    Every part is played at concert pitch, as written: repeats are not expanded
    and chord symbols are not sounded (music21 does both by default, which
    would move the notes away from the chords' onsets).  A pickup becomes a
    short first bar with its own time signature, the way notation programs
    export one.  ``pickup`` defaults to that of the first part.
    """
    from music21 import harmony, meter, stream
    from music21 import midi as m21midi

    work = copy.deepcopy(score)
    if pickup is None:
        parts = list(work.parts)
        pickup = part_meter(parts[0]).pickup if parts else 0.0
    prepared = stream.Score()
    for part in list(work.parts):
        if part.atSoundingPitch is not True:
            part.toSoundingPitch(inPlace=True)
        flat = part.flatten()  # no measures: music21 then leaves repeats alone
        flat.removeByClass(harmony.Harmony)
        if pickup and pickup > _EPS:
            _pickup_signatures(flat, pickup, meter)
        prepared.insert(0, flat)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            data = m21midi.translate.streamToMidiFile(prepared).writestr()
        except Exception as error:  # music21 raises many unrelated types
            raise OutputError(f"{name}: music21 cannot render the score as MIDI "
                              f"({type(error).__name__}: {error})") from error
    buffer = io.BytesIO(data)
    buffer.name = name
    return read_midi(buffer)


def _pickup_signatures(flat: Any, pickup: float, meter: Any) -> None:
    """Give a pickup its own short time signature, the real one starting after it."""
    signatures = list(flat.getElementsByClass(meter.TimeSignature))
    first = next((ts for ts in signatures if float(ts.offset) < _EPS), None)
    if first is None:
        return
    numerator, denominator = _fraction_of_quarters(pickup)
    if numerator is None:
        return
    if not any(abs(float(ts.offset) - pickup) < _EPS for ts in signatures):
        flat.insert(pickup, meter.TimeSignature(first.ratioString))
    flat.remove(first)
    flat.insert(0, meter.TimeSignature(f"{numerator}/{denominator}"))


def _fraction_of_quarters(length: float) -> tuple[int | None, int]:
    for denominator in (4, 8, 16, 32, 64):
        numerator = length * denominator / 4.0
        if abs(numerator - round(numerator)) < _EPS and round(numerator) >= 1:
            return int(round(numerator)), denominator
    return None, 4


def score_from_midi(song: MidiSong) -> Any:
    """The MIDI file of ``song`` as a music21 score (music21 quantizes it to notation).

    A short first bar in its own time signature (how notation programs export
    a pickup, see :class:`~harmonizer.melody.Meter`) becomes a real pickup
    measure again.  Raises :class:`InputError` when music21 cannot read it.
    """
    from music21 import converter, stream

    buffer = io.BytesIO()
    source = song.midi
    if source.type == 0 and len(source.tracks) != 1:
        # A "type 0" file with several track chunks: read as it was (the reader takes every
        # chunk), so hand music21 the same tracks as type 1, which mido can write.
        source = mido.MidiFile(type=1, ticks_per_beat=source.ticks_per_beat, charset=source.charset)
        source.tracks = list(song.midi.tracks)
    source.save(file=buffer)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            score = converter.parseData(buffer.getvalue(), format="midi")
        except Exception as error:  # music21 raises many unrelated types
            raise InputError(f"{song.path}: music21 cannot read the MIDI file "
                             f"({type(error).__name__}: {error})") from error
    if not isinstance(score, stream.Score):
        wrapped = stream.Score()
        wrapped.insert(0, score)
        score = wrapped
    if song.meter.pickup > _EPS:
        _restore_pickup(score, song.meter.pickup)
    return score


def _restore_pickup(score: Any, pickup: float) -> None:
    from music21 import meter, stream

    for part in score.parts:
        measures = list(part.getElementsByClass(stream.Measure))
        if len(measures) < 2 or abs(float(measures[1].offset) - pickup) > _EPS:
            continue
        short = measures[0].getElementsByClass(meter.TimeSignature).first()
        real = measures[1].getElementsByClass(meter.TimeSignature).first()
        if short is None or real is None:
            continue
        measures[0].remove(short)
        measures[0].insert(0, copy.deepcopy(real))
        measures[1].remove(real)
        measures[0].paddingLeft = real.barDuration.quarterLength - pickup
        measures[0].showNumber = stream.enums.ShowNumber.NEVER  # written implicit="yes"
        for measure in measures:  # the pickup is bar 0, as notation programs number it
            measure.number = measure.number - 1


def melody_part_index(score: Any, melody_notes: Sequence[Note]) -> int:
    """The index of the part of ``score`` whose notes best match ``melody_notes`` (same
    pitch at the same onset), for finding a MIDI track again after music21 read it."""
    wanted = {(round(n.onset * 12), n.pitch) for n in melody_notes}
    best, best_score = 0, -1.0
    for index, part in enumerate(score.parts):
        found = {(round(n.onset * 12), n.pitch) for n in part_notes(part)}
        if not found:
            continue
        overlap = len(wanted & found) / len(wanted | found)
        if overlap > best_score:
            best, best_score = index, overlap
    return best


def write_result(song: MidiSong | ScoreSong, chords: Sequence[ChordChoice],
                 path: str | os.PathLike[str], *, melody: MelodyCandidate | None = None,
                 accompaniment: bool = False, program: int = DEFAULT_PROGRAM,
                 melody_velocity: float | None = None, replace_existing: bool = False) -> OutputFormat:
    """Write the harmonized ``song`` to ``path`` in the format its extension names; returns
    that format.

    * MIDI in, ``.mid`` out: the file plus a Harmony track (:func:`~harmonizer.midi_out.write_midi`).
    * MIDI in, ``.musicxml``/``.xml``/``.mxl`` out: music21 reads the MIDI file, the
      melody track's part gets the chord symbols.
    * MusicXML in, MusicXML out: the score plus chord symbols (:func:`add_chord_symbols`).
    * MusicXML in, ``.mid`` out: the score rendered as MIDI plus a Harmony track.

    ``melody`` is the candidate that was harmonized (default: the best-ranked);
    ``accompaniment`` adds the piano part to MusicXML output (MIDI output always
    has the Harmony track); ``program`` is the General MIDI program of the chords;
    ``replace_existing`` drops chord symbols the score's melody part already had
    (MusicXML in and out; MIDI output never sounds them), or a MIDI file's own chord tracks
    (MIDI in and out, :func:`~harmonizer.midi_out.harmony_tracks`).
    Raises :class:`OptionError` for an unknown extension and :class:`OutputError`
    when writing fails.
    """
    target = Path(path)
    kind = output_format(target)
    if isinstance(song, ScoreSong):
        part = melody.track if melody is not None else (song.candidates[0].track if song.candidates else 0)
        if kind == "midi":
            meter = song.meters_by_part.get(part, song.meter)
            rendered = score_to_midi_song(song.score, song.path, pickup=meter.pickup)
            write_midi(rendered, chords, target, melody_velocity=melody_velocity, program=program)
        else:
            write_score(add_chord_symbols(song.score, part, chords, accompaniment, program,
                                          replace_existing=replace_existing), target)
        return kind
    if kind == "midi":
        write_midi(song, chords, target, melody_velocity=melody_velocity, program=program,
                   replace_existing=replace_existing)
        return kind
    bars = len(song.meter.bars(song.end))
    if bars > limits.MAX_NOTATION_BARS:
        raise OutputError(f"{target}: the piece has {bars} bars; MusicXML output is limited to "
                          f"{limits.MAX_NOTATION_BARS} (write a .mid file instead)")
    chosen = melody if melody is not None else song.melody()[1]
    score = score_from_midi(song)
    part = melody_part_index(score, song.notes_by_part.get((chosen.track, chosen.channel), ()))
    write_score(add_chord_symbols(score, part, chords, accompaniment, program), target)
    return kind
