"""Harmonize every MIDI file under the given folders and check that every original message of
every track survives (prints counts; exits 1 on any loss).

    python scripts/preservation.py ../shared/data/nottingham/MIDI ../shared/data/pop909 [--jobs 2]
    python scripts/preservation.py ../shared/data --music21-corpus      # plus music21's corpus as MIDI

``--music21-corpus`` first converts every score of music21's own corpus (Humdrum, ABC,
MusicXML, RomanText; each score of an opus) to MIDI with music21, into ``--cache`` (kept
between runs), and checks those files too.  Files the harmonizer refuses with one of its own
errors (no melody, drums only, ...) are counted as refused, not as losses; so are files that
read with a warning (notes never switched off, overlapping notes), which are still checked.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import mido

from harmonizer import harmonize_file
from harmonizer.batch import find_inputs
from harmonizer.errors import HarmonizerError, InputWarning

#: Most scores taken from one opus (ABC collections hold hundreds).
MAX_SCORES_PER_OPUS = 20


def check(path: str) -> tuple[str, str, bool]:
    """(status, detail, warned): status 'kept', 'lost' or 'refused'."""
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        target = Path(folder) / "out.mid"
        try:
            harmonize_file(path, target, alternatives=1)
        except HarmonizerError as error:
            return "refused", str(error), False
        warned = any(issubclass(w.category, InputWarning) for w in caught)
        original = mido.MidiFile(path, clip=True)
        written = mido.MidiFile(target, clip=True)
        if len(written.tracks) != len(original.tracks) + 1:
            return "lost", f"{path}: {len(written.tracks)} tracks", warned
        for index, (old, new) in enumerate(zip(original.tracks, written.tracks)):
            if list(old) != list(new):
                return "lost", f"{path}: track {index} differs", warned
        return "kept", "", warned


def convert(job: tuple[str, str]) -> tuple[list[str], str]:
    """Write each score of one music21 corpus file as MIDI into a folder; returns the MIDI paths
    and, when music21 could not, why."""
    source, cache = job
    from music21 import corpus, stream

    stem = Path(source).stem[:60] + "-" + hashlib.sha1(source.encode()).hexdigest()[:8]
    done = sorted(Path(cache).glob(f"{stem}*.mid"))
    if done:
        return [str(p) for p in done], ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = corpus.parse(source)
            opus = isinstance(parsed, stream.Opus)
            scores = list(parsed.scores)[:MAX_SCORES_PER_OPUS] if opus else [parsed]
            written = []
            for index, score in enumerate(scores):
                target = Path(cache) / f"{stem}-{index}.mid"
                score.write("midi", fp=str(target))
                written.append(str(target))
            return written, ""
        except Exception as error:  # music21 raises many unrelated types
            return [], f"{source}: {type(error).__name__}: {error}"


def music21_midi(cache: Path, jobs: int) -> tuple[list[str], list[str]]:
    from music21 import corpus

    cache.mkdir(parents=True, exist_ok=True)
    sources = [str(p) for p in corpus.getCorePaths()]
    files: list[str] = []
    failures: list[str] = []
    with ProcessPoolExecutor(jobs) as pool:
        for written, failure in pool.map(convert, [(s, str(cache)) for s in sources], chunksize=4):
            files.extend(written)
            if failure:
                failures.append(failure)
    print(f"music21 corpus: {len(sources)} files, {len(files)} MIDI files written to {cache}, "
          f"{len(failures)} music21 could not convert")
    return files, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--music21-corpus", action="store_true",
                        help="also check music21's corpus, converted to MIDI")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "harmonizer-music21-midi",
                        help="where the converted corpus goes (default: %(default)s)")
    args = parser.parse_args()
    files = [str(p) for folder in args.folders for p in find_inputs(folder)]
    print(f"corpora: {len(files)} MIDI files under {', '.join(map(str, args.folders)) or 'no folder'}")
    if args.music21_corpus:
        converted, _ = music21_midi(args.cache, args.jobs)
        files += converted
    counts: dict[str, int] = {}
    problems = []
    warned = 0
    with ProcessPoolExecutor(args.jobs) as pool:
        for status, detail, had_warning in pool.map(check, files, chunksize=8):
            counts[status] = counts.get(status, 0) + 1
            warned += had_warning
            if detail:
                problems.append((status, detail))
    print(f"{len(files)} files: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
          + f" ({warned} of them read with a warning)")
    for status, detail in problems[:30]:
        print(f"  {status}: {detail}")
    return 1 if counts.get("lost") else 0


if __name__ == "__main__":
    sys.exit(main())
