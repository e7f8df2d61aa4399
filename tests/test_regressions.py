"""Every crash, hang or misreading found by fuzzing and the hostile tests, replayed: each file of
tests/regressions/ is named after the error it must raise (``<ErrorClass>_<what>.<ext>``,
symusic style), and a small fuzz run (scripts/fuzz_readers.py) must find nothing new.

What each file did before it was fixed:

* ``InputError_mxl_*``: zipfile and zlib errors (BadZipFile, zlib.error, a negative seek,
  NotImplementedError for an unknown zip version) escaped from opening a damaged archive or
  reading one of its members (internal error, exit 70); found by fuzzing.
* ``InputError_time_signature_99999999_beats.musicxml``: music21 subdivides such a metre for
  hours; found by fuzzing.
* ``InputError_time_signature_numerator_0.mid``, ``..._denominator_2_to_the_255.mid``: bars of
  no length, an endless loop.
* ``InputError_invalid_key_signature.mid``: mido's KeySignatureError escaped (exit 70).
* ``InputError_realtime_status_byte.mid``: read, then the writer refused it (exit 70).
* ``InputError_negative_duration.musicxml``: a note before the start of the piece, reported as an
  output problem (exit 5).
* ``InputError_pitch_octave_99.musicxml``: silently read as MIDI pitch 120.
* ``InputError_unknown_encoding.musicxml``: a LookupError from expat (exit 70); found by the
  hostile tests.
* ``InputError_utf7_declaration.musicxml``: expat's "multi-byte encodings are not supported"
  ValueError (exit 70); found by atheris.  The document is now read as UTF-8 first, so an entity
  spelled in UTF-7 is seen and refused too.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
import warnings
from pathlib import Path

import pytest

from harmonizer import errors
from harmonizer.cli import main
from harmonizer.musicxml_in import read_song

from .conftest import ROOT

REGRESSIONS = sorted(p for p in (Path(__file__).parent / "regressions").iterdir() if p.is_file())


def _expected(path: Path) -> type[errors.HarmonizerError]:
    return getattr(errors, path.name.split("_", 1)[0])


def test_every_regression_file_names_an_error_class():
    assert REGRESSIONS
    for path in REGRESSIONS:
        assert issubclass(_expected(path), errors.HarmonizerError), path.name
        assert path.suffix in (".mid", ".musicxml", ".mxl"), path.name


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_a_regression_file_raises_its_error_quickly(path):
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(errors.HarmonizerError) as raised:
            read_song(path).melody()
    assert type(raised.value) is _expected(path)
    assert str(path) in str(raised.value)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_a_regression_file_gets_one_line_and_its_exit_code(path, tmp_path, capsys):
    source = tmp_path / path.name
    shutil.copy(path, source)
    assert main([str(source), "-o", str(tmp_path / "out.mid")]) == errors.EXIT_CODES[_expected(path)]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(source) in err and "internal error" not in err
    assert os.listdir(tmp_path) == [path.name]


def _fuzzer():
    spec = importlib.util.spec_from_file_location("fuzz_readers", ROOT / "scripts" / "fuzz_readers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_short_fuzz_run_finds_no_crash():
    counts, crashes = _fuzzer().fuzz_cases(250, seed=20240601, harmonize_every=10)
    assert not crashes, "\n\n".join(trace for _, _, trace, _ in crashes)
    assert counts["ok"] > 20 and counts["refused"] > 20  # the mutations reach both outcomes
