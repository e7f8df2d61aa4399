"""Per-piece timings of the shipped examples (prints a table; not a test).

    python benchmarks/examples.py [--repeat 7]

For each example: the median wall time of a cold ``harmonize-midi --no-write``
process, and of ``harmonize_file(write=False)`` in a warm process (model
already loaded), with the note and slot counts.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from harmonizer import harmonize_file

    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"{'example':<22}{'notes':>7}{'slots':>7}{'cold CLI ms':>13}{'warm ms':>10}")
    for path in sorted((ROOT / "examples").glob("*.mid")):
        if ".harmonized" in path.name:
            continue
        cold = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "harmonizer", str(path), "--no-write"],
                           check=True, capture_output=True)
            cold.append(time.perf_counter() - started)
        harmonize_file(path, write=False)  # load the model once
        warm = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = harmonize_file(path, write=False)
            warm.append(time.perf_counter() - started)
        print(f"{path.name:<22}{result.melody.note_count:>7}{len(result.harmonization.chords):>7}"
              f"{statistics.median(cold) * 1000:>13.0f}{statistics.median(warm) * 1000:>10.1f}")


if __name__ == "__main__":
    main()
