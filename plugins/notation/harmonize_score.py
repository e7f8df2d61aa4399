#!/usr/bin/env python3
"""Harmonize a score exported as MusicXML, for any notation program: one file, no setup.

MuseScore, Dorico, Finale and Sibelius all export and import MusicXML. This
script reads such an export, gives its melody chords with harmonizer and writes
``NAME.harmonized.musicxml`` for the program to import (see README.md here).

Prerequisite: harmonizer with MusicXML support, installed from this repository into the Python
that runs this script: ``pip install "/path/to/harmonizer[musicxml]"``.

Usage::

    harmonize_score.py SONG.musicxml [OUT]        # OUT: SONG.harmonized.musicxml
    harmonize_score.py --watch FOLDER             # harmonize what appears or changes there
    harmonize_score.py --watch FOLDER --once      # one pass over the folder, then exit

Options --style, --key and --replace-chords are passed to harmonizer (a score that
already has chord symbols keeps them beside ours, with a warning, unless
--replace-chords). The default output is
replaced on every run (a re-export is re-harmonized); an explicit OUT that
exists is only replaced with --force, and never when it is the input. In the
watched folder, files named ``*.harmonized.*`` are outputs and never inputs,
and a file is redone only when it is newer than its output.

Exit codes: 0 done, 1 harmonizer is not installed, 2 bad option, 3 bad input,
4 unsupported input, 5 output problem, 6 model problem, 8 some files of a
--once pass failed, 70 internal error.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

PROG = "harmonize_score"
MUSICXML_SUFFIXES = (".musicxml", ".xml", ".mxl")
OUTPUT_MARK = ".harmonized"
NOT_INSTALLED_EXIT = 1
SOME_FAILED_EXIT = 8
INTERNAL_ERROR_EXIT = 70


def output_for(source: Path) -> Path:
    """``song.musicxml``, ``song.xml``, ``song.mxl`` -> ``song.harmonized.musicxml``; other
    formats keep their suffix (``song.mid`` -> ``song.harmonized.mid``)."""
    suffix = ".musicxml" if source.suffix.lower() in MUSICXML_SUFFIXES else source.suffix
    return source.with_name(f"{source.stem}{OUTPUT_MARK}{suffix}")


def is_output(path: Path) -> bool:
    """Our own outputs (``x.harmonized.musicxml``) are never inputs."""
    return path.stem.endswith(OUTPUT_MARK)


def _import_harmonizer():
    try:
        import harmonizer
    except ImportError as error:
        print(f"{PROG}: error: the harmonizer package is not installed in {sys.executable} "
              f"({error}); install it with: {sys.executable} -m pip install "
              "'/path/to/harmonizer[musicxml]' (this repository)",
              file=sys.stderr)
        raise SystemExit(NOT_INSTALLED_EXIT) from None
    return harmonizer


def harmonize_one(source: Path, target: Path, *, style: str, key: str | None, force: bool,
                  replace_chords: bool = False) -> str:
    """Harmonize ``source`` into ``target``; returns the line to print, after printing what
    harmonizer warned of (one line each, on stderr). Raises harmonizer's errors."""
    harmonizer = _import_harmonizer()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", harmonizer.InputWarning)
        result = harmonizer.harmonize_file(source, target, force=force, style=style, key=key,
                                           replace_chords=replace_chords)
    for warning in caught:
        if issubclass(warning.category, harmonizer.InputWarning):
            print(f"{PROG}: warning: {warning.message}", file=sys.stderr)
    harmony = result.harmonization
    symbols = " ".join(harmony.symbols)
    return f"{source} -> {result.output_path}: {harmony.key.key.name}; {symbols}"


def _error_line(error: BaseException) -> tuple[str, int]:
    from harmonizer.errors import HarmonizerError, exit_code_for

    if isinstance(error, HarmonizerError):
        return str(error), exit_code_for(error)
    return f"internal error: {type(error).__name__}: {error}", INTERNAL_ERROR_EXIT


def run_single(source: Path, target: Path | None, *, style: str, key: str | None, force: bool,
               replace_chords: bool = False) -> int:
    explicit = target is not None
    if target is None:
        target = output_for(source)
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        print(f"{PROG}: error: {target}: the output would replace the input", file=sys.stderr)
        return 5
    try:
        print(harmonize_one(source, target, style=style, key=key, force=force or not explicit,
                            replace_chords=replace_chords))
    except Exception as error:  # one line, never a traceback: this runs inside notation programs
        message, code = _error_line(error)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return code
    return 0


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def pending(folder: Path, suffixes: Sequence[str]) -> list[Path]:
    """Inputs in ``folder`` (not below it) whose output is missing or older than the input."""
    found = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if name.startswith((".", "~")) or not path.is_file() or is_output(path):
            continue  # hidden and temporary files (ours are ".name.tmp"), outputs
        if path.suffix.lower() not in suffixes:
            continue
        output = output_for(path)
        source_time, output_time = _signature(path), _signature(output)
        if source_time is None:
            continue
        if output_time is not None and output_time[0] >= source_time[0]:
            continue
        found.append(path)
    return found


def watch(folder: Path, *, style: str, key: str | None, interval: float, settle: float, once: bool,
          suffixes: Sequence[str], replace_chords: bool = False) -> int:
    """Poll ``folder``; harmonize each input that appears or changes. ``once``: one pass."""
    if not folder.is_dir():
        print(f"{PROG}: error: {folder}: not a folder", file=sys.stderr)
        return 2
    harmonizer = _import_harmonizer()
    if key:
        try:
            harmonizer.parse_key(key)
        except harmonizer.OptionError as error:
            print(f"{PROG}: error: {error}", file=sys.stderr)
            return 2
    if not once:
        print(f"{PROG}: watching {folder} every {interval:g} s for {', '.join(suffixes)} "
              f"(Ctrl+C stops)", flush=True)
    failed: dict[Path, tuple[int, int] | None] = {}  # not retried until the file changes
    seen: dict[Path, tuple[int, int] | None] = {}
    failures = 0
    try:
        while True:
            for source in pending(folder, suffixes):
                signature = _signature(source)
                if signature is None or failed.get(source) == signature:
                    continue
                # A file still being written changes between polls: wait until it settles.
                if not once and settle > 0:
                    if seen.get(source) != signature or time.time() - signature[0] / 1e9 < settle:
                        seen[source] = signature
                        continue
                try:
                    print(harmonize_one(source, output_for(source), style=style, key=key, force=True,
                                        replace_chords=replace_chords), flush=True)
                    failed.pop(source, None)
                except Exception as error:  # a bad file never stops the watch
                    message, _ = _error_line(error)
                    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
                    failed[source] = signature
                    failures += 1
            if once:
                return SOME_FAILED_EXIT if failures else 0
            time.sleep(interval)
    except KeyboardInterrupt:
        print(f"{PROG}: stopped", file=sys.stderr)
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Give the melody of a MusicXML score its chords (harmonizer) and write "
                    "NAME.harmonized.musicxml, for notation programs that export and import "
                    "MusicXML. Needs: pip install /path/to/harmonizer (this repository).",
    )
    parser.add_argument("input", nargs="?", type=Path, help="the exported score (.musicxml, .xml, .mxl)")
    parser.add_argument("output", nargs="?", type=Path,
                        help="where to write (default: INPUT.harmonized.musicxml beside it)")
    parser.add_argument("--watch", metavar="FOLDER", type=Path,
                        help="keep harmonizing the scores that appear or change in FOLDER")
    parser.add_argument("--once", action="store_true", help="with --watch: one pass, then exit")
    parser.add_argument("--interval", type=float, default=2.0, metavar="SECONDS",
                        help="with --watch: seconds between polls (default: %(default)s)")
    parser.add_argument("--settle", type=float, default=1.0, metavar="SECONDS",
                        help="with --watch: wait until a file is unchanged this long, so half-written "
                             "exports are skipped (default: %(default)s; not with --once)")
    parser.add_argument("--suffixes", default=",".join(MUSICXML_SUFFIXES), metavar=".A,.B",
                        help="with --watch: the file types to harmonize (default: %(default)s)")
    parser.add_argument("--style", default="classical", type=str.lower,
                        help="classical, folk, pop, jazz or blues (default: %(default)s)")
    parser.add_argument("--key", help='impose a key, e.g. "D minor", "Bb", "F#m" (default: found)')
    parser.add_argument("--force", action="store_true", help="replace an explicit OUTPUT that exists")
    parser.add_argument("--replace-chords", action="store_true",
                        help="drop the chord symbols the melody part already has and write ours alone "
                             "(default: theirs are kept beside ours, with a warning)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.watch is not None:
        if args.input is not None:
            parser.error("give either a score or --watch FOLDER, not both")
        if args.interval <= 0 or args.settle < 0:
            parser.error("--interval must be > 0 and --settle >= 0")
        suffixes = tuple(s.strip().lower() if s.strip().startswith(".") else "." + s.strip().lower()
                         for s in args.suffixes.split(",") if s.strip())
        return watch(args.watch, style=args.style, key=args.key, interval=args.interval,
                     settle=args.settle, once=args.once, suffixes=suffixes,
                     replace_chords=args.replace_chords)
    if args.input is None:
        parser.error("give a score to harmonize, or --watch FOLDER")
    if args.once:
        parser.error("--once goes with --watch")
    return run_single(args.input, args.output, style=args.style, key=args.key, force=args.force,
                      replace_chords=args.replace_chords)


if __name__ == "__main__":
    for stream in (sys.stdout, sys.stderr):  # odd file names must not crash a Windows console
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    sys.exit(main())
