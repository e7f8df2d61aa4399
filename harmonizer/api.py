"""The Python entry points: harmonize a file, or a bare pattern of scale degrees."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine import (
    ChordChoice,
    Harmonization,
    Progression,
    Weights,
    check_alternatives,
    check_variety,
    harmonize_grid,
    harmonize_melody,
    style_weights,
    user_key,
)
from .errors import InputWarning, OptionError, OutputError
from .mask import check_mask, create_scale_degree_mask, harmonization_priorities, mask_coverage
from .melody import Melody, Meter, Note, TimeSignature
from .midi_in import MelodyCandidate
from .scorer import ModelBundle, load_model
from .slots import whole_bar_slots
from .theory import Degree, Key, parse_degree, parse_key

if TYPE_CHECKING:
    from .variety import Variety

__all__ = ["FileResult", "DegreeHarmonization", "harmonize_file", "harmonize_degrees",
           "default_output_path"]


@dataclass(frozen=True)
class FileResult:
    """What harmonizing a file produced: where it went and the harmonization itself."""

    input_path: str
    output_path: str | None
    melody: MelodyCandidate
    candidates: tuple[MelodyCandidate, ...]
    harmonization: Harmonization

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input_path,
            "output": self.output_path,
            "melody_track": self.melody.track,
            "melody_candidates": [asdict(c) for c in self.candidates],
            **self.harmonization.to_dict(),
        }


def default_output_path(path: str | os.PathLike[str]) -> Path:
    """``song.mid`` -> ``song.harmonized.mid`` beside it."""
    source = Path(path)
    return source.with_name(f"{source.stem}.harmonized{source.suffix or '.mid'}")


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, say: _check_output says what is wrong with it
        return False


def _check_output(input_path: Path, output: Path, force: bool) -> None:
    """Refuse, before any work, an output that could not or may not be written: an existing file
    without ``force``, a folder, a missing or read-only folder, a name the file system refuses.
    Every output is checked before the first is written, so a refusal leaves nothing behind."""
    folder = output.parent if str(output.parent) else Path(".")
    try:
        if output.exists():
            if not force:
                same = output.resolve() == input_path.resolve()
                what = "is the input file" if same else "exists"
                raise OutputError(f"{output}: output {what}; use --force to overwrite it")
            if output.is_dir():
                raise OutputError(f"{output}: output is a folder")
        # The same words as a write that fails there (midi_out.atomic_path).
        if not folder.is_dir():
            raise OutputError(f"{output}: cannot write in {folder} (no such folder)")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"{output}: cannot write in {folder} (Permission denied)")
        longest = os.pathconf(folder, "PC_NAME_MAX") if hasattr(os, "pathconf") else 255
    except OutputError:
        raise
    except OSError as error:  # e.g. a name too long for the file system
        raise OutputError(f"{output}: unusable output path ({error.strerror or error})") from error
    # The temporary file beside it (midi_out.atomic_path: "." + name + "." + 8 random
    # characters + ".tmp", 14 bytes more) must fit too.
    if len(os.fsencode(output.name)) + 14 > longest:
        raise OutputError(f"{output}: the file name is too long for its folder's file system "
                          f"(at most {longest - 14} bytes here)")


def harmonize_file(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    write: bool = True,
    style: str = "classical",
    key: str | Key | None = None,
    harmonic_rhythm: str = "auto",
    target_degrees: Sequence[int | str] | None = None,
    melody_track: int | None = None,
    weights: Weights | None = None,
    variety: Variety | None = None,
    alternatives: int = 3,
    program: int = 0,
    accompaniment: bool = False,
    preview: str | os.PathLike[str] | None = None,
    audio: str | os.PathLike[str] | None = None,
    replace_chords: bool = False,
) -> FileResult:
    """Harmonize a MIDI or MusicXML file (told apart by content) and, unless ``write=False``,
    write the result in the format of the output's extension (``.mid``, ``.musicxml``,
    ``.xml``, ``.mxl``).

    The result goes to ``output`` or ``song.harmonized.<ext>`` beside the input (or in
    ``output`` when it is a folder); an existing file (the input included) is only replaced
    with ``force``.
    ``melody_track`` is a MIDI track number or a MusicXML part index;
    ``accompaniment`` adds a piano part to MusicXML output; ``preview`` (.png or
    .svg) engraves the harmonized melody as a lead sheet; ``audio`` (.wav)
    renders the harmonized MIDI with FluidSynth; ``variety`` (0..1, ``"auto"`` or ``"colour"``,
    None: the style's own) asks for more different chords.  A MusicXML melody part that already
    has chord symbols (a lead sheet), or a MIDI file that has a chord track of ours (an earlier
    run's), keeps them beside ours, with an :class:`~harmonizer.errors.InputWarning` saying so,
    unless ``replace_chords``: then ours replace them.  Raises the errors of
    :mod:`harmonizer.errors`, each naming the file.
    """
    from .musicxml_in import read_song
    from .musicxml_out import output_format, write_result

    source = Path(path)
    target = Path(output) if output is not None else default_output_path(source)
    named = os.fspath(output) if output is not None else ""
    if output is not None and not named:
        raise OptionError("the output path is empty")
    if named and _is_folder(target):  # as cp does: into it, under the default name
        target = target / default_output_path(source).name
    elif named.endswith(("/", os.sep)):  # a folder meant, and missing
        raise OutputError(f"{named}: cannot write in {named} (no such folder)")
    if write:
        output_format(target)  # an unknown extension fails before any work
        _check_output(source, target, force)
    for extra, suffixes in ((preview, (".png", ".svg")), (audio, (".wav",))):
        if extra is not None:
            extra_path = Path(extra)
            if extra_path.suffix.lower() not in suffixes:
                raise OptionError(f"{extra_path}: the file must end in {' or '.join(suffixes)}")
            _check_output(source, extra_path, force)
    song = read_song(source)
    melody, chosen = song.melody(melody_track)
    mask = create_scale_degree_mask(target_degrees) if target_degrees else None
    harmonization = harmonize_melody(
        melody, key=key, key_signature=song.key_signature, style=style,
        harmonic_rhythm=harmonic_rhythm, target_mask=mask, weights=weights,
        alternatives=alternatives, variety=variety,
    )
    velocities = [n.velocity for n in melody.notes]
    melody_velocity = sum(velocities) / len(velocities)
    if write:
        if not replace_chords:
            _warn_of_earlier_chords(source, song, chosen, output_format(target))
        write_result(song, harmonization.chords, target, melody=chosen, accompaniment=accompaniment,
                     program=program, melody_velocity=melody_velocity, replace_existing=replace_chords)
    if preview is not None:
        from .preview import render_preview
        from .render import lead_sheet_musicxml

        render_preview(lead_sheet_musicxml(melody, harmonization, title=source.stem), Path(preview))
    if audio is not None:
        _render_audio(song, harmonization, target if write and output_format(target) == "midi" else None,
                      Path(audio), melody_velocity, program)
    return FileResult(str(source), str(target) if write else None, chosen, song.candidates,
                      harmonization)


def _warn_of_earlier_chords(source: Path, song: object, chosen: MelodyCandidate, kind: str) -> None:
    """Warn when the output would carry the input's own chords beside ours: a MusicXML melody
    part's chord symbols (a lead sheet's), or a MIDI file's chord track (an earlier run's).  Two
    sets read as one progression, and two chord tracks sound at once."""
    from .midi_in import MidiSong
    from .midi_out import TRACK_NAME, harmony_tracks
    from .musicxml_in import ScoreSong
    from .musicxml_out import chord_symbols_of, kept_chord_symbols

    message = ""
    if isinstance(song, ScoreSong) and kind != "midi":
        theirs = len(chord_symbols_of(list(song.score.parts)[chosen.track]))
        if theirs:
            message = f"the melody part {kept_chord_symbols(theirs)}"
    elif isinstance(song, MidiSong) and kind == "midi":
        tracks = harmony_tracks(song)
        if tracks:
            numbers = ", ".join(str(t) for t in tracks)
            message = (f"the file already has a chord track named '{TRACK_NAME}' (track {numbers}, "
                       f"an earlier run's?); it is kept and sounds beside the new one")
    if message:
        warnings.warn(InputWarning(f"{source}: {message} (--replace-chords writes ours alone)"),
                      stacklevel=3)


def _render_audio(song: object, harmonization: Harmonization, written_midi: Path | None, wav: Path,
                  melody_velocity: float, program: int) -> None:
    """Sound of the harmonized file: the MIDI just written, or a temporary one."""
    import tempfile

    from .musicxml_out import write_result
    from .preview import render_audio

    if written_midi is not None:
        render_audio(written_midi, wav)
        return
    with tempfile.TemporaryDirectory() as folder:
        midi = Path(folder) / "harmonized.mid"
        write_result(song, harmonization.chords, midi, melody_velocity=melody_velocity,  # type: ignore[arg-type]
                     program=program)
        render_audio(midi, wav)


@dataclass(frozen=True)
class DegreeHarmonization:
    """The original notebook's result fields, computed by the real engine."""

    input_pattern: tuple[str, ...]
    key: str
    is_minor: bool
    style: str
    target_mask: int | None
    mask_coverage: float
    harmonization: tuple[str, ...]  # Roman numerals, one per degree
    symbols: tuple[str, ...]
    overall_score: float
    confidence: float
    position_scores: tuple[float, ...]
    alternatives: tuple[Progression, ...]
    harmonization_priorities: tuple[float, ...]
    chords: tuple[ChordChoice, ...]
    #: The variety bonus the pattern was decoded with, and how it was chosen (as Harmonization's).
    variety: float = 0.0
    variety_mode: str = "fixed"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["alternatives"] = [asdict(p) for p in self.alternatives]
        return data


def harmonize_degrees(
    pattern: Sequence[int | str | Degree],
    key: str | Key = "C",
    is_minor: bool = False,
    style: str = "classical",
    target_mask: int | None = None,
    *,
    weights: Weights | None = None,
    alternatives: int = 3,
    model: ModelBundle | None = None,
    variety: Variety | None = None,
) -> DegreeHarmonization:
    """Harmonize a pattern of scale degrees, one chord per degree.

    Degrees are ``1``..``7`` or strings like ``"b3"``, ``"#4"``.  ``key`` names
    the tonic (``"D"``, ``"Bb"``); ``is_minor`` picks the mode unless ``key``
    names one (``"D minor"``).  Each degree is one bar of 4/4 and the last
    ends the phrase; ``variety`` is :func:`~harmonizer.engine.harmonize_melody`'s.
    Raises :class:`OptionError` for an empty pattern, a degree outside 1..7,
    a bad key, mask or variety.
    """
    degrees = [parse_degree(value) for value in pattern]
    if not degrees:
        raise OptionError("The degree pattern is empty: give at least one scale degree.")
    tonal = parse_key(key) if isinstance(key, str) else key
    named_mode = isinstance(key, str) and any(w in key.lower() for w in ("maj", "min", "m"))
    if is_minor and not named_mode:
        tonal = Key(tonal.tonic, "minor", tonal.tonic_name)
    if target_mask is not None:
        check_mask(target_mask)
    notes = []
    previous = 60 + tonal.tonic
    for bar, degree in enumerate(degrees):
        pc = (tonal.tonic + degree.semitones(tonal.mode)) % 12
        options = (60 + pc, 72 + pc) if pc < 8 else (60 + pc,)  # the pitches 60..79 of this class
        pitch = min(options, key=lambda p: abs(p - previous))
        notes.append(Note(pitch, bar * 4.0, 4.0))
        previous = pitch
    melody = Melody(tuple(notes), Meter((TimeSignature(0.0, 4, 4),)), source="degree pattern")
    check_alternatives(alternatives)
    if variety is not None:
        check_variety(variety)
    # Each degree is already one slot: skip the general slotting of harmonize_melody, which gives
    # the same grid for this melody (tests/test_engine.py checks both give the same answer).
    bundle = model or load_model(style)
    result = harmonize_grid(
        melody, whole_bar_slots([n.pitch for n in notes], tonal), user_key(tonal), bundle,
        target_mask=target_mask, weights=weights or style_weights(bundle), alternatives=alternatives,
        variety=variety,
    )
    if target_mask is None:
        coverage, priorities = 1.0, tuple(1.0 for _ in degrees)
    else:
        coverage = mask_coverage(degrees, target_mask)
        priorities = tuple(harmonization_priorities(degrees, target_mask))
    return DegreeHarmonization(
        input_pattern=tuple(str(d) for d in degrees),
        key=tonal.tonic_name,
        is_minor=tonal.is_minor,
        style=result.style,
        target_mask=target_mask,
        mask_coverage=round(coverage, 4),
        harmonization=tuple(result.numerals),
        symbols=tuple(result.symbols),
        overall_score=result.overall_score,
        confidence=result.confidence,
        position_scores=tuple(c.score for c in result.chords),
        alternatives=result.alternatives,
        harmonization_priorities=priorities,
        chords=result.chords,
        variety=result.variety,
        variety_mode=result.variety_mode,
    )
