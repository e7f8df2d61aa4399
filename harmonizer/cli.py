"""``harmonize-midi``: give the melody in a MIDI file its chords."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__
from .errors import INTERNAL_ERROR_EXIT, HarmonizerError, OptionError, exit_code_for

__all__ = ["main", "build_parser"]

EPILOG = """\
examples:
  harmonize-midi song.mid                      writes song.harmonized.mid beside it
  harmonize-midi song.mid -o out.mid --force   choose the output, replace it if it exists
  harmonize-midi song.mid --key "D minor" --harmonic-rhythm half --style folk
  harmonize-midi song.mid --target-degrees 1,4,5 --alternatives 5 --json

exit codes: 0 done, 2 bad option, 3 bad input, 4 unsupported input, 5 output
problem, 6 model problem, 70 internal error.
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harmonize-midi",
        description="Find the melody and key of a MIDI file, choose chords for it with a model "
                    "learned from real harmonized music, and write the file back with a chord "
                    "track (voiced chords plus chord-symbol markers) added. Every original "
                    "track and event is kept.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", help="a MIDI file (.mid, .midi, .rmi)")
    parser.add_argument("-o", "--output", help="where to write (default: INPUT.harmonized.mid beside it)")
    parser.add_argument("--force", action="store_true",
                        help="replace the output if it exists (even the input)")
    parser.add_argument("--no-write", action="store_true", help="analyse and print only; write nothing")
    parser.add_argument("--style", default="classical",
                        help="classical, folk, pop, jazz or blues (default: %(default)s; "
                             "see models/ for the shipped ones)")
    parser.add_argument("--key", help='override key finding, e.g. "D minor", "Bb", "F#m"')
    parser.add_argument("--harmonic-rhythm", default="auto", choices=("auto", "bar", "half", "beat"),
                        help="how often chords may change (default: auto = bar, or half bar in "
                             "4/4-like metres when the median bar has 4+ notes)")
    parser.add_argument("--target-degrees", metavar="D,D,...",
                        help="scale degrees 1-7 to favour, e.g. 1,4,5: notes on them weigh 1.0, "
                             "others 0.5")
    parser.add_argument("--melody-track", type=_positive_int, metavar="N",
                        help="use track N (0-based) as the melody instead of the best-ranked one")
    parser.add_argument("--weights", metavar="H,V,C", default="0.5,0.3,0.2",
                        help="weights of harmonic fit, voice leading and context (default: %(default)s)")
    parser.add_argument("--alternatives", type=_positive_int, default=3, metavar="N",
                        help="rank the N best progressions (default: %(default)s)")
    parser.add_argument("--program", type=_positive_int, default=0, metavar="P",
                        help="General MIDI program of the chord track, 0-127 (default: 0, piano)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _run(args: argparse.Namespace) -> int:
    from .api import harmonize_file
    from .engine import Weights
    from .report import summary

    target_degrees = None
    if args.target_degrees:
        target_degrees = [part.strip() for part in args.target_degrees.split(",") if part.strip()]
        if not target_degrees:
            raise OptionError(f"--target-degrees takes degrees like 1,4,5. Got {args.target_degrees!r}.")
    result = harmonize_file(
        args.input, args.output, force=args.force, write=not args.no_write, style=args.style,
        key=args.key, harmonic_rhythm=args.harmonic_rhythm, target_degrees=target_degrees,
        melody_track=args.melody_track, weights=Weights.parse(args.weights),
        alternatives=args.alternatives, program=args.program,
    )
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(summary(result.input_path, result.harmonization, result.melody, result.candidates,
                      result.output_path))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except HarmonizerError as error:
        if args.debug:
            raise
        message = str(error)
        if args.input not in message:
            message = f"{args.input}: {message}"
        print(f"harmonize-midi: error: {message}", file=sys.stderr)
        return exit_code_for(error)
    except KeyboardInterrupt:
        print("harmonize-midi: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last line of defence: one line, never a traceback
        if args.debug:
            raise
        print(f"harmonize-midi: internal error: {args.input}: {type(error).__name__}: {error} "
              f"(run with --debug for the traceback)", file=sys.stderr)
        return INTERNAL_ERROR_EXIT
