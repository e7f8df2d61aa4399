"""``harmonize-midi``: give the melody in a MIDI file its chords."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import __version__
from .errors import INTERNAL_ERROR_EXIT, HarmonizerError, InputWarning, OptionError, exit_code_for, printable

if TYPE_CHECKING:
    from .engine import Weights
    from .variety import Variety

__all__ = ["main", "build_parser"]

EPILOG = """\
examples:
  harmonize-midi song.mid                      writes song.harmonized.mid beside it
  harmonize-midi song.mid -o out.mid --force   choose the output, replace it if it exists
  harmonize-midi song.mid --key "D minor" --harmonic-rhythm half --style folk
  harmonize-midi song.mid --target-degrees 1,4,5 --alternatives 5 --json

batch: harmonize-midi batch IN_DIR [-o OUT_DIR] [--jobs N] ... (or harmonize-midi IN_DIR)
  harmonizes every MIDI and MusicXML file under a folder; see harmonize-midi batch --help.

exit codes: 0 done, 2 bad option, 3 bad input, 4 unsupported input, 5 output
problem, 6 model problem, 8 some files of a batch failed, 70 internal error.
"""

BATCH_FAILURES_EXIT = 8


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _add_harmony_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--style", default="classical", type=str.lower,  # "Jazz" is jazz
                        help="classical, folk, pop, jazz or blues (default: %(default)s; "
                             "see models/ for the shipped ones)")
    parser.add_argument("--key", help='override key finding, e.g. "D minor", "Bb", "F#m"')
    parser.add_argument("--harmonic-rhythm", default="auto", choices=("auto", "bar", "half", "beat"),
                        help="how often chords may change (default: auto = bar, or half bar in "
                             "4/4, 2/2, 6/8 and other even metres when the median bar has 4+ "
                             "notes; classical: a beat when the melody moves at least every other "
                             "beat)")
    parser.add_argument("--target-degrees", metavar="D,D,...",
                        help="scale degrees 1-7 to favour, e.g. 1,4,5: notes on them weigh 1.0, "
                             "others 0.5")
    parser.add_argument("--variety", metavar="V",
                        help="0..1: how strongly to favour chords the piece would otherwise use "
                             "little; 0 gives the likeliest progression, more gives more different "
                             "chords; auto: as many different chords as the style's own music uses "
                             "in a piece this long; colour: that many, by choosing the qualities on "
                             "the likeliest roots (default: the style's own, chosen on validation "
                             "songs and kept in its model card)")
    parser.add_argument("--weights", metavar="H,V,C",
                        help="weights of harmonic fit, voice leading and context (default: the "
                             "style's own, chosen on validation songs and kept in its model card; "
                             "0.5,0.3,0.2 is the original notebook's)")
    parser.add_argument("--program", type=_positive_int, default=0, metavar="P",
                        help="General MIDI program of the chord track, 0-127 (default: 0, piano)")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")


def build_batch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harmonize-midi batch",
        description="Harmonize every MIDI and MusicXML file under a folder (recursively). A failed "
                    "file never stops the batch; files whose output is newer than the input are skipped, so "
                    "an interrupted batch resumes where it stopped.",
    )
    parser.add_argument("input", help="the folder to harmonize")
    parser.add_argument("-o", "--output", help="output folder, mirroring the input tree "
                                               "(default: each output beside its input)")
    parser.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                        help="worker processes (default: %(default)s); each loads the model once")
    parser.add_argument("--dask-scheduler", metavar="ADDRESS",
                        help="run on a Dask cluster instead, e.g. tcp://scheduler:8786 "
                             "(needs pip install 'harmonizer[dask]' on every machine)")
    parser.add_argument("--log", metavar="FILE",
                        help="per-file results, .jsonl or .csv (default: OUT_DIR/harmonize-log.jsonl)")
    parser.add_argument("--force", action="store_true", help="redo files whose output is up to date")
    parser.add_argument("--replace-chords", action="store_true",
                        help="drop the chords each input already has (chord symbols in MusicXML, "
                             "an earlier run's Harmony track in MIDI) and write ours alone "
                             "(default: theirs are kept beside ours)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_harmony_options(parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harmonize-midi",
        description="Find the melody and key of a MIDI or MusicXML file, choose chords for it with a model "
                    "learned from real harmonized music, and write the file back with a chord "
                    "track (voiced chords plus chord-symbol markers) added. Every original "
                    "track and event is kept.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", nargs="?",
                        help="a MIDI file (.mid, .midi, .rmi), a MusicXML file (.musicxml, .xml, .mxl), "
                             "or a folder for a batch")
    parser.add_argument("-o", "--output",
                        help="where to write (default: INPUT.harmonized.EXT beside it; a "
                             "folder: that name in it); the extension picks the format: .mid, "
                             ".musicxml, .xml or .mxl")
    parser.add_argument("--force", action="store_true",
                        help="replace the output if it exists (even the input)")
    parser.add_argument("--no-write", action="store_true", help="analyse and print only; write nothing")
    parser.add_argument("--melody-track", "--melody-part", type=_positive_int, metavar="N",
                        help="use MIDI track N (0-based), or MusicXML part N (0-based), as the "
                             "melody instead of the best-ranked one")
    parser.add_argument("--accompaniment", action="store_true",
                        help="MusicXML output: add a piano part playing the voiced chords")
    parser.add_argument("--replace-chords", action="store_true",
                        help="drop the chords the input already has (a lead sheet's chord symbols "
                             "in MusicXML, an earlier run's Harmony track in MIDI) and write ours "
                             "alone; without it theirs are kept beside ours, with a warning")
    parser.add_argument("--preview", metavar="FILE",
                        help="also engrave the harmonized melody as a lead sheet, FILE.png or FILE.svg "
                             "(needs pip install 'harmonizer[preview]')")
    parser.add_argument("--audio", metavar="FILE",
                        help="also render the harmonized file to FILE.wav with FluidSynth "
                             "(Debian: apt-get install fluidsynth fluid-soundfont-gm)")
    parser.add_argument("--alternatives", type=_positive_int, default=3, metavar="N",
                        help="rank the N best progressions (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("--melody-json", metavar="IN",
                        help="read the melody from IN, the JSON contract of notation plugins "
                             "(schema: harmonizer.json_contract), instead of INPUT")
    parser.add_argument("--chords-json", metavar="OUT",
                        help="with --melody-json: write the chords to OUT as the contract's JSON")
    parser.add_argument("--error-file", metavar="FILE",
                        help="on failure, also write the one-line error to FILE, a new file (an existing "
                             "one is never replaced), for callers that cannot read stderr such as "
                             "MuseScore plugins")
    _add_harmony_options(parser)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _target_degrees(text: str | None) -> list[str] | None:
    if not text:
        return None
    degrees = [part.strip() for part in text.split(",") if part.strip()]
    if not degrees:
        raise OptionError(f"--target-degrees takes degrees like 1,4,5. Got {text!r}.")
    return degrees


def _variety(text: str | None) -> Variety | None:
    """``--variety``, or None for the style's own."""
    from .variety import AUTO, COLOUR, check_variety  # noqa: PLC0415 - keep numpy's import out of --help

    if text is None:
        return None
    if text.strip().lower() in (AUTO, COLOUR, "color"):
        return check_variety(text)
    try:
        return check_variety(float(text))
    except (ValueError, OptionError):
        raise OptionError(f"--variety takes a number in 0..1, like 0.2, or auto or colour. "
                          f"Got {text!r}.") from None


def _weights(text: str | None) -> Weights | None:
    """``--weights``, or None for the style's own."""
    from .engine import Weights  # noqa: PLC0415 - keep the engine's imports out of --help

    return None if text is None else Weights.parse(text)


def _run_batch(args: argparse.Namespace) -> int:
    from .batch import BatchOptions, run_batch
    from .mask import create_scale_degree_mask

    weights = _weights(args.weights)
    degrees = _target_degrees(args.target_degrees)
    if degrees:
        create_scale_degree_mask(degrees)  # refuse a bad degree before any file
    if args.key:
        from .theory import parse_key

        parse_key(args.key)
    options = BatchOptions(
        style=args.style, key=args.key, harmonic_rhythm=args.harmonic_rhythm,
        target_degrees=tuple(degrees) if degrees else None,
        weights=None if weights is None else (weights.harmonic, weights.voice_leading, weights.contextual),
        variety=_variety(args.variety), program=args.program, force=args.force,
        replace_chords=args.replace_chords,
    )
    summary = run_batch(args.input, args.output, options=options, jobs=max(args.jobs, 1),
                        log_path=args.log, progress=not args.no_progress,
                        dask_scheduler=args.dask_scheduler)
    for line in summary.failure_lines():  # every one: the reasons are errors, as a single file's
        print(_one_line(line), file=sys.stderr)
    print(summary.describe())
    return BATCH_FAILURES_EXIT if summary.failed else 0


def _run_json_contract(args: argparse.Namespace) -> int:
    from .json_contract import harmonize_json_file

    if args.input or not (args.melody_json and args.chords_json):
        raise OptionError("--melody-json IN and --chords-json OUT go together, without INPUT.")
    result = harmonize_json_file(
        args.melody_json, args.chords_json, style=args.style, key=args.key,
        harmonic_rhythm=args.harmonic_rhythm, target_degrees=_target_degrees(args.target_degrees),
        weights=_weights(args.weights), variety=_variety(args.variety),
    )
    if args.json:
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(f"{args.chords_json}: {result['key']}, {len(result['chords'])} chords")
    return 0


def _run(args: argparse.Namespace) -> int:
    from .api import harmonize_file

    if args.melody_json or args.chords_json:
        return _run_json_contract(args)
    if not args.input:
        raise OptionError("Give a MIDI file to harmonize (or --melody-json IN --chords-json OUT).")
    from .report import summary

    target_degrees = _target_degrees(args.target_degrees)
    result = harmonize_file(
        args.input, args.output, force=args.force, write=not args.no_write, style=args.style,
        key=args.key, harmonic_rhythm=args.harmonic_rhythm, target_degrees=target_degrees,
        melody_track=args.melody_track, weights=_weights(args.weights), variety=_variety(args.variety),
        alternatives=args.alternatives, program=args.program, accompaniment=args.accompaniment,
        preview=args.preview, audio=args.audio, replace_chords=args.replace_chords,
    )
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(summary(result.input_path, result.harmonization, result.melody, result.candidates,
                      result.output_path))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    batch = bool(arguments) and arguments[0] == "batch"
    if batch:
        arguments = arguments[1:]
    elif arguments and not arguments[0].startswith("-") and os.path.isdir(arguments[0]):
        batch = True
    args = (build_batch_parser() if batch else build_parser()).parse_args(arguments)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        code = _run_reporting_errors(args, batch)
    if code and not args.debug:  # after an error, its one line says it all
        caught = []
    shown: set[str] = set()
    for warning in caught:  # one line each (what was read past, or a library's own warning)
        text = _one_line(str(warning.message))
        if not issubclass(warning.category, InputWarning):
            text = f"{warning.category.__name__}: {text} ({os.path.basename(warning.filename)}:" \
                   f"{warning.lineno})"
        if text not in shown:
            shown.add(text)
            print(f"harmonize-midi: warning: {text}", file=sys.stderr)
    return code


def _one_line(text: str) -> str:
    """``text`` on one line, with any control character a file put in it (a track name, a
    file name) shown as an escape rather than obeyed by the terminal."""
    return printable(" ".join(text.split()))


def _run_reporting_errors(args: argparse.Namespace, batch: bool) -> int:
    """Run the command; every failure becomes one line on stderr and its exit code
    (``--debug`` prints the traceback first)."""
    try:
        return _run_batch(args) if batch else _run(args)
    except HarmonizerError as error:
        if args.debug:
            traceback.print_exc()
        message = _one_line(str(error))
        subject = args.input or getattr(args, "melody_json", None)
        if subject and subject not in message:
            message = f"{subject}: {message}"
        _report(args, f"harmonize-midi: error: {message}")
        return exit_code_for(error)
    except KeyboardInterrupt:
        print("harmonize-midi: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader (e.g. `| head`) went away: not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except Exception as error:  # the last line of defence: one line, never a traceback
        if args.debug:
            traceback.print_exc()
        subject = args.input or getattr(args, "melody_json", None)
        hint = "" if args.debug else " (run with --debug for the traceback)"
        _report(args, f"harmonize-midi: internal error: {subject}: {type(error).__name__}: "
                      f"{_one_line(str(error))}{hint}")
        return INTERNAL_ERROR_EXIT


def _report(args: argparse.Namespace, line: str) -> None:
    """The error's one line on stderr, and in ``--error-file`` where one was asked for."""
    line = _one_line(line)
    print(line, file=sys.stderr)
    if getattr(args, "error_file", None):
        from .json_contract import write_error_file

        write_error_file(args.error_file, line)
