"""Benchmarks: the engine against the notebook baseline, scaling, cold CLI, memory (not a test).

    python benchmarks/run.py            # ~1-2 minutes; writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # fewer repetitions, for a quick check
    python benchmarks/run.py --no-save  # print only

1. Per pattern: the notebook's own benchmark (200 random patterns of 2-7
   degrees, numpy seed 42) through ``harmonize_degrees`` and through the
   notebook's algorithm (:mod:`harmonizer.baselines.notebook`, needs
   scikit-learn), same patterns, same run.
2. Scaling: random-walk melodies of 8 to 2,048 notes through the core
   (``harmonize_melody``, model already loaded).
3. Decoder: the pruned k-best search against the dense one.
4. Variety: the decoder's chord-entropy bonus against none.
5. Chord changes by place in the bar: the hold term against none.
6. End to end: cold ``python -m harmonizer FILE --no-write`` processes on the
   examples and on a generated 3-minute pop song; import and model-load times.
7. Memory: peak RSS of fresh processes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SCALING_SIZES = (8, 32, 128, 512, 2048)
PATTERN_COUNT = 200
# The notebook's own printout (its machine, not ours), for reference.
NOTEBOOK_REPORTED_MS = {"median": 28.393, "mean": 30.635}

_lines: list[str] = []


def emit(text: str = "") -> None:
    print(text, flush=True)
    _lines.append(text)


def table(header: Sequence[str], rows: Sequence[Sequence[object]], numeric: bool = True) -> None:
    """A Markdown table; columns after the first are right-aligned when ``numeric``."""
    emit("| " + " | ".join(header) + " |")
    emit("|" + "|".join("---" if i == 0 or not numeric else "---:" for i in range(len(header))) + "|")
    for row in rows:
        emit("| " + " | ".join(str(cell) for cell in row) + " |")
    emit()


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


# ----------------------------------------------------------------------------- inputs

def notebook_patterns(count: int = PATTERN_COUNT, seed: int = 42) -> list[list[int]]:
    """The notebook's benchmark patterns: length 2..7, degrees 1..7."""
    rng = np.random.RandomState(seed)
    patterns = []
    for _ in range(count):
        length = rng.randint(2, 8)
        patterns.append(rng.choice(range(1, 8), length).tolist())
    return patterns


def random_walk_melody(count: int, seed: int = 1):
    """A diatonic random walk in C major (A3..D6), eighth and quarter notes, in 4/4."""
    from harmonizer.melody import Melody, Meter, Note, TimeSignature

    rng = np.random.RandomState(seed)
    scale = (0, 2, 4, 5, 7, 9, 11)
    step = 7 * 5  # C5, counted in scale steps from C-1
    notes, onset = [], 0.0
    for _ in range(count):
        step = int(np.clip(step + rng.choice([-2, -1, -1, 0, 1, 1, 2]), 7 * 4 + 5, 7 * 6 + 1))
        duration = float(rng.choice([0.5, 1.0]))
        notes.append(Note(12 * (step // 7) + scale[step % 7], onset, duration))
        onset += duration
    return Melody(tuple(notes), Meter((TimeSignature(0.0, 4, 4),)), source=f"random walk of {count}")


def write_pop_song(path: Path, seed: int = 3) -> int:
    """A 3-minute pop-like song: 90 bars of 4/4 at 120 bpm, melody, bass and drums.

    The melody follows I-V-vi-IV four-bar phrases with chord tones on strong
    beats and steps between, resting at the end of each phrase.  Returns its
    note count.
    """
    import mido

    tpb = 480
    rng = np.random.RandomState(seed)
    progression = [(0, 4, 7), (7, 11, 2), (9, 0, 4), (5, 9, 0)]  # C G Am F
    rhythms = [[1, 1, 1, 1], [1, 0.5, 0.5, 1, 1], [0.5, 0.5, 1, 0.5, 0.5, 1], [1.5, 0.5, 1, 1],
               [1, 1, 2], [0.5, 0.5, 0.5, 0.5, 1, 1]]
    scale = [p for p in range(57, 86) if p % 12 in (0, 2, 4, 5, 7, 9, 11)]
    melody, bass, drums = [], [], []
    pitch = 72
    for bar in range(90):
        chord = progression[bar % 4]
        start = bar * 4.0
        bass += [(start, 2.0, 36 + chord[0]), (start + 2, 2.0, 36 + chord[0] + (7 if bar % 2 else 0))]
        for beat in range(4):
            drums.append((start + beat, 0.25, 36 if beat % 2 == 0 else 38))
            drums += [(start + beat, 0.25, 42), (start + beat + 0.5, 0.25, 42)]
        if bar % 4 == 3:  # phrase end: a long note, then a rest
            target = min((p for p in scale if p % 12 == 0), key=lambda p: abs(p - pitch))
            melody.append((start, 3.0, target))
            pitch = target
            continue
        position = start
        for length in rhythms[rng.randint(len(rhythms))]:
            strong = (position - start) % 1 == 0
            if strong:
                options = [p for p in scale if p % 12 in chord and abs(p - pitch) <= 7]
            else:
                index = scale.index(pitch) if pitch in scale else len(scale) // 2
                options = [scale[min(max(index + rng.choice([-1, 1]), 0), len(scale) - 1)]]
            pitch = int(rng.choice(options)) if options else pitch
            melody.append((position, float(length), pitch))
            position += length

    def track(name: str, channel: int, program: int | None, events: list[tuple[float, float, int]],
              velocity: int) -> mido.MidiTrack:
        messages = []
        for onset, length, note in events:
            messages.append((round(onset * tpb), 1, mido.Message("note_on", channel=channel, note=note,
                                                                  velocity=velocity)))
            messages.append((round((onset + length) * tpb) - 1, 0,
                             mido.Message("note_off", channel=channel, note=note, velocity=0)))
        result = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
        if program is not None:
            result.append(mido.Message("program_change", channel=channel, program=program, time=0))
        now = 0
        for tick, _, message in sorted(messages, key=lambda m: (m[0], m[1])):
            result.append(message.copy(time=tick - now))
            now = tick
        return result

    song = mido.MidiFile(type=1, ticks_per_beat=tpb)
    song.tracks.append(mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=500_000, time=0),
        mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0),
    ]))
    song.tracks.append(track("Lead Vocal", 0, 54, melody, 96))
    song.tracks.append(track("Bass", 1, 33, bass, 80))
    song.tracks.append(track("Drums", 9, None, drums, 70))
    song.save(path)
    return len(melody)


# ----------------------------------------------------------------------------- sections

def environment(repeats: dict[str, int]) -> None:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    packages = []
    for name in ("numpy", "onnxruntime", "scikit-learn", "mido"):
        try:
            packages.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            packages.append(f"{name} missing")
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    emit("## Machine")
    emit()
    table(["what", "value"], [
        ["CPU", cpu],
        ["cores", f"{os.cpu_count()} ({usable} usable)"],
        ["OS", f"{platform.system()} {platform.release()} {platform.machine()}"],
        ["Python", f"{platform.python_implementation()} {platform.python_version()}"],
        ["packages", ", ".join(packages)],
        ["date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")],
        ["commit", commit],
        ["repetitions", ", ".join(f"{k} {v}" for k, v in repeats.items())],
        ["load average at start (1, 5, 15 min)", _load_average()],
    ], numeric=False)


def _load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def per_pattern(passes: int) -> None:
    from harmonizer import harmonize_degrees
    from harmonizer.scorer import load_model

    emit("## 1. Per pattern: engine vs the notebook's algorithm")
    emit()
    patterns = notebook_patterns()
    try:
        from harmonizer.baselines.notebook import NotebookHarmonizer
    except ImportError as error:
        emit(f"notebook baseline unavailable ({error}); install scikit-learn")
        return
    baseline = NotebookHarmonizer()
    fit_seconds = timed(baseline.fit)
    load_model("classical")
    # warm both (model loaded, caches filled) before any timing
    harmonize_degrees(patterns[0])
    baseline.harmonize_pattern(patterns[0])
    engine: list[float] = []
    plain: list[float] = []  # the same with variety 0: what the classical card's own bonus costs
    notebook: list[float] = []
    # Each pass runs all patterns through one implementation, then the other, as the notebook's own
    # loop did; alternating the passes spreads changes in machine load over both.  (Alternating per
    # pattern instead costs the engine ~0.6 ms a call: the forest evicts its data from the caches.)
    for _ in range(passes):
        engine += [timed(lambda p=pattern: harmonize_degrees(p)) * 1000 for pattern in patterns]
        plain += [timed(lambda p=pattern: harmonize_degrees(p, variety=0.0)) * 1000 for pattern in patterns]
        notebook += [timed(lambda p=pattern: baseline.harmonize_pattern(p)) * 1000 for pattern in patterns]
    rows = []
    for name, times in (("harmonizer.harmonize_degrees (defaults)", engine),
                        ("harmonizer.harmonize_degrees (variety 0)", plain),
                        ("notebook reimplementation (1 RF predict per candidate)", notebook)):
        rows.append([name, f"{statistics.median(times):.3f}", f"{statistics.mean(times):.3f}",
                     f"{min(times):.3f}", f"{np.percentile(times, 95):.3f}", f"{max(times):.3f}"])
    rows.append(["notebook as printed (its machine)", f"{NOTEBOOK_REPORTED_MS['median']:.3f}",
                 f"{NOTEBOOK_REPORTED_MS['mean']:.3f}", "9.523", "", "105.045"])
    emit(f"{len(patterns)} patterns of 2-7 degrees (numpy seed 42), {passes} pass(es) each, "
         f"one timing per call, the implementations alternating pass by pass; the baseline's training took "
         f"{fit_seconds:.2f} s (not timed below).")
    emit()
    table(["implementation", "median ms", "mean ms", "min ms", "p95 ms", "max ms"], rows)
    median_ratio = statistics.median(notebook) / statistics.median(engine)
    mean_ratio = statistics.mean(notebook) / statistics.mean(engine)
    verdict = "meets" if median_ratio >= 100 else "misses"
    emit(f"Speed-up of the engine: **{median_ratio:.1f}x** (median), {mean_ratio:.1f}x (mean); "
         f"this {verdict} the >= 100x target.")
    emit()


def scaling(repeats: int) -> None:
    from harmonizer.engine import harmonize_melody
    from harmonizer.scorer import load_model

    emit("## 2. Scaling: core only (`harmonize_melody`, key given, alternatives=1)")
    emit()
    load_model("classical")
    rows, per_note, best_per_note = [], {}, {}
    for size in SCALING_SIZES:
        melody = random_walk_melody(size)
        result = harmonize_melody(melody, key="C major", alternatives=1)  # warm
        times = [timed(lambda m=melody: harmonize_melody(m, key="C major", alternatives=1))
                 for _ in range(repeats)]
        milliseconds = statistics.median(times) * 1000
        per_note[size] = milliseconds * 1000 / size
        best_per_note[size] = min(times) * 1e6 / size
        rows.append([size, len(result.chords), f"{milliseconds:.2f}", f"{min(times) * 1000:.2f}",
                     f"{per_note[size]:.1f}", f"{milliseconds * 1000 / len(result.chords):.1f}"])
    table(["notes", "slots", "ms per piece (median)", "ms (best)", "µs per note", "µs per slot"], rows)
    emit(f"Per-note cost, 2,048 notes vs 128: {per_note[2048] / per_note[128]:.2f} on medians, "
         f"{best_per_note[2048] / best_per_note[128]:.2f} on best runs "
         "(1.0 = exactly linear; below 1 a fixed cost is being amortised).")
    emit()


def decoder(repeats: int) -> None:
    from harmonizer.decoder import _dense_k_best, k_best
    from harmonizer.engine import build_lattice, style_weights
    from harmonizer.features import build_features
    from harmonizer.scorer import load_model
    from harmonizer.slots import make_slots
    from harmonizer.theory import parse_key

    emit("## 3. Decoder: the 3 best progressions, pruned search vs the dense list Viterbi")
    emit()
    bundle, key = load_model("classical"), parse_key("C major")
    rows = []
    for size in (8, 32, 512):
        grid = make_slots(random_walk_melody(size), key, per_beat=bundle.chord_per_beat)  # as the engine
        features, _ = build_features(grid, key.mode, bundle.log_prior[key.mode])
        fit = bundle.chord_fit(features, len(grid))
        lattice = build_lattice(fit, bundle, key.mode, style_weights(bundle).normalised(), grid)
        assert [p.chords for p in k_best(lattice, 3)] == [p.chords for p in _dense_k_best(lattice, 3)]
        runs = range(repeats * 5)
        pruned = statistics.median(timed(lambda lat=lattice: k_best(lat, 3)) for _ in runs)
        dense = statistics.median(timed(lambda lat=lattice: _dense_k_best(lat, 3)) for _ in runs)
        rows.append([size, len(grid), f"{pruned * 1e6:.0f}", f"{dense * 1e6:.0f}", f"{dense / pruned:.1f}"])
    table(["notes", "slots", "pruned µs (median)", "dense µs (median)", "dense / pruned"], rows)
    emit("Lattices of the classical model on random-walk melodies; both searches return the same paths.")
    emit()


def variety_cost(repeats: int) -> None:
    import dataclasses

    from harmonizer.engine import harmonize_melody
    from harmonizer.scorer import load_model

    emit("## 4. Variety: the decoder's chord-entropy bonus against none")
    emit()
    bundle = load_model("jazz")
    models = {"variety 0": dataclasses.replace(bundle, variety=0.0),
              "variety 0.2": dataclasses.replace(bundle, variety=0.2),
              "variety auto": dataclasses.replace(bundle, variety="auto"),
              "variety colour": dataclasses.replace(bundle, variety="colour")}
    rows = []
    for size in (128, 2048):
        melody = random_walk_melody(size)
        times: dict[str, list[float]] = {name: [] for name in models}
        chosen = {name: harmonize_melody(melody, key="C major", model=models[name], alternatives=1).variety
                  for name in ("variety auto", "variety colour")}
        for _ in range(repeats):  # interleaved, so load changes hit all alike
            for name, model in models.items():
                times[name].append(timed(lambda m=melody, b=model: harmonize_melody(
                    m, key="C major", model=b, alternatives=1)))
        medians = {name: statistics.median(values) for name, values in times.items()}
        base = medians["variety 0"]
        rows.append([size, *(f"{medians[name] * 1000:.2f}" for name in models),
                     *(f"{medians[name] / base:.2f}" for name in models if name != "variety 0"),
                     f"{chosen['variety auto']:g} / {chosen['variety colour']:g}"])
    table(["notes", *(f"{name}: ms (median)" for name in models), "0.2 / 0", "auto / 0", "colour / 0",
           "bonus auto / colour chose"], rows)
    emit("A fixed bonus costs one more forward-backward pass over the lattice per piece; auto "
         "also decodes once per bonus it tries, from 0 up to the first that gives the piece its "
         "chord count; colour (classical's and pop's own) decodes its whole ladder of bonuses in one "
         "pass over the few chords each slot leaves open on the likeliest roots "
         "(harmonizer.variety.ladder_paths). The jazz model, random-walk melodies, key given, "
         "alternatives=1.")
    emit()


def bar_line_cost(repeats: int) -> None:
    import dataclasses

    from harmonizer.decoder import k_best
    from harmonizer.engine import build_lattice, harmonize_melody, style_weights
    from harmonizer.features import build_features
    from harmonizer.scorer import load_model
    from harmonizer.slots import make_slots
    from harmonizer.theory import parse_key

    emit("## 5. Chord changes by place in the bar: the hold term against none")
    emit()
    key = parse_key("C major")
    rows = []
    for style in ("classical", "pop"):
        bundle = load_model(style)
        plain = dataclasses.replace(bundle, bar_change=None)
        weights = style_weights(bundle).normalised()
        for size in (128, 2048):
            melody = random_walk_melody(size)
            grid = make_slots(melody, key, per_beat=bundle.chord_per_beat)  # as the engine cuts it
            features, _ = build_features(grid, key.mode, bundle.log_prior[key.mode])
            fit = bundle.chord_fit(features, len(grid))
            lattices = {"with": build_lattice(fit, bundle, key.mode, weights, grid),
                        "without": build_lattice(fit, plain, key.mode, weights, grid)}
            models = {"with": bundle, "without": plain}
            search: dict[str, list[float]] = {name: [] for name in lattices}
            piece: dict[str, list[float]] = {name: [] for name in models}
            for model in models.values():  # warm
                harmonize_melody(melody, key=key, model=model, alternatives=1)
            for _ in range(repeats):  # interleaved, so load changes hit both alike
                for name in lattices:
                    search[name].append(timed(lambda lat=lattices[name]: k_best(lat, 3)))
                    piece[name].append(timed(lambda b=models[name], m=melody: harmonize_melody(
                        m, key=key, model=b, alternatives=1)))
            medians = {f"{part} {name}": statistics.median(values)
                       for part, timings in (("search", search), ("piece", piece))
                       for name, values in timings.items()}
            rows.append([style, size, len(grid),
                         f"{medians['search without'] * 1e6:.0f}", f"{medians['search with'] * 1e6:.0f}",
                         f"{medians['search with'] / medians['search without']:.2f}",
                         f"{medians['piece without'] * 1000:.2f}", f"{medians['piece with'] * 1000:.2f}",
                         f"{medians['piece with'] / medians['piece without']:.2f}"])
    table(["style", "notes", "slots", "3 best: µs without", "µs with", "with / without",
           "piece: ms without", "ms with", "with / without"], rows)
    emit("Each style's shipped card with its chord changes by place in the bar (`decoding.bar_change`) "
         "and the same card without them (the hold term left out), measured side by side in one run: "
         "the search of the 3 best progressions over one lattice, and the whole piece through "
         "`harmonize_melody` (key given, alternatives=1, the card's own variety), whose paths, and "
         "with them the variety's work, may differ. Random-walk melodies in C major.")
    emit()


def child_env(pycache: Path | None) -> dict[str, str]:
    """The environment of measured processes: with a bytecode cache (in ``pycache``, outside the
    repository) as an installed package has, or with none when ``pycache`` is None."""
    env = dict(os.environ)
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _cold_cli(path: Path, repeats: int, env: dict[str, str]) -> float:
    command = [sys.executable, "-m", "harmonizer", str(path), "--no-write"]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)  # warm the caches
    return statistics.median(
        timed(lambda: subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env))
        for _ in range(repeats)
    )


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")
_PROBE = ("import time; t0 = time.perf_counter(); import harmonizer; t1 = time.perf_counter(); "
          "from harmonizer.scorer import load_model; load_model('classical'); "
          "print(t1 - t0, time.perf_counter() - t1)")


def _import_breakdown(repeats: int, env: dict[str, str]) -> list[list[str]]:
    """Median over fresh processes of import and model-load times, and -X importtime's split."""
    walls: list[tuple[float, float]] = []
    uncached: list[float] = []
    startup: list[float] = []
    parts: dict[str, list[float]] = {}
    for _ in range(repeats):
        startup.append(timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)))
        done = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, check=True, capture_output=True,
                              text=True, env=env)
        walls.append(tuple(float(x) for x in done.stdout.split()))  # type: ignore[arg-type]
        bare = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, check=True, capture_output=True,
                              text=True, env=child_env(None))
        uncached.append(float(bare.stdout.split()[0]))
        traced = subprocess.run([sys.executable, "-X", "importtime", "-c", _PROBE], cwd=ROOT, check=True,
                                capture_output=True, text=True, env=env)
        cumulative: dict[str, int] = {}
        own = 0
        for match in _IMPORT_LINE.finditer(traced.stderr):
            self_us, total_us, name = int(match[1]), int(match[2]), match[4]
            cumulative.setdefault(name, total_us)
            if name == "harmonizer" or name.startswith("harmonizer."):
                own += self_us
        for name in ("harmonizer", "numpy", "mido", "onnxruntime"):
            parts.setdefault(name, []).append(cumulative.get(name, 0) / 1000)
        parts.setdefault("own", []).append(own / 1000)

    def ms(values: Sequence[float]) -> str:
        return f"{statistics.median(values):.1f}"

    return [
        ["interpreter start-up (`python -c pass`)", ms([s * 1000 for s in startup])],
        ["`import harmonizer` (wall)", ms([w[0] * 1000 for w in walls])],
        ["· of which numpy (importtime, cumulative)", ms(parts["numpy"])],
        ["· of which mido (importtime, cumulative)", ms(parts["mido"])],
        ["· of which harmonizer's own modules (importtime, self)", ms(parts["own"])],
        ["· `import harmonizer` under -X importtime (inflated)", ms(parts["harmonizer"])],
        ["`import harmonizer` without a bytecode cache (compiles our modules every time)",
         ms([u * 1000 for u in uncached])],
        ["load the classical model (wall, incl. importing onnxruntime)", ms([w[1] * 1000 for w in walls])],
        ["· of which import onnxruntime (importtime, cumulative)", ms(parts["onnxruntime"])],
    ]


def end_to_end(repeats: int, song: Path, song_notes: int, env: dict[str, str]) -> None:
    from harmonizer import read_midi

    emit("## 6. End to end: cold `python -m harmonizer FILE --no-write`")
    emit()
    files = [p for p in sorted((ROOT / "examples").glob("*.mid")) if ".harmonized" not in p.name]
    rows = []
    for path in [*files, song]:
        melody, _ = read_midi(path).melody()
        label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else f"3-minute pop song ({path.name})"
        rows.append([label, len(melody.notes), f"{_cold_cli(path, repeats, env) * 1000:.0f}"])
    emit(f"Median of {repeats} fresh processes each, after one untimed run that also fills a bytecode "
         "cache (kept outside the repository), as an installed package has. The pop song: 90 bars of "
         f"4/4 at 120 bpm, {song_notes} melody notes, with bass and drum tracks.")
    emit()
    table(["file", "melody notes", "wall ms"], rows)
    emit(f"Import and model load, median of {max(3, repeats // 2)} fresh processes:")
    emit()
    table(["step", "ms"], _import_breakdown(max(3, repeats // 2), env))


_RSS_WRAPPER = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def _peak_rss_mb(command: Sequence[str], env: dict[str, str]) -> float:
    done = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *command], cwd=ROOT, check=True,
                          capture_output=True, text=True, env=env)
    return int(done.stdout.strip()) / 1024  # ru_maxrss is in KiB on Linux


def memory(song: Path, env: dict[str, str]) -> None:
    emit("## 7. Memory: peak RSS of a fresh process")
    emit()
    python = sys.executable
    rows = [
        ["`python -c pass`", _peak_rss_mb([python, "-c", "pass"], env)],
        ["`import harmonizer` + load the classical model",
         _peak_rss_mb([python, "-c", "from harmonizer.scorer import load_model; load_model('classical')"],
                      env)],
        ["cold CLI on the 3-minute pop song",
         _peak_rss_mb([python, "-m", "harmonizer", str(song), "--no-write"], env)],
        ["core run, 2,048-note melody (alternatives=1)",
         _peak_rss_mb([python, str(Path(__file__).resolve()), "--core-run", "2048"], env)],
    ]
    table(["process", "peak RSS MiB"], [[name, f"{value:.1f}"] for name, value in rows])


def core_run(size: int) -> None:
    from harmonizer.engine import harmonize_melody

    harmonize_melody(random_walk_melody(size), key="C major", alternatives=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--no-save", action="store_true", help=f"do not write {RESULTS.name}")
    parser.add_argument("--core-run", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.core_run:
        core_run(args.core_run)
        return
    repeats = ({"pattern passes": 1, "scaling runs": 3, "cold CLI runs": 5} if args.quick
               else {"pattern passes": 3, "scaling runs": 9, "cold CLI runs": 7})
    started = time.perf_counter()
    command = "python benchmarks/run.py" + "".join(f" {a}" for a in sys.argv[1:])
    emit("# Benchmark results")
    emit()
    emit(f"Produced by `{command}` from the repository "
         "root. Times are wall-clock (`time.perf_counter`).")
    emit()
    environment(repeats)
    per_pattern(repeats["pattern passes"])
    scaling(repeats["scaling runs"])
    decoder(repeats["scaling runs"])
    variety_cost(repeats["scaling runs"])
    bar_line_cost(repeats["scaling runs"])
    with tempfile.TemporaryDirectory() as folder:
        song = Path(folder) / "pop_song_3min.mid"
        notes = write_pop_song(song)
        env = child_env(Path(folder) / "pycache")
        end_to_end(repeats["cold CLI runs"], song, notes, env)
        memory(song, env)
    emit(f"Total benchmark time: {time.perf_counter() - started:.0f} s; load average at the end: "
         f"{_load_average()}. On a busy machine every number here grows; compare runs at similar load.")
    if not args.no_save:
        RESULTS.write_text("\n".join(_lines) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
