"""Output and environment: existing files, unwritable folders, a write that fails half-way,
non-ASCII paths, broken model files, impossible options.  One line on stderr, the documented exit
code, the input untouched and no output or temporary file left behind."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest

import harmonizer.midi_out
import harmonizer.scorer
from harmonizer.cli import main
from harmonizer.errors import ModelError, OptionError
from harmonizer.features import FEATURE_NAMES
from harmonizer.scorer import KEY_MODEL_FILE, MODELS_DIR, key_model_digest, load_model

from .conftest import EXAMPLES
from .hostile import GOOD_MIDI, refuse, snapshot


@pytest.fixture
def song(tmp_path):
    path = tmp_path / "song.mid"
    path.write_bytes((EXAMPLES / "ode_to_joy.mid").read_bytes())
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    return path


def _one_error_line(capsys, *words):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("harmonize-midi: error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    for word in words:
        assert word in err, (word, err)
    return err


# ---------------------------------------------------------------------------
# Where the output goes


def test_the_input_is_never_the_output_without_force(song, tmp_path, capsys):
    before = snapshot(song)
    assert main([str(song), "-o", str(song)]) == 5
    _one_error_line(capsys, str(song), "output is the input file; use --force")
    assert snapshot(song) == before and os.listdir(tmp_path) == ["song.mid"]


def test_an_existing_output_is_kept_without_force(song, tmp_path, capsys):
    target = tmp_path / "out.mid"
    target.write_bytes(b"previous result")
    before = snapshot(target)
    assert main([str(song), "-o", str(target)]) == 5
    _one_error_line(capsys, str(target), "exists; use --force")
    assert snapshot(target) == before and sorted(os.listdir(tmp_path)) == ["out.mid", "song.mid"]


def test_a_read_only_folder_is_an_output_problem(song, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
    else:  # root writes anywhere: make creating the temporary file fail as a read-only folder would
        def refuse_to_create(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(harmonizer.midi_out.tempfile, "mkstemp", refuse_to_create)
    try:
        assert main([str(song), "-o", str(folder / "out.mid")]) == 5
    finally:
        folder.chmod(0o755)
    _one_error_line(capsys, "out.mid: cannot write in", "Permission denied")
    assert os.listdir(folder) == []


def test_a_missing_output_folder_is_an_output_problem(song, tmp_path, capsys):
    assert main([str(song), "-o", str(tmp_path / "nowhere" / "out.mid")]) == 5
    _one_error_line(capsys, "cannot write in")
    assert os.listdir(tmp_path) == ["song.mid"]


def test_a_folder_as_output_is_refused_even_with_force(song, tmp_path, capsys):
    # -o FOLDER writes FOLDER/song.harmonized.mid; where that name is a folder too, no force
    # makes a file of it
    (tmp_path / "out.mid" / "song.harmonized.mid").mkdir(parents=True)
    assert main([str(song), "-o", str(tmp_path / "out.mid"), "--force"]) == 5
    _one_error_line(capsys, "output is a folder")
    (tmp_path / "sheet.png").mkdir()  # nor of a preview's name
    assert main([str(song), "--preview", str(tmp_path / "sheet.png"), "--no-write", "--force"]) == 5
    _one_error_line(capsys, "output is a folder")


def test_an_unknown_output_extension_is_a_bad_option(song, capsys):
    assert main([str(song), "-o", str(song.with_suffix(".txt"))]) == 2
    _one_error_line(capsys, "extension must be one of")


class _DiskFullAfterHalf:
    """A file object that writes half of what it is given, then fails as a full disk does."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, data):
        self.stream.write(bytes(data)[: max(1, len(data) // 2)])
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream.close()


@pytest.mark.parametrize("output", ["out.mid", "out.musicxml", "out.mxl"])
def test_a_write_that_fails_half_way_leaves_the_previous_file_intact(output, song, tmp_path, capsys,
                                                                       monkeypatch):
    target = tmp_path / output
    target.write_bytes(b"the previous result")
    before = snapshot(target)
    real_fdopen = os.fdopen
    monkeypatch.setattr(harmonizer.midi_out.os, "fdopen",
                        lambda fd, mode="r", *a, **k: _DiskFullAfterHalf(real_fdopen(fd, mode, *a, **k)))
    assert main([str(song), "-o", str(target), "--force"]) == 5
    _one_error_line(capsys, str(target), "writing failed (No space left on device)")
    assert snapshot(target) == before
    assert sorted(os.listdir(tmp_path)) == sorted(["song.mid", output])  # no temporary file left


def test_non_ascii_paths(tmp_path, capsys):
    folder = tmp_path / "chansons ♪ 歌"
    folder.mkdir()
    source = folder / "Ode à la joie — Ünïcødé.mid"
    source.write_bytes(GOOD_MIDI)
    assert main([str(source), "--alternatives", "1"]) == 0
    out = capsys.readouterr().out
    written = folder / "Ode à la joie — Ünïcødé.harmonized.mid"
    assert str(written) in out and mido.MidiFile(written).tracks[-1].name == "Harmony"
    refuse(tmp_path, capsys, b"\x00 not music", 3, "neither MIDI", name="chansons ♪ 歌/cassé ✗.mid")


def test_a_file_name_that_is_not_utf8_is_still_one_line(tmp_path):
    name = os.fsdecode(tmp_path.as_posix().encode() + b"/broken\xff.mid")
    Path(name).write_bytes(b"not music")
    done = subprocess.run([sys.executable, "-m", "harmonizer", name], capture_output=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore", "LC_ALL": "C.UTF-8"})
    assert done.returncode == 3
    assert done.stderr.count(b"\n") == 1 and b"broken" in done.stderr and b"Traceback" not in done.stderr


def test_debug_adds_the_traceback_and_keeps_the_exit_code(tmp_path, capsys):
    source = tmp_path / "bad.mid"
    source.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")
    assert main([str(source), "--debug"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and "InputError" in err
    assert err.splitlines()[-1].startswith("harmonize-midi: error: ") and "truncated header" in err


# ---------------------------------------------------------------------------
# Model files


def _models(tmp_path, monkeypatch, name="models"):
    folder = tmp_path / name
    folder.mkdir()
    monkeypatch.setenv("HARMONIZER_MODELS", str(folder))
    monkeypatch.setattr(harmonizer.scorer, "_LOADED", {})  # forget the shipped models loaded earlier
    return folder


def _install(folder: Path, onnx: bytes, card_changes: dict | None = None, sha: bool = True) -> None:
    card = json.loads((MODELS_DIR / "folk.json").read_text(encoding="utf-8"))
    if sha:
        card["sha256"] = hashlib.sha256(onnx).hexdigest()
    card.update(card_changes or {})
    (folder / "folk.onnx").write_bytes(onnx)
    (folder / "folk.json").write_text(json.dumps(card), encoding="utf-8")


def _install_key_model(folder: Path, changes: dict | str, sha: bool = False) -> None:
    """A working folk model beside a key model card: the shipped one with ``changes`` (or text)."""
    _install(folder, _graph("ok"))
    if isinstance(changes, str):
        text = changes
    else:
        card = {**json.loads((MODELS_DIR / KEY_MODEL_FILE).read_text(encoding="utf-8")), **changes}
        if sha:
            card["sha256"] = key_model_digest(card["model"])
        text = json.dumps(card)
    (folder / KEY_MODEL_FILE).write_text(text, encoding="utf-8")


def _graph(kind: str) -> bytes:
    """A tiny ONNX model: 'nan' and 'inf' give such probabilities, 'narrow' expects 5 features,
    'flat' returns one number per row."""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    width = 5 if kind == "narrow" else len(FEATURE_NAMES)
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, width])
    starts = helper.make_tensor("starts", TensorProto.INT64, [1], [0])
    ends = helper.make_tensor("ends", TensorProto.INT64, [1], [2])
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    value = {"nan": float("nan"), "inf": float("inf")}.get(kind, 0.5)
    fill = helper.make_tensor("fill", TensorProto.FLOAT, [1], [value])
    nodes = [helper.make_node("Slice", ["X", "starts", "ends", "axes"], ["two"]),
             helper.make_node("Mul", ["two", "zero"], ["zeros"]),
             helper.make_node("Add", ["zeros", "fill"], ["probabilities"])]
    zero = helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0])
    shape = [None] if kind == "flat" else [None, 2]
    if kind == "flat":
        nodes.append(helper.make_node("ReduceSum", ["probabilities", "axes"], ["flat"], keepdims=0))
        output = helper.make_tensor_value_info("flat", TensorProto.FLOAT, shape)
    else:
        output = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, shape)
    graph = helper.make_graph(nodes, kind, [x], [output], initializer=[starts, ends, axes, fill, zero])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model.SerializeToString()


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


BROKEN_MODELS = [
    # (what to put in the models folder, words of the one line)
    pytest.param(lambda f: None, ["no model for style 'folk' in", "models available: none"], id="missing"),
    pytest.param(lambda f: (f / "folk.onnx").write_bytes(b"x"),
                 ["model for style 'folk' not found", "folk.json"], id="card-missing"),
    pytest.param(lambda f: _install(f, b"\x08\x07garbage, not a protobuf"),
                 ["folk.onnx: onnxruntime cannot load the model"], id="corrupt"),
    pytest.param(lambda f: _install(f, b"\x08\x07garbage", sha=False),
                 ["folk.onnx: sha256", "does not match"],
                 id="sha-mismatch"),
    pytest.param(lambda f: (_install(f, b"x"), _write(f / "folk.json", "{not json")),
                 ["folk.json: unreadable model card"], id="card-not-json"),
    pytest.param(lambda f: (_install(f, b"x"), _write(f / "folk.json", "[1, 2]")),
                 ["folk.json: the model card is not a JSON object"], id="card-not-an-object"),
    pytest.param(lambda f: _install(f, _graph("ok"), {"temperature": "hot"}),
                 ["temperature 'hot' is not a positive number"], id="card-bad-temperature"),
    pytest.param(lambda f: _install(f, _graph("ok"), {"decoding": {"prior_correction": 0.2}}),
                 ["folk.json: decoding.weights None is not harmonic, voice_leading and contextual"],
                 id="card-without-decoding-weights"),
    pytest.param(lambda f: _install(f, _graph("ok"), {"decoding": {
        "prior_correction": 0.2, "weights": {"harmonic": 0.5, "voice_leading": -0.3, "contextual": 0.2}}}),
                 ["folk.json: decoding.weights", "numbers >= 0, not all 0"], id="card-negative-weight"),
    pytest.param(lambda f: _install(f, _graph("ok"), {"decoding": {
        "prior_correction": 0.2, "weights": {"harmonic": 0, "voice_leading": 0, "contextual": 0}}}),
                 ["folk.json: decoding.weights", "not all 0"], id="card-zero-weights"),
    pytest.param(lambda f: _install(f, _graph("ok"), {"output": "logits"}),
                 ["folk.json: output 'logits' is not one of"], id="card-bad-output"),
    pytest.param(lambda f: _install(f, _graph("ok"), {"chord_per_beat": "yes"}),
                 ["folk.json: chord_per_beat 'yes' is not true or false"], id="card-bad-chord-per-beat"),
    pytest.param(lambda f: _install(f, _graph("ok"), {"ignored_features": ["loudness"]}),
                 ["folk.json: ignored_features ['loudness'] is not a list of the card's features"],
                 id="card-bad-ignored-features"),
    pytest.param(lambda f: _install_key_model(f, "{not json"),
                 ["key_model.json: unreadable key model card"], id="key-model-not-json"),
    pytest.param(lambda f: _install_key_model(f, {"styles": None}),
                 ["key_model.json: the key model card has no 'styles' object"], id="key-model-no-styles"),
    pytest.param(lambda f: _install_key_model(f, {"styles": {"folk": "yes"}}),
                 ["key_model.json: styles.folk is 'yes', not true or false"], id="key-model-bad-style-flag"),
    pytest.param(lambda f: _install_key_model(f, {"styles": {"folk": True}, "sha256": "0" * 64}),
                 ["key_model.json: sha256 does not match the key model's weights"], id="key-model-tampered"),
    pytest.param(lambda f: _install_key_model(f, {"styles": {"folk": True}, "model": {"weights": 2.0}},
                                              sha=True),
                 ["key_model.json: the key model is unusable (its features are not this engine's)"],
                 id="key-model-bad-weights"),
    pytest.param(lambda f: _install_key_model(f, {"styles": {"folk": True}, "model": {
        **json.loads((MODELS_DIR / KEY_MODEL_FILE).read_text(encoding="utf-8"))["model"],
        "minor_bias": {"folk": "minor"}}}, sha=True),
                 ["key_model.json: the key model is unusable (its minor_bias is not an object of numbers"],
                 id="key-model-bad-minor-bias"),
    pytest.param(lambda f: _install(f, b"x", {"features": 12}), ["feature schema differs"],
                 id="card-bad-features"),
    pytest.param(lambda f: _install(f, _graph("ok"), {"context": {}}),
                 ["model card lacks context.major.log_prior"], id="card-without-tables"),
    pytest.param(lambda f: (f / "folk.onnx").mkdir() or _install_card_only(f),
                 ["folk.onnx: unreadable model"], id="model-is-a-folder"),
    pytest.param(lambda f: _install(f, _graph("narrow")), ["folk.onnx: the model expects input [None, 5]"],
                 id="wrong-input-shape"),
    pytest.param(lambda f: _install(f, _graph("flat")), ["folk.onnx: the model returned shape"],
                 id="wrong-output-shape"),
    pytest.param(lambda f: _install(f, _graph("nan")), ["folk.onnx: the model returned NaN or infinite"],
                 id="nan-scores"),
    pytest.param(lambda f: _install(f, _graph("inf")), ["folk.onnx: the model returned NaN or infinite"],
                 id="infinite-scores"),
]


@pytest.mark.parametrize(("setup", "words"), BROKEN_MODELS)
def test_a_broken_model_is_named_in_one_line_with_exit_6(setup, words, song, tmp_path, capsys, monkeypatch):
    folder = _models(tmp_path, monkeypatch)
    setup(folder)
    assert main([str(song), "--style", "folk", "-o", str(tmp_path / "out.mid")]) == 6
    _one_error_line(capsys, *words)
    assert not (tmp_path / "out.mid").exists()


def _install_card_only(folder: Path) -> None:
    card = json.loads((MODELS_DIR / "folk.json").read_text(encoding="utf-8"))
    (folder / "folk.json").write_text(json.dumps(card), encoding="utf-8")


def test_a_model_of_the_right_shape_works(song, tmp_path, capsys, monkeypatch):
    _install(_models(tmp_path, monkeypatch), _graph("ok"))
    assert main([str(song), "--style", "folk", "--no-write"]) == 0
    assert load_model("folk").score(np.zeros((3, len(FEATURE_NAMES)))).tolist() == [0.5] * 3


def test_errors_are_classes_that_callers_can_catch(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    with pytest.raises(ModelError) as raised:
        load_model("folk")
    assert isinstance(raised.value, RuntimeError)


# ---------------------------------------------------------------------------
# Options and the engine


@pytest.mark.parametrize(
    ("options", "words"),
    [
        pytest.param(["--key", "H major"], ["key must look like"], id="key-h"),
        pytest.param(["--key", ""], ["key must look like"], id="key-empty"),
        pytest.param(["--key", "C" * 1000], ["key must look like"], id="key-huge"),
        pytest.param(["--key", "E#♯ minor"], ["key must look like"], id="key-odd"),
        pytest.param(["--target-degrees", "0"], ["scale degree must be in 1..7. Got 0"], id="degree-0"),
        pytest.param(["--target-degrees", "1,8"], ["scale degree must be in 1..7. Got 8"], id="degree-8"),
        pytest.param(["--target-degrees", "##4"], ["degree"], id="degree-double-sharp"),
        pytest.param(["--target-degrees", ",,"], ["--target-degrees takes degrees like 1,4,5"],
                     id="degrees-empty"),
        pytest.param(["--target-degrees", "-1"], ["degree"], id="degree-negative"),
        pytest.param(["--alternatives", "21"], ["alternatives must be in 1..20"], id="alternatives-21"),
        pytest.param(["--weights", "nan,1,1"], ["weights must be finite"], id="weights-nan"),
        pytest.param(["--weights", "inf,1,1"], ["weights must be finite"], id="weights-inf"),
        pytest.param(["--weights=-1,1,1"], ["weights must be finite, >= 0"], id="weights-negative"),
        pytest.param(["--weights", "0,0,0"], ["not all 0"], id="weights-zero"),
        pytest.param(["--program", "128", "-o", "OUT"], ["MIDI program must be in 0..127. Got 128"],
                     id="program-128"),
        pytest.param(["--style", "rokc"], ["'style' must be one of"], id="style-unknown"),
    ],
)
def test_out_of_range_options_are_refused_with_exit_2(options, words, song, tmp_path, capsys):
    options = [str(tmp_path / "out.mid") if o == "OUT" else o for o in options]
    before = snapshot(song)
    assert main([str(song), *options]) == 2
    _one_error_line(capsys, str(song), *words)
    assert snapshot(song) == before and os.listdir(tmp_path) == ["song.mid"]


def test_overflowing_weights_are_refused_up_front_and_huge_ones_work(song, tmp_path, capsys):
    # Weights whose sum overflows would make every path impossible: they are refused by name.
    assert main([str(song), "--weights", "1e308,1e308,1e308", "--json", "--no-write"]) == 2
    _one_error_line(capsys, "weights", "finite sum")
    assert capsys.readouterr().out == ""
    # Only proportions matter, so huge but finite weights decode like small ones.
    assert main([str(song), "--weights", "5e300,3e300,2e300", "--json", "--no-write"]) == 0
    huge = json.loads(capsys.readouterr().out)
    assert main([str(song), "--weights", "0.5,0.3,0.2", "--json", "--no-write"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert [c["symbol"] for c in huge["chords"]] == [c["symbol"] for c in plain["chords"]]


def test_the_decoder_refuses_nan_and_an_all_impossible_lattice():
    from harmonizer.decoder import Lattice, k_best, posteriors

    size = 3
    with pytest.raises(ValueError, match="NaN"):
        Lattice(np.full((2, size), np.nan), np.zeros((size, size)), np.zeros(size), np.zeros(size))
    impossible = Lattice(np.full((2, size), -np.inf), np.zeros((size, size)), np.zeros(size), np.zeros(size))
    with pytest.raises(OptionError, match="every path is impossible"):
        k_best(impossible, 3)
    with pytest.raises(OptionError, match="every path is impossible"):
        posteriors(impossible)


def test_copying_the_shipped_models_elsewhere_still_works(tmp_path, monkeypatch, song, capsys):
    folder = _models(tmp_path, monkeypatch)
    for suffix in (".onnx", ".json"):
        shutil.copy(MODELS_DIR / f"folk{suffix}", folder / f"folk{suffix}")
    assert main([str(song), "--style", "folk", "--no-write"]) == 0


def test_harmonizer_models_set_after_a_first_load_is_obeyed(tmp_path, monkeypatch):
    """A process that loaded the shipped folk model, then points HARMONIZER_MODELS at another
    folder, gets that folder's model (a broken one here, so the difference shows), and the
    shipped one again once the variable is gone."""
    monkeypatch.delenv("HARMONIZER_MODELS", raising=False)
    monkeypatch.setattr(harmonizer.scorer, "_LOADED", {})
    shipped = load_model("folk")
    assert shipped.path.parent.resolve() == MODELS_DIR.resolve()
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "folk.onnx").write_bytes(b"not an onnx graph")
    (folder / "folk.json").write_text((MODELS_DIR / "folk.json").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    monkeypatch.setenv("HARMONIZER_MODELS", str(folder))
    with pytest.raises(ModelError, match=str(folder)):
        load_model("folk")
    monkeypatch.delenv("HARMONIZER_MODELS")
    assert load_model("folk") is shipped


# ---------------------------------------------------------------------------
# Found by an audit with files of its own (stop 20)


def test_every_output_is_checked_before_the_first_is_written(song, tmp_path, capsys):
    # --audio into a missing folder used to fail only after out.mid was written.
    for extra in (["--audio", str(tmp_path / "nowhere" / "a.wav")],
                  ["--preview", str(tmp_path / "nowhere" / "p.png")]):
        assert main([str(song), "-o", str(tmp_path / "out.mid"), *extra]) == 5
        _one_error_line(capsys, "cannot write in", "no such folder")
        assert os.listdir(tmp_path) == ["song.mid"]


def test_a_file_name_too_long_is_an_output_problem_not_an_internal_error(song, tmp_path, capsys):
    for length in (300, 250):  # too long for the file system; too long with the temporary suffix
        assert main([str(song), "-o", str(tmp_path / ("a" * length + ".mid"))]) == 5
        _one_error_line(capsys, "too long")
    assert os.listdir(tmp_path) == ["song.mid"]
    # the longest name whose temporary file still fits is written
    longest = os.pathconf(tmp_path, "PC_NAME_MAX") - 14
    fits = tmp_path / ("a" * (longest - 4) + ".mid")
    assert main([str(song), "-o", str(fits)]) == 0 and fits.exists()


def _midi_with_name(path, name, tracks=1, file_type=1):
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
    for pitch in [64, 65, 67, 60] * 4:
        track += [mido.Message("note_on", note=pitch, velocity=80),
                  mido.Message("note_off", note=pitch, time=480)]
    midi = mido.MidiFile(type=1)
    midi.tracks = [track] + [mido.MidiTrack() for _ in range(tracks - 1)]
    midi.save(path)
    if file_type == 0:  # mido refuses to write it: set the header's format field by hand
        data = bytearray(path.read_bytes())
        data[8:10] = (0).to_bytes(2, "big")
        path.write_bytes(bytes(data))


def test_control_characters_in_a_track_name_reach_neither_the_terminal_nor_the_xml(tmp_path, capsys):
    import xml.etree.ElementTree as ET

    source = tmp_path / "ctl.mid"
    _midi_with_name(source, "Lead\x1b]0;PWNED\x07\x1b[2J\nx")
    target = tmp_path / "ctl.musicxml"
    assert main([str(source), "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "Lead\\x1b]0;PWNED\\x07" in out
    names = [e.text for e in ET.parse(target).getroot().iter("part-name")]  # parses: no illegal character
    assert any(n and n.startswith("Lead") for n in names)
    # and UTF-8 names, which mido reads as latin-1, are shown as written
    utf8 = tmp_path / "utf8.mid"
    _midi_with_name(utf8, "Mélodie".encode().decode("latin-1"))
    assert main([str(utf8), "--no-write"]) == 0
    assert "'Mélodie'" in capsys.readouterr().out


def test_a_format_0_file_with_several_track_chunks_becomes_musicxml_too(tmp_path, capsys):
    source = tmp_path / "f0.mid"
    _midi_with_name(source, "Lead", tracks=3, file_type=0)
    assert main([str(source), "-o", str(tmp_path / "f0.musicxml")]) == 0
    assert (tmp_path / "f0.musicxml").exists()


def test_a_piece_too_long_to_notate_is_refused_before_music21_runs(tmp_path, capsys):
    # One note at beat 0 and one 20,000 beats later: 5,001 bars music21 would take minutes over.
    source = tmp_path / "sparse.mid"
    track = mido.MidiTrack([mido.Message("note_on", note=60, velocity=80),
                            mido.Message("note_off", note=60, time=480),
                            mido.Message("note_on", note=62, velocity=80, time=480 * 20_000),
                            mido.Message("note_off", note=62, time=480)])
    midi = mido.MidiFile()
    midi.tracks = [track]
    midi.save(source)
    assert main([str(source), "-o", str(tmp_path / "sparse.musicxml")]) == 5
    _one_error_line(capsys, "5001 bars", "write a .mid file instead")
    assert sorted(os.listdir(tmp_path)) == ["sparse.mid"]
    assert main([str(source), "-o", str(tmp_path / "sparse.out.mid")]) == 0
