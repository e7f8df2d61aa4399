"""Harmonize every MIDI file under the given folders and check that every original message of
every track survives (prints counts; exits 1 on any loss).

    python scripts/preservation.py ../shared/data/nottingham/MIDI ../shared/data/pop909 [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import mido

from harmonizer import harmonize_file
from harmonizer.batch import find_inputs
from harmonizer.errors import HarmonizerError


def check(path: str) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "out.mid"
        try:
            harmonize_file(path, target, alternatives=1)
        except HarmonizerError as error:
            return "refused", str(error)
        original = mido.MidiFile(path, clip=True)
        written = mido.MidiFile(target, clip=True)
        if len(written.tracks) != len(original.tracks) + 1:
            return "lost", f"{path}: {len(written.tracks)} tracks"
        for index, (old, new) in enumerate(zip(original.tracks, written.tracks)):
            if list(old) != list(new):
                return "lost", f"{path}: track {index} differs"
        return "kept", ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    files = [str(p) for folder in args.folders for p in find_inputs(folder)]
    counts: dict[str, int] = {}
    problems = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for status, detail in pool.map(check, files, chunksize=8):
            counts[status] = counts.get(status, 0) + 1
            if detail:
                problems.append((status, detail))
    print(f"{len(files)} files: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    for status, detail in problems[:30]:
        print(f"  {status}: {detail}")
    return 1 if counts.get("lost") else 0


if __name__ == "__main__":
    sys.exit(main())
