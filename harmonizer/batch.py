"""Harmonize every MIDI file under a folder: in processes on one machine, or on a Dask cluster.

A failed file never stops the batch; each file's outcome (key, confidence,
chords, time, or the one-line reason it failed) goes to a JSON Lines or CSV
log as it arrives.  A batch is resumable: a file whose output exists and is
newer than the input is skipped.  Each worker process loads the style's ONNX
model once and keeps it for every file it harmonizes.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .errors import HarmonizerError, InputError, OptionError, OutputError

if TYPE_CHECKING:
    from .variety import Variety

__all__ = ["BatchOptions", "FileOutcome", "BatchSummary", "find_inputs", "run_batch", "MIDI_SUFFIXES",
           "MUSICXML_SUFFIXES"]

MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".rmi")
MUSICXML_SUFFIXES = (".musicxml", ".xml", ".mxl")
OUTPUT_MARK = ".harmonized"


@dataclass(frozen=True)
class BatchOptions:
    """The harmonization options applied to every file of a batch."""

    style: str = "classical"
    key: str | None = None
    harmonic_rhythm: str = "auto"
    target_degrees: tuple[str, ...] | None = None
    weights: tuple[float, float, float] | None = None  # None: the style's own (its model card's)
    variety: Variety | None = None  # None: the style's own (its model card's)
    program: int = 0
    force: bool = False
    replace_chords: bool = False  # ours replace the input's own chords (harmonize_file's replace_chords)


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file: ``done``, ``skipped`` or ``failed`` (with the reason)."""

    input: str
    output: str
    status: str
    reason: str = ""
    key: str = ""
    key_confidence: float | None = None
    confidence: float | None = None
    chords: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class BatchSummary:
    """Counts and outcomes of a whole batch."""

    outcomes: tuple[FileOutcome, ...]
    seconds: float
    log_path: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def failure_lines(self) -> list[str]:
        """One line per failed file, naming it and why (the command line prints them on stderr)."""
        return [f"harmonize-midi: failed: {outcome.reason}" for outcome in self.failed]

    def describe(self) -> str:
        done = self.counts.get("done", 0)
        rate = done / self.seconds if self.seconds > 0 else 0.0
        lines = [f"{done} done, {self.counts.get('skipped', 0)} skipped (up to date), "
                 f"{self.counts.get('failed', 0)} failed in {self.seconds:.1f} s ({rate:.1f} files/s)"]
        if self.log_path:
            lines.append(f"log: {self.log_path}")
        return "\n".join(lines)


def find_inputs(folder: Path) -> list[Path]:
    """Every MIDI and MusicXML file under ``folder`` (recursively, sorted), leaving out our
    own outputs."""
    if not folder.is_dir():
        raise OptionError(f"{folder}: not a folder")
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in MIDI_SUFFIXES + MUSICXML_SUFFIXES
        and OUTPUT_MARK not in p.name
    )


def output_for(source: Path, in_dir: Path, out_dir: Path, *, keep_suffix: bool = False) -> Path:
    """``song.mid`` -> ``OUT/song.harmonized.mid``; a MusicXML file stays MusicXML (``.mxl``
    and ``.xml`` inputs give ``.musicxml``, which notation programs open alike).
    ``keep_suffix`` names the input's own suffix too (``song-xml.harmonized.musicxml``), for
    inputs that would otherwise share an output (``song.xml`` beside ``song.mxl``)."""
    relative = source.relative_to(in_dir)
    suffix = ".musicxml" if source.suffix.lower() in MUSICXML_SUFFIXES else ".mid"
    stem = f"{relative.stem}-{source.suffix.lstrip('.').lower()}" if keep_suffix else relative.stem
    return out_dir / relative.parent / f"{stem}{OUTPUT_MARK}{suffix}"


def _targets(inputs: list[Path], in_dir: Path, out_dir: Path) -> list[Path]:
    """The output of each input, no two the same (compared without case, as on macOS and
    Windows): inputs that would share one (``a.mid`` and ``a.midi``) keep their suffix in the
    name instead, with a number added if even that is taken."""
    def folded(path: Path) -> str:
        return str(path).casefold()

    plain = [output_for(source, in_dir, out_dir) for source in inputs]
    counts = Counter(folded(target) for target in plain)
    taken = {folded(target) for target in plain if counts[folded(target)] == 1}
    targets: list[Path] = []
    for source, target in zip(inputs, plain):
        if counts[folded(target)] > 1:
            renamed = output_for(source, in_dir, out_dir, keep_suffix=True)
            candidate, number = renamed, 2
            while folded(candidate) in taken:
                candidate = renamed.with_name(renamed.name.replace(OUTPUT_MARK, f"-{number}{OUTPUT_MARK}", 1))
                number += 1
            taken.add(folded(candidate))
            target = candidate
        targets.append(target)
    return targets


def is_up_to_date(source: Path, target: Path) -> bool:
    try:
        return target.stat().st_mtime >= source.stat().st_mtime
    except OSError:
        return False


def harmonize_one(job: tuple[str, str], options: BatchOptions) -> FileOutcome:
    """Harmonize one file; never raises for a bad file (the outcome says why it failed)."""
    from .api import harmonize_file
    from .engine import Weights

    source, target = job
    started = time.perf_counter()
    try:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        result = harmonize_file(
            source, target, force=True, style=options.style, key=options.key,
            harmonic_rhythm=options.harmonic_rhythm, target_degrees=options.target_degrees,
            weights=Weights(*options.weights) if options.weights else None, alternatives=1,
            program=options.program, variety=options.variety, replace_chords=options.replace_chords,
        )
    except (HarmonizerError, OSError) as error:
        message = str(error)
        if source not in message:
            message = f"{source}: {message}"
        return FileOutcome(source, target, "failed", message, seconds=time.perf_counter() - started)
    except Exception as error:  # a bug must not stop the other files; it is reported as one
        return FileOutcome(source, target, "failed", f"{source}: internal error: "
                           f"{type(error).__name__}: {error}", seconds=time.perf_counter() - started)
    harmonization = result.harmonization
    return FileOutcome(
        source, target, "done", key=harmonization.key.key.name,
        key_confidence=harmonization.key.confidence, confidence=harmonization.confidence,
        chords=tuple(harmonization.symbols), seconds=round(time.perf_counter() - started, 4),
    )


def _warm_worker(style: str) -> None:
    """Process-pool initializer: load the ONNX session once per worker."""
    from .scorer import load_model

    load_model(style)


class _Log:
    """Per-file results, appended as they arrive: JSON Lines, or CSV for a ``.csv`` path."""

    FIELDS = ("input", "output", "status", "reason", "key", "key_confidence", "confidence",
              "chords", "seconds")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.csv = path.suffix.lower() == ".csv"
        fresh = not path.exists() or path.stat().st_size == 0
        try:
            self.stream: TextIO = path.open("a", encoding="utf-8", newline="")
        except OSError as error:
            raise OutputError(f"{path}: cannot write the batch log ({error.strerror or error})") from error
        self.writer = csv.DictWriter(self.stream, fieldnames=self.FIELDS) if self.csv else None
        if self.writer and fresh:
            self.writer.writeheader()

    def write(self, outcome: FileOutcome) -> None:
        row: dict[str, Any] = asdict(outcome)
        if self.writer:
            row["chords"] = " ".join(outcome.chords)
            self.writer.writerow(row)
        else:
            self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()


def _run_local(jobs: list[tuple[str, str]], options: BatchOptions, workers: int
               ) -> Iterator[FileOutcome]:
    if workers <= 1:
        for job in jobs:
            yield harmonize_one(job, options)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm_worker,
                             initargs=(options.style,)) as pool:
        futures = [pool.submit(harmonize_one, job, options) for job in jobs]
        for future in as_completed(futures):
            yield future.result()


def _run_dask(jobs: list[tuple[str, str]], options: BatchOptions, client: Any) -> Iterator[FileOutcome]:
    from distributed import as_completed as dask_completed

    futures = client.map(harmonize_one, jobs, options=options, pure=False)
    for future in dask_completed(futures):
        yield future.result()


def run_batch(
    in_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    options: BatchOptions | None = None,
    jobs: int = 1,
    log_path: str | os.PathLike[str] | None = None,
    progress: bool = True,
    dask_scheduler: str | None = None,
    dask_client: Any = None,
    on_outcome: Callable[[FileOutcome], None] | None = None,
) -> BatchSummary:
    """Harmonize every MIDI and MusicXML file under ``in_dir`` into ``out_dir`` (default: beside
    each input).

    ``jobs`` worker processes, or a Dask cluster: ``dask_scheduler`` is its
    address (``tcp://host:8786``) or ``dask_client`` an existing client.
    Outputs that exist and are newer than their input are skipped unless
    ``options.force``.  The log (default ``OUT_DIR/harmonize-log.jsonl``) gets
    one line per file.
    """
    options = options or BatchOptions()
    source_dir = Path(in_dir)
    target_dir = Path(out_dir) if out_dir is not None else source_dir
    if jobs < 1:
        raise OptionError(f"--jobs must be at least 1. Got {jobs}.")
    from .scorer import load_model

    bundle = load_model(options.style)  # a bad style or a missing model fails once, before any file
    if options.variety is not None:  # so does a variety the style cannot decode with
        from .variety import check_variety, require_coverage

        variety = check_variety(options.variety)
        if isinstance(variety, str):
            require_coverage(variety, bundle.coverage)
    inputs = find_inputs(source_dir)
    if not inputs:  # almost always a wrong folder: say so, and create no output folder or log
        suffixes = ", ".join(MIDI_SUFFIXES + MUSICXML_SUFFIXES)
        raise InputError(f"{os.fspath(in_dir)}: no MIDI or MusicXML file ({suffixes}) in this folder or "
                         f"below, other than outputs named *{OUTPUT_MARK}.*")
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{target_dir}: cannot create the output folder ({error.strerror})") from error
    log = _Log(Path(log_path) if log_path else target_dir / "harmonize-log.jsonl")
    started = time.perf_counter()
    outcomes: list[FileOutcome] = []
    pending: list[tuple[str, str]] = []
    for source, target in zip(inputs, _targets(inputs, source_dir, target_dir)):
        if not options.force and is_up_to_date(source, target):
            outcomes.append(FileOutcome(str(source), str(target), "skipped"))
        else:
            pending.append((str(source), str(target)))
    bar = _progress(len(inputs), progress)
    try:
        for outcome in outcomes:
            log.write(outcome)
        bar.update(len(outcomes))
        if dask_client is not None or dask_scheduler:
            client = dask_client
            if client is None:
                from distributed import Client

                client = Client(dask_scheduler)
            stream: Iterable[FileOutcome] = _run_dask(pending, options, client)
        else:
            stream = _run_local(pending, options, jobs)
        for outcome in stream:
            outcomes.append(outcome)
            log.write(outcome)
            bar.update(1)
            if on_outcome:
                on_outcome(outcome)
    finally:
        bar.close()
        log.close()
    counts = Counter(o.status for o in outcomes)
    return BatchSummary(tuple(outcomes), time.perf_counter() - started, str(log.path), dict(counts))


class _NoProgress:
    def update(self, _count: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, show: bool) -> Any:
    if not show:
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="harmonizing", dynamic_ncols=True)
