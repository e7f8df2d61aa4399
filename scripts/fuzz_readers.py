"""Fuzz the MIDI and MusicXML readers: mutate real files, read them, and keep every input that
raises anything but one of the harmonizer's own errors (or hangs, or runs out of memory).

    python scripts/fuzz_readers.py --cases 100000 --jobs 2        # the full run
    python scripts/fuzz_readers.py --cases 300 --seed 1           # about what CI runs (test_regressions.py)
    python scripts/fuzz_readers.py --minimize fuzz-crashes/X.mid  # shrink one crash
    python scripts/fuzz_readers.py --atheris --kind midi          # coverage-guided, if atheris is installed

The seeds are examples/*.mid and a few small OpenEWLD lead sheets (../shared/data/openewld),
used both as .mxl archives and as the MusicXML inside them.  Mutations are byte-level
(flips, interesting values, insertions, deletions, splices, truncation) and structure-aware:
MIDI header and chunk-length fields, delta times, meta events; MusicXML element values
(0, -1, huge, not a number), deleted and duplicated elements, entities; .mxl archives rebuilt
around a mutated score or with lying sizes.  Each case reads the bytes with
``harmonizer.musicxml_in.read_song`` and picks the melody; every tenth readable case is also
harmonized.  A crash is saved to ``--out`` (default ``fuzz-crashes/``) as
``<ExceptionType>_<hash>.<ext>`` with its traceback beside it; a fixed crash becomes a named
regression file in ``tests/regressions/`` (see tests/test_regressions.py).

Exit status: 0 when no crash was found, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import multiprocessing
import os
import random
import re
import resource
import signal
import sys
import time
import traceback
import warnings
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OPENEWLD = ROOT.parent / "shared" / "data" / "openewld" / "dataset"
#: Small lead sheets of OpenEWLD used as seeds (all public domain).
OPENEWLD_SEEDS = (
    "Mildred_Hill-Patty_Hill/Happy_Birthday_to_You/Happy_Birthday_to_You.mxl",
    "[Traditional]/Alouette/Alouette.mxl",
    "Joseph_Brackett,_Jr./Simple_Gifts/Simple_Gifts.mxl",
    "George_M._Cohan/Yankee_Doodle_Boy/Yankee_Doodle_Boy.mxl",
)
CASE_SECONDS = 20  # a case that takes longer is a hang
MEMORY_BYTES = 6 * 1024 ** 3  # a case that needs more is a memory bomb

INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0x81, 0xF0, 0xF7, 0xFE, 0xFF)
INTERESTING_INTS = (0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)
INTERESTING_VALUES = ("0", "-1", "-0", "1", "2", "1e309", "-1e309", "nan", "inf", "99999999",
                      "4294967296", "", "abc", "3+2", "0.3", "1.5", "+", "7", "-7", "12", "-12",
                      "1000000", "0.0000001", "10", "H", "B#", "\u00e9")
ENTITY_DOCTYPES = (
    '<!DOCTYPE score-partwise [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE score-partwise [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE score-partwise [<!ENTITY % p SYSTEM "http://example.invalid/x.dtd"> %p;]>',
    '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
    '"http://www.musicxml.org/dtds/partwise.dtd">',
)
MIDI_META = (b"\xff\x51\x03\x07\xa1\x20", b"\xff\x51\x02\x07\xa1", b"\xff\x51\x03\x00\x00\x00",
             b"\xff\x58\x04\x04\x02\x18\x08", b"\xff\x58\x04\x00\x02\x18\x08",
             b"\xff\x58\x04\x04\xff\x18\x08",
             b"\xff\x58\x02\x04\x02", b"\xff\x59\x02\x09\x00", b"\xff\x59\x02\x00\x05", b"\xff\x2f\x00",
             b"\xff\x54\x05\xff\x3c\x3c\xff\x64", b"\xff\x00\x01\x05", b"\xff\x20\x00", b"\xf0\x02\x90\xf7",
             b"\xf7\x03\xf8\xfa\xfc", b"\xff\x7f\x8f\xff\xff\xff\x7f", b"\xff\x03\x81\x80\x80\x00")


# ---------------------------------------------------------------------------
# Seeds


def load_seeds() -> list[tuple[str, bytes]]:
    """(kind, bytes) pairs: 'midi', 'mxl' and 'xml'."""
    examples = sorted((ROOT / "examples").glob("*.mid"))
    seeds: list[tuple[str, bytes]] = [("midi", path.read_bytes()) for path in examples]
    for relative in OPENEWLD_SEEDS:
        path = OPENEWLD / relative
        if not path.exists():
            continue
        data = path.read_bytes()
        seeds.append(("mxl", data))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if not name.startswith("META-INF/") and name.lower().endswith((".xml", ".musicxml")):
                    seeds.append(("xml", archive.read(name)))
                    break
    if not any(kind == "xml" for kind, _ in seeds):
        seeds.append(("xml", _tiny_score()))
    return seeds


def _tiny_score() -> bytes:
    notes = "".join(f"<note><pitch><step>{s}</step><octave>4</octave></pitch><duration>1</duration>"
                    "<type>quarter</type></note>" for s in "CDEF")
    return ('<?xml version="1.0" encoding="UTF-8"?><score-partwise version="4.0"><part-list>'
            '<score-part id="P1"><part-name>Melody</part-name></score-part></part-list><part id="P1">'
            '<measure number="1"><attributes><divisions>1</divisions><key><fifths>0</fifths></key>'
            f'<time><beats>4</beats><beat-type>4</beat-type></time></attributes>{notes}</measure>'
            '</part></score-partwise>').encode()


# ---------------------------------------------------------------------------
# Mutations


def mutate_bytes(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 5))):
        if not buffer:
            buffer.extend(rng.randbytes(rng.randint(1, 16)))
            continue
        choice = rng.randrange(9)
        at = rng.randrange(len(buffer))
        if choice == 0:
            buffer[at] ^= 1 << rng.randrange(8)
        elif choice == 1:
            buffer[at] = rng.choice(INTERESTING_BYTES)
        elif choice == 2:
            buffer[at:at] = rng.randbytes(rng.randint(1, 8))
        elif choice == 3:
            del buffer[at:at + rng.randint(1, 64)]
        elif choice == 4:
            width = rng.choice((2, 4))
            value = rng.choice(INTERESTING_INTS) & ((1 << (8 * width)) - 1)
            buffer[at:at + width] = value.to_bytes(width, "big")
        elif choice == 5:
            size = rng.randint(1, 128)
            buffer[at:at] = buffer[at:at + size]
        elif choice == 6 and others:
            other = rng.choice(others)
            start = rng.randrange(len(other))
            buffer[at:at] = other[start:start + rng.randint(1, 256)]
        elif choice == 7:
            del buffer[at:]
        else:
            buffer[at] = rng.randrange(256)
    return bytes(buffer)


def mutate_midi(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    buffer = bytearray(data)
    choice = rng.randrange(8)
    tracks = [m.start() for m in re.finditer(b"MTrk", buffer)]
    if choice == 0 and len(buffer) >= 14:  # header fields
        field = rng.choice((8, 10, 12))
        buffer[field:field + 2] = rng.choice(INTERESTING_INTS + (2, 0xE728, 0x8000)).to_bytes(4, "big")[2:]
    elif choice == 1 and tracks:  # a chunk length
        at = rng.choice(tracks) + 4
        length = int.from_bytes(buffer[at:at + 4], "big")
        new = rng.choice((0, 1, length - 1, length + 1, length * 2, 0xFFFFFFFF, rng.randrange(1 << 32)))
        buffer[at:at + 4] = (new & 0xFFFFFFFF).to_bytes(4, "big")
    elif choice == 2 and tracks:  # an inserted meta event or sysex, with a delta time
        at = rng.choice(tracks) + 8
        at = min(len(buffer), at + rng.randrange(0, 64))
        delta = rng.choice((b"\x00", b"\x7f", b"\x81\x00", b"\xff\xff\xff\x7f", b"\x8f\xff\xff\xff\xff"))
        buffer[at:at] = delta + rng.choice(MIDI_META)
    elif choice == 3 and tracks:  # a huge delta time at an event boundary guess
        at = rng.choice(tracks) + 8 + rng.randrange(0, 32)
        buffer[at:at] = b"\x8f\xff\xff\x7f"
    elif choice == 4 and len(tracks) > 1:  # drop or duplicate a whole track chunk
        at = rng.choice(tracks)
        length = int.from_bytes(buffer[at + 4:at + 8], "big")
        chunk = buffer[at:at + 8 + length]
        if rng.random() < 0.5:
            del buffer[at:at + 8 + length]
        else:
            buffer[at:at] = chunk
    elif choice == 5:  # RIFF wrap
        body = bytes(buffer)
        size = len(body) if rng.random() < 0.8 else rng.randrange(1 << 32)
        inner = b"RMID" + b"data" + size.to_bytes(4, "little") + body
        return b"RIFF" + len(inner).to_bytes(4, "little") + inner
    else:
        return mutate_bytes(bytes(buffer), rng, others)
    return bytes(buffer)


_ELEMENT_VALUE = re.compile(rb">([^<>]{0,40})<")
_ELEMENT = re.compile(rb"<([a-z][a-z-]*)\b[^>]*>.*?</\1>", re.S)


def mutate_xml(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    choice = rng.randrange(10)
    if choice <= 3:  # element values
        spans = [m.span(1) for m in _ELEMENT_VALUE.finditer(data)]
        if not spans:
            return mutate_bytes(data, rng, others)
        buffer = bytearray(data)
        for start, end in sorted(rng.sample(spans, min(len(spans), rng.choice((1, 1, 2, 4)))), reverse=True):
            buffer[start:end] = rng.choice(INTERESTING_VALUES).encode()
        return bytes(buffer)
    if choice <= 5:  # delete or duplicate elements
        matches = list(_ELEMENT.finditer(data))
        if not matches:
            return mutate_bytes(data, rng, others)
        match = rng.choice(matches)
        start, end = match.span()
        if choice == 4:
            return data[:start] + data[end:]
        return data[:end] + data[start:end] * rng.choice((1, 2, 50)) + data[end:]
    if choice == 6:  # attribute values
        spans = [m.span(1) for m in re.finditer(rb'="([^"]{0,20})"', data)]
        if spans:
            start, end = rng.choice(spans)
            return data[:start] + rng.choice(INTERESTING_VALUES).encode() + data[end:]
    if choice == 7:  # a DOCTYPE with entities (or a harmless one)
        text = re.sub(rb"<!DOCTYPE[^>]*>", b"", data, count=1)
        at = text.find(b"?>") + 2 if text.startswith(b"<?xml") else 0
        return text[:at] + rng.choice(ENTITY_DOCTYPES).encode() + text[at:]
    if choice == 8:  # swap element names
        names = sorted({m.group(1) for m in re.finditer(rb"<([a-z][a-z-]*)[ >]", data)})
        if len(names) >= 2:
            a, b = rng.sample(names, 2)
            return data.replace(b"<" + a + b">", b"<" + b + b">", 1)
    return mutate_bytes(data, rng, others)


def mutate_mxl(data: bytes, xml: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return mutate_bytes(data, rng, others)
    members = {"META-INF/container.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><container><rootfiles>'
        b'<rootfile full-path="score.xml" media-type="application/vnd.recordare.musicxml+xml"/>'
        b"</rootfiles></container>"), "score.xml": mutate_xml(xml, rng, others)}
    if choice == 2:
        members["META-INF/container.xml"] = members["META-INF/container.xml"].replace(
            b"score.xml", rng.choice((b"../score.xml", b"/etc/passwd", b"missing.xml", b"", b"C:/x.xml")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    out = bytearray(buffer.getvalue())
    if choice == 3:  # lie about sizes in the headers
        for match in re.finditer(b"PK\x01\x02|PK\x03\x04", out):
            at = match.start() + (24 if out[match.start() + 2] == 1 else 22)
            out[at:at + 4] = rng.choice((0, 1, 0x7FFFFFFF, 0xFFFFFFFF)).to_bytes(4, "little")
    return bytes(out)


def make_case(seeds: list[tuple[str, bytes]], rng: random.Random) -> tuple[str, bytes]:
    kind, data = rng.choice(seeds)
    others = [d for _, d in seeds]
    if kind == "midi":
        return "mid", mutate_midi(data, rng, others)
    if kind == "xml":
        return "musicxml", mutate_xml(data, rng, others)
    xml = next(d for k, d in seeds if k == "xml")
    return "mxl", mutate_mxl(data, xml, rng, others)


# ---------------------------------------------------------------------------
# Running one case


class CaseTimeout(Exception):
    """The case ran longer than CASE_SECONDS."""


def _alarm(signum: int, frame: object) -> None:
    raise CaseTimeout(f"longer than {CASE_SECONDS} s")


def run_case(data: bytes, harmonize: bool = False) -> tuple[str, str | None]:
    """('ok' | 'refused:<Error>' | 'crash:<Type>', traceback or None)."""
    from harmonizer.engine import harmonize_melody
    from harmonizer.errors import HarmonizerError
    from harmonizer.musicxml_in import read_song

    timed = signal.getsignal(signal.SIGALRM) is _alarm  # only where _alarm is installed
    if timed:
        signal.alarm(CASE_SECONDS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            song = read_song(data)
            melody, _ = song.melody()
            if harmonize:
                harmonize_melody(melody, key_signature=song.key_signature, style="folk", alternatives=2)
        return "ok", None
    except HarmonizerError as error:
        return f"refused:{type(error).__name__}", None
    except BaseException as error:  # noqa: BLE001 - anything else is what we are looking for
        if isinstance(error, KeyboardInterrupt):
            raise
        return f"crash:{type(error).__name__}", traceback.format_exc()
    finally:
        if timed:
            signal.alarm(0)


def crash_signature(trace: str) -> str:
    """The exception type and the innermost harmonizer frame (or the innermost frame)."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', trace)
    ours = [f for f in frames if "/harmonizer/" in f[0]] or frames
    where = f"{Path(ours[-1][0]).name}:{ours[-1][1]}" if ours else "?"
    last = trace.strip().splitlines()[-1] if trace.strip() else "?"
    return f"{last.split(':')[0]} at {where}"


def fuzz_cases(cases: int, seed: int, worker: int = 0, harmonize_every: int = 10,
               progress: bool = False) -> tuple[Counter, list[tuple[str, str, str, bytes]]]:
    """Run ``cases`` mutated inputs; returns the outcome counts and one (smallest) input per
    distinct crash: (signature, extension, traceback, bytes)."""
    rng = random.Random(seed * 1_000_003 + worker)
    seeds = load_seeds()
    counts: Counter = Counter()
    crashes: dict[str, tuple[str, str, str, bytes]] = {}
    for index in range(cases):
        extension, data = make_case(seeds, rng)
        status, trace = run_case(data, harmonize=harmonize_every > 0 and index % harmonize_every == 0)
        counts[status.split(":")[0]] += 1
        if ":" in status:
            counts[status] += 1
        if progress and (index + 1) % 5000 == 0:
            print(f"[worker {worker}] {index + 1}/{cases} cases: {counts['ok']} read, "
                  f"{counts['refused']} refused, {counts['crash']} crashed", file=sys.stderr, flush=True)
        if trace is not None:
            signature = crash_signature(trace)
            known = crashes.get(signature)
            if known is None or len(data) < len(known[3]):
                crashes[signature] = (signature, extension, trace, data)
    return counts, list(crashes.values())


def _worker(arguments: tuple[int, int, int, int]) -> tuple[Counter, list[tuple[str, str, str, bytes]]]:
    worker, cases, seed, harmonize_every = arguments
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    signal.signal(signal.SIGALRM, _alarm)
    return fuzz_cases(cases, seed, worker, harmonize_every, progress=True)


def fuzz(cases: int, jobs: int, seed: int, out: Path, harmonize_every: int) -> int:
    started = time.time()
    per_job = [cases // jobs + (1 if j < cases % jobs else 0) for j in range(jobs)]
    tasks = [(j, per_job[j], seed, harmonize_every) for j in range(jobs)]
    if jobs == 1:
        results = [_worker(tasks[0])]
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(_worker, tasks)
    counts: Counter = Counter()
    crashes: dict[str, tuple[str, str, str, bytes]] = {}
    for part, found in results:
        counts.update(part)
        for signature, extension, trace, data in found:
            if signature not in crashes or len(data) < len(crashes[signature][3]):
                crashes[signature] = (signature, extension, trace, data)
    elapsed = time.time() - started
    print(f"{sum(per_job)} cases in {elapsed:.0f} s ({sum(per_job) / max(elapsed, 1e-9):.0f}/s): "
          f"{counts['ok']} read, {counts['refused']} refused with a clear error, {counts['crash']} crashed "
          f"({len(crashes)} distinct)")
    for status, count in sorted(counts.items()):
        if ":" in status:
            print(f"  {status}: {count}")
    if crashes:
        out.mkdir(parents=True, exist_ok=True)
    for signature, extension, trace, data in crashes.values():
        digest = hashlib.sha1(data).hexdigest()[:10]
        path = out / f"{signature.split()[0]}_{digest}.{extension}"
        path.write_bytes(data)
        path.with_suffix(path.suffix + ".txt").write_text(f"{signature}\n\n{trace}")
        print(f"  crash: {signature} -> {path}")
    return 1 if crashes else 0


# ---------------------------------------------------------------------------
# Shrinking a crash, and atheris


def minimize(path: Path) -> int:
    """Delete ever smaller ranges of bytes while the crash keeps its signature."""
    signal.signal(signal.SIGALRM, _alarm)
    data = path.read_bytes()
    status, trace = run_case(data)
    if trace is None:
        print(f"{path}: does not crash ({status})")
        return 1
    signature = crash_signature(trace)
    size = max(1, len(data) // 2)
    while size >= 1:
        at = 0
        while at < len(data):
            candidate = data[:at] + data[at + size:]
            status, trace = run_case(candidate)
            if trace is not None and crash_signature(trace) == signature:
                data = candidate
            else:
                at += size
        size //= 2
    target = path.with_name(path.stem + ".min" + path.suffix)
    target.write_bytes(data)
    print(f"{signature}: {path.stat().st_size} -> {len(data)} bytes: {target}")
    return 0


def run_atheris(kind: str) -> None:  # pragma: no cover - needs atheris
    import atheris

    with atheris.instrument_imports():
        import harmonizer.midi_check  # noqa: F401
        import harmonizer.midi_in  # noqa: F401
        import harmonizer.musicxml_check  # noqa: F401
        import harmonizer.musicxml_in  # noqa: F401
    from harmonizer.errors import HarmonizerError
    from harmonizer.musicxml_in import read_song

    def target(data: bytes) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                read_song(data).melody()
            except HarmonizerError:
                pass

    corpus = Path("fuzz-corpus") / kind
    corpus.mkdir(parents=True, exist_ok=True)
    for index, (seed_kind, data) in enumerate(load_seeds()):
        if (kind == "midi") == (seed_kind == "midi"):
            (corpus / f"seed{index}").write_bytes(data)
    atheris.Setup([sys.argv[0], str(corpus), *sys.argv[sys.argv.index("--") + 1:]]
                  if "--" in sys.argv else [sys.argv[0], str(corpus)], target)
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("fuzz-crashes"))
    parser.add_argument("--harmonize-every", type=int, default=10,
                        help="also harmonize every Nth case (0: never)")
    parser.add_argument("--minimize", type=Path, metavar="FILE", help="shrink one saved crash")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided fuzzing with atheris")
    parser.add_argument("--kind", choices=("midi", "musicxml"), default="midi")
    args, _ = parser.parse_known_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if args.minimize:
        return minimize(args.minimize)
    if args.atheris:
        run_atheris(args.kind)
        return 0
    return fuzz(args.cases, max(1, args.jobs), args.seed, args.out, args.harmonize_every)


if __name__ == "__main__":
    sys.exit(main())
