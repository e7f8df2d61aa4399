"""The JSON contract of notation plugins: a melody in ticks goes in, chord symbols in ticks come out.

A plugin inside a notation program (the MuseScore plugin in ``plugins/musescore``)
cannot load Python, so it writes the melody it sees as a small JSON file, runs
``harmonize-midi --melody-json IN --chords-json OUT`` and reads the chords back.

Input
-----
One object; times are whole ticks, ``ticks_per_quarter`` to the quarter note
(plugins use 480, MuseScore's own division)::

    {
      "ticks_per_quarter": 480,
      "time_signatures": [{"tick": 0, "numerator": 4, "denominator": 4}],
      "key_signature": {"fifths": 2, "mode": "major"},
      "notes": [{"tick": 0, "duration": 480, "pitch": 62}, ...],
      "pickup_ticks": 0
    }

Fields:

``ticks_per_quarter`` (required)
    Ticks per quarter note, 1..32767.
``notes`` (required)
    1..``limits.MAX_MELODY_NOTES`` notes, each ``{"tick": >= 0, "duration": >= 1,
    "pitch": 0..127}`` (MIDI number of the sounding pitch), in any order. Of notes that
    start together only the highest is kept, and a note is cut where the next one
    starts: chords become their top note. No note may end after ``limits.MAX_BEATS``
    quarter notes.
``time_signatures`` (default: 4/4 from tick 0)
    Each ``{"tick": >= 0, "numerator": 1..255, "denominator": 1, 2, 4, ..., 128}``,
    ticks strictly increasing. A change where no bar ends starts a new bar there, so a
    shortened bar in the middle is a change and a change back.
``key_signature`` (default: ``null``)
    ``null`` or ``{"fifths": -7..7, "mode": "major" | "minor"}``; ``mode`` may be left
    out or ``null`` (major). Evidence for key finding, not an order (``--key`` is).
``pickup_ticks`` (default: 0)
    Length of an incomplete first bar (anacrusis), shorter than the first bar; bar 1
    starts there.

Any other field, a number that is not a whole number (``480.0``, ``true``) or a
value out of range is refused with one line naming the field and its index,
e.g. ``notes[3].pitch must be a whole number in 0..127. Got 130.``

Output
------
::

    {"key": "D major",
     "overruled_key_signature": null,
     "chords": [{"tick": 0, "duration": 960, "symbol": "D", "root": 2, "quality": "maj",
                 "bass": 2, "numeral": "I", "confidence": 0.9}, ...]}

``overruled_key_signature`` names the input's key signature (``"C major"``) when the key
found is neither its key nor its relative -- the melody outweighed it, as it can a default
signature nobody set -- and is ``null`` otherwise (no signature, one that agrees, a ``--key``).

One chord per harmonic slot, in order, each lasting until the next one starts; two
neighbouring slots may hold the same symbol (a lead sheet writes it once).
``root`` and ``bass`` are pitch classes (0 = C), ``quality`` is one of the
qualities of the README's JSON schema, ``confidence`` the chord's posterior
probability in [0, 1]. Ticks are in the input's ``ticks_per_quarter``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import limits
from .engine import Harmonization, Weights, harmonize_melody
from .errors import (
    INTERNAL_ERROR_EXIT,
    HarmonizerError,
    InputError,
    NoMelodyError,
    OptionError,
    OutputError,
    exit_code_for,
    printable,
)
from .mask import create_scale_degree_mask
from .melody import Melody, Meter, Note, TimeSignature, skyline
from .scorer import STYLES
from .theory import Key, parse_key

if TYPE_CHECKING:
    from .variety import Variety

__all__ = [
    "DEFAULT_TICKS_PER_QUARTER",
    "MAX_TICKS_PER_QUARTER",
    "melody_from_json",
    "chords_to_json",
    "harmonize_json",
    "harmonize_json_file",
    "read_json",
    "write_error_file",
]

#: What plugins send; any other division is accepted too.
DEFAULT_TICKS_PER_QUARTER = 480
#: The largest division a MIDI header can hold (15 bits); nothing finer is meaningful.
MAX_TICKS_PER_QUARTER = 32767
_MAX_NUMERATOR = 255
_DENOMINATORS = (1, 2, 4, 8, 16, 32, 64, 128)

_TOP_FIELDS = ("ticks_per_quarter", "time_signatures", "key_signature", "notes", "pickup_ticks")
_NOTE_FIELDS = ("tick", "duration", "pitch")
_TIME_SIGNATURE_FIELDS = ("tick", "numerator", "denominator")
_KEY_SIGNATURE_FIELDS = ("fifths", "mode")

# Key names by number of sharps (positive) or flats (negative), -7..7.
_MAJOR_BY_FIFTHS = ("Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#")
_MINOR_BY_FIFTHS = ("Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#", "G#", "D#", "A#")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            float: "a number with a fraction", type(None): "null"}.get(type(value), type(value).__name__)


def _whole(value: Any, where: str, low: int, high: int | None = None) -> int:
    """``value`` as an int in low..high, or InputError naming ``where``."""
    span = f"in {low}..{high}" if high is not None else f">= {low}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where} must be a whole number {span}. Got {_show(value)}.")
    if value < low or (high is not None and value > high):
        raise InputError(f"{where} must be a whole number {span}. Got {value}.")
    return value


def _object(value: Any, where: str, allowed: Sequence[str], required: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where} must be an object. Got {_kind(value)}.")
    for name in value:
        if name not in allowed:
            raise InputError(f"{where} has an unknown field {_show(name)}; allowed: {', '.join(allowed)}.")
    for name in required:
        if name not in value:
            raise InputError(f"{where} lacks the required field '{name}'.")
    return value


def _list(value: Any, where: str, most: int) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{where} must be a list. Got {_kind(value)}.")
    if len(value) > most:
        raise InputError(f"{where} has {len(value)} entries; the limit is {most}.")
    return value


def _key_signature(value: Any) -> Key | None:
    if value is None:
        return None
    fields = _object(value, "key_signature", _KEY_SIGNATURE_FIELDS, ("fifths",))
    fifths = _whole(fields["fifths"], "key_signature.fifths", -7, 7)
    mode = fields.get("mode")
    if mode is None:
        mode = "major"
    if mode not in ("major", "minor"):
        raise InputError(f"key_signature.mode must be 'major', 'minor' or null. Got {_show(mode)}.")
    names = _MAJOR_BY_FIFTHS if mode == "major" else _MINOR_BY_FIFTHS
    return parse_key(f"{names[fifths + 7]} {mode}")


def _time_signatures(value: Any, ticks_per_quarter: int) -> tuple[TimeSignature, ...]:
    entries = _list(value, "time_signatures", limits.MAX_MELODY_NOTES)
    if not entries:
        raise InputError("time_signatures must hold at least one time signature (or be left out for 4/4).")
    signatures: list[TimeSignature] = []
    previous_tick = -1
    for index, entry in enumerate(entries):
        where = f"time_signatures[{index}]"
        fields = _object(entry, where, _TIME_SIGNATURE_FIELDS, _TIME_SIGNATURE_FIELDS)
        tick = _whole(fields["tick"], f"{where}.tick", 0)
        if tick <= previous_tick:
            raise InputError(f"{where}.tick must come after time_signatures[{index - 1}].tick "
                             f"({previous_tick}). Got {tick}.")
        numerator = _whole(fields["numerator"], f"{where}.numerator", 1, _MAX_NUMERATOR)
        denominator = fields["denominator"]
        if isinstance(denominator, bool) or denominator not in _DENOMINATORS:
            raise InputError(f"{where}.denominator must be one of "
                             f"{', '.join(map(str, _DENOMINATORS))}. Got {_show(denominator)}.")
        if tick / ticks_per_quarter > limits.MAX_BEATS:
            raise InputError(f"{where}.tick is beat {tick / ticks_per_quarter:.0f}; "
                             f"the limit is {limits.MAX_BEATS:.0f}.")
        signatures.append(TimeSignature(tick / ticks_per_quarter, numerator, int(denominator)))
        previous_tick = tick
    return tuple(signatures)


def _notes(value: Any, ticks_per_quarter: int) -> list[Note]:
    entries = _list(value, "notes", limits.MAX_MELODY_NOTES)
    if not entries:
        raise NoMelodyError("notes is empty: the melody has no notes to harmonize.")
    raw: list[tuple[int, int, int]] = []
    for index, entry in enumerate(entries):
        where = f"notes[{index}]"
        fields = _object(entry, where, _NOTE_FIELDS, _NOTE_FIELDS)
        tick = _whole(fields["tick"], f"{where}.tick", 0)
        duration = _whole(fields["duration"], f"{where}.duration", 1)
        pitch = _whole(fields["pitch"], f"{where}.pitch", 0, 127)
        end_beat = (tick + duration) / ticks_per_quarter
        if end_beat > limits.MAX_BEATS:
            raise InputError(f"{where} ends at beat {end_beat:.0f}; the limit is {limits.MAX_BEATS:.0f}.")
        raw.append((tick, duration, pitch))
    raw.sort(key=lambda n: (n[0], -n[2]))
    return skyline(Note(pitch, tick / ticks_per_quarter, duration / ticks_per_quarter)
                   for tick, duration, pitch in raw)


def melody_from_json(data: Any, source: str = "JSON melody") -> tuple[Melody, Key | None]:
    """The melody and key signature of a decoded input object (see the module docstring).

    Returns the melody (top line, in quarter-note beats) and the key signature,
    or ``None`` when the input gives none.  Raises :class:`InputError` with one
    line naming the bad field and its index, :class:`NoMelodyError` for an
    empty ``notes`` list.
    """
    fields = _object(data, "The melody JSON", _TOP_FIELDS, ("ticks_per_quarter", "notes"))
    ticks_per_quarter = _whole(fields["ticks_per_quarter"], "ticks_per_quarter", 1, MAX_TICKS_PER_QUARTER)
    if "time_signatures" in fields:
        signatures = _time_signatures(fields["time_signatures"], ticks_per_quarter)
    else:
        signatures = (TimeSignature(0.0, 4, 4),)
    pickup_ticks = _whole(fields.get("pickup_ticks", 0), "pickup_ticks", 0)
    if pickup_ticks:
        # Meter copies the first signature to tick 0 when it starts later.
        first_bar = signatures[0].bar_length * ticks_per_quarter
        if pickup_ticks >= first_bar:
            raise InputError(f"pickup_ticks must be shorter than the first bar ({first_bar:.0f} ticks). "
                             f"Got {pickup_ticks}.")
        inside = [i for i, ts in enumerate(signatures) if 0 < ts.onset * ticks_per_quarter < pickup_ticks]
        if inside:
            raise InputError(f"time_signatures[{inside[0]}].tick falls inside the pickup "
                             f"(pickup_ticks {pickup_ticks}).")
    key_signature = _key_signature(fields.get("key_signature"))
    notes = _notes(fields["notes"], ticks_per_quarter)
    meter = Meter(signatures, pickup_ticks / ticks_per_quarter)
    return Melody(tuple(notes), meter, source=source), key_signature


def chords_to_json(harmonization: Harmonization, ticks_per_quarter: int) -> dict[str, Any]:
    """The output object of the contract: the key and one chord per slot, in ticks.

    A chord's duration runs to the next chord's tick, so rounding never opens
    gaps.  Raises :class:`OptionError` for a bad ``ticks_per_quarter``.
    """
    if isinstance(ticks_per_quarter, bool) or not isinstance(ticks_per_quarter, int) \
            or not 1 <= ticks_per_quarter <= MAX_TICKS_PER_QUARTER:
        raise OptionError(f"ticks_per_quarter must be a whole number 1..{MAX_TICKS_PER_QUARTER}. "
                          f"Got {ticks_per_quarter!r}.")
    chords = []
    for chord in harmonization.chords:
        start = round(chord.onset * ticks_per_quarter)
        stop = round((chord.onset + chord.duration) * ticks_per_quarter)
        chords.append({
            "tick": start,
            "duration": max(stop - start, 0),
            "symbol": chord.symbol,
            "root": chord.root,
            "quality": chord.quality,
            "bass": chord.bass,
            "numeral": chord.numeral,
            "confidence": chord.confidence,
        })
    estimate = harmonization.key
    overruled = estimate.key_signature if estimate.overrules_signature else None
    return {"key": estimate.key.name,
            "overruled_key_signature": None if overruled is None else overruled.name,
            "chords": chords}


def harmonize_json(
    data: Any,
    *,
    style: str = "classical",
    key: str | Key | None = None,
    harmonic_rhythm: str = "auto",
    target_degrees: Sequence[int | str] | None = None,
    weights: Weights | None = None,
    source: str = "JSON melody",
    variety: Variety | None = None,
) -> dict[str, Any]:
    """Harmonize a decoded input object and return the output object; no files involved.

    Raises the errors of :func:`melody_from_json` and of
    :func:`harmonizer.harmonize_melody` (bad style, key, degrees, model).
    """
    melody, key_signature = melody_from_json(data, source)
    mask = create_scale_degree_mask(target_degrees) if target_degrees else None
    harmonization = harmonize_melody(melody, key=key, key_signature=key_signature, style=style,
                                     harmonic_rhythm=harmonic_rhythm, target_mask=mask, weights=weights,
                                     variety=variety)
    return chords_to_json(harmonization, data["ticks_per_quarter"])


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_json(path: str | os.PathLike[str]) -> Any:
    """Decode a JSON file of at most ``limits.MAX_FILE_BYTES``; InputError naming the file otherwise."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        if size > limits.MAX_FILE_BYTES:
            raise InputError(f"{name}: file is {size} bytes; the limit is {limits.MAX_FILE_BYTES}")
        data = Path(name).read_bytes()
    except OSError as error:
        raise InputError(f"{name}: cannot read the file ({error.strerror or error})") from error
    try:
        return json.loads(data.decode("utf-8-sig"), parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text (byte {error.start})") from error
    except json.JSONDecodeError as error:
        raise InputError(f"{name}: not valid JSON ({error.msg} at line {error.lineno}, "
                         f"column {error.colno})") from error
    except (ValueError, RecursionError) as error:
        raise InputError(f"{name}: not usable JSON ({error or 'nested too deeply'})") from error


def harmonize_json_file(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    style: str = "classical",
    key: str | Key | None = None,
    harmonic_rhythm: str = "auto",
    target_degrees: Sequence[int | str] | None = None,
    weights: Weights | None = None,
    variety: Variety | None = None,
) -> dict[str, Any]:
    """Read the input JSON at ``in_path``, harmonize it, write the output JSON to ``out_path``.

    The output is written to a temporary file beside it and renamed into place
    (an existing output is replaced: it is an exchange file, rewritten on every
    run), so a reader never sees half a file.  Returns the output object.
    Raises :class:`InputError` naming the file and field, :class:`OutputError`
    when ``out_path`` is the input or a folder or cannot be written, and the
    errors of :func:`harmonizer.harmonize_melody`.
    """
    from .midi_out import write_atomic

    source, target = Path(in_path), Path(out_path)
    if target.is_dir():
        raise OutputError(f"{target}: output is a folder")
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise OutputError(f"{target}: output is the input file")
    data = read_json(source)
    try:
        result = harmonize_json(data, style=style, key=key, harmonic_rhythm=harmonic_rhythm,
                                target_degrees=target_degrees, weights=weights, source=str(source),
                                variety=variety)
    except InputError as error:
        if str(source) in str(error):
            raise
        raise type(error)(f"{source}: {error}") from error
    encoded = (json.dumps(result, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    write_atomic(target, lambda stream: stream.write(encoded))
    return result


def write_error_file(path: str | os.PathLike[str], line: str) -> None:
    """Write an error's one line to ``path`` for a caller that cannot read stderr (a MuseScore
    plugin's process object reads stdout only).  Only as a new file: an existing one (the input,
    the output, anything) is never replaced, so the caller removes it before the run.  Best
    effort: the error is already on stderr, and a second error about the error file would hide
    it."""
    text = (" ".join(line.split()) + "\n").encode("utf-8")
    try:
        # O_EXCL: created here or not at all, never a file that was already there.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except (OSError, ValueError):
        return
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(text)
    except OSError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m harmonizer.json_contract --melody-json IN --chords-json OUT``.

    The same as ``harmonize-midi --melody-json IN --chords-json OUT``; the
    MuseScore plugin falls back to it, so it works with any installed version.
    """
    parser = argparse.ArgumentParser(
        prog="python -m harmonizer.json_contract",
        description="Harmonize a melody given in the JSON contract of notation plugins "
                    "(schema: the docstring of harmonizer.json_contract).")
    parser.add_argument("--melody-json", required=True, metavar="IN", help="the melody, as input JSON")
    parser.add_argument("--chords-json", required=True, metavar="OUT", help="where to write the chords")
    parser.add_argument("--style", default="classical", type=str.lower,
                        help=", ".join(STYLES) + " (default: %(default)s)")
    parser.add_argument("--key", help='override key finding, e.g. "D minor", "Bb", "F#m"')
    parser.add_argument("--harmonic-rhythm", default="auto", choices=("auto", "bar", "half", "beat"))
    parser.add_argument("--target-degrees", metavar="D,D,...", help="scale degrees 1-7 to favour")
    parser.add_argument("--error-file", metavar="FILE",
                        help="on failure, also write the one-line error to FILE, a new file (an existing "
                             "one is never replaced), for callers that cannot read stderr such as "
                             "MuseScore plugins")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    args = parser.parse_args(argv)

    def fail(line: str, code: int) -> int:  # as the main command's errors: one printable line
        line = printable(" ".join(line.split()))
        print(line, file=sys.stderr)
        if args.error_file:
            write_error_file(args.error_file, line)
        return code

    degrees = [d.strip() for d in (args.target_degrees or "").split(",") if d.strip()] or None
    try:
        result = harmonize_json_file(args.melody_json, args.chords_json, style=args.style, key=args.key,
                                     harmonic_rhythm=args.harmonic_rhythm, target_degrees=degrees)
    except HarmonizerError as error:
        if args.debug:
            raise
        return fail(f"{parser.prog}: error: {error}", exit_code_for(error))
    except Exception as error:  # one line, never a traceback, as the main command
        if args.debug:
            raise
        return fail(f"{parser.prog}: internal error: {type(error).__name__}: {error}", INTERNAL_ERROR_EXIT)
    print(f"{args.chords_json}: {result['key']}, {len(result['chords'])} chords")
    return 0


if __name__ == "__main__":
    sys.exit(main())
