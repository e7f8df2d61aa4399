"""The command line, end to end on the shipped examples and on files built in the test."""

import json
import os
import subprocess
import sys

import mido
import pytest

from harmonizer.cli import main

from .conftest import EXAMPLES, build_midi, melody_events

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.mid"))


def _copy(path, folder):
    target = folder / path.name
    target.write_bytes(path.read_bytes())
    return target


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_every_original_message_survives_and_a_chord_track_is_added(example, tmp_path, capsys):
    source = _copy(example, tmp_path)
    before = source.read_bytes()
    assert main([str(source)]) == 0
    out = capsys.readouterr().out
    assert "Key:" in out and "|" in out
    assert source.read_bytes() == before  # the input is untouched
    original = mido.MidiFile(source)
    written = mido.MidiFile(tmp_path / f"{example.stem}.harmonized.mid")
    assert len(written.tracks) == len(original.tracks) + 1
    for old, new in zip(original.tracks, written.tracks):
        assert list(old) == list(new)  # every message, time, tempo and signature
    harmony = written.tracks[-1]
    names = [m.name for m in harmony if m.type == "track_name"]
    assert names == ["Harmony"]
    markers = [m.text for m in harmony if m.type == "marker"]
    assert markers, "chord symbols are written as markers"
    channels = {m.channel for m in harmony if not m.is_meta}
    used = {m.channel for t in original.tracks for m in t if not m.is_meta and hasattr(m, "channel")}
    assert len(channels) == 1 and not channels & used and 9 not in channels
    notes_on = [m for m in harmony if m.type == "note_on" and m.velocity > 0]
    assert len(notes_on) >= 3 * len(markers)
    melody_velocity = max(m.velocity for t in original.tracks for m in t if m.type == "note_on")
    assert all(m.velocity < melody_velocity for m in notes_on)
    assert written.length == pytest.approx(original.length, abs=0.05)


def test_json_output_follows_the_documented_schema(tmp_path, capsys):
    source = _copy(EXAMPLES / "greensleeves.mid", tmp_path)
    assert main([str(source), "--json", "--no-write", "--alternatives", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["key"]["name"] == "A minor" and 0 <= data["key"]["confidence"] <= 1
    assert data["output"] is None and len(data["alternatives"]) == 2
    first = data["chords"][0]
    for field in ("onset", "duration", "bar", "numeral", "symbol", "root", "quality", "bass",
                  "factors", "confidence", "alternatives"):
        assert field in first
    assert set(first["factors"]) == {"harmonic_strength", "voice_leading", "contextual"}
    assert first["bar"] == 0 and first["onset"] == 0.0  # the pickup bar
    onsets = [c["onset"] for c in data["chords"]]
    assert onsets == sorted(onsets)
    for a, b in zip(data["chords"], data["chords"][1:]):
        assert a["onset"] + a["duration"] == pytest.approx(b["onset"])
    assert not (tmp_path / "greensleeves.harmonized.mid").exists()


def test_existing_output_is_never_replaced_without_force(tmp_path, capsys):
    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    target = tmp_path / "out.mid"
    target.write_bytes(b"keep me")
    assert main([str(source), "-o", str(target)]) == 5
    assert target.read_bytes() == b"keep me"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--force" in err and "Traceback" not in err
    assert main([str(source), "-o", str(source)]) == 5  # the input itself
    assert main([str(source), "-o", str(target), "--force"]) == 0
    assert mido.MidiFile(target).tracks[-1].name == "Harmony"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ode_to_joy.mid", "out.mid"]


def test_an_output_folder_gets_the_default_name_in_it(tmp_path, capsys):
    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    assert main([str(source), "-o", str(folder)]) == 0
    written = folder / "ode_to_joy.harmonized.mid"
    assert mido.MidiFile(written).tracks[-1].name == "Harmony"
    assert main([str(source), "-o", str(folder)]) == 5  # and, as any output, is not replaced
    assert "output exists" in capsys.readouterr().err


@pytest.mark.parametrize(("output", "code", "words"), [
    ("", 2, "the output path is empty"),
    ("missing/", 5, "missing/: cannot write in missing/ (no such folder)"),
    ("song.mid/", 5, "(no such folder)"),  # not a file named song.mid
])
def test_an_output_that_is_empty_or_a_missing_folder_is_refused(output, code, words, tmp_path, capsys,
                                                                  monkeypatch):
    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main([str(source), "-o", output]) == code
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and words in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ode_to_joy.mid"]


def test_style_names_are_read_without_case(tmp_path, capsys):
    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    assert main([str(source), "--style", "Jazz", "--no-write"]) == 0
    assert "Style:   jazz" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        pytest.param(b"", 3, "MThd", id="empty"),
        pytest.param(b"<?xml version='1.0'?><score-partwise/>", 3, "no part holds pitched notes", id="xml"),
        pytest.param(b"\x89PNG\r\n not music", 3, "not", id="png"),
        pytest.param(build_midi([melody_events([(36, 1)] * 8, channel=9)]), 3, "drums only", id="drums"),
        pytest.param(build_midi([[(0, mido.MetaMessage("set_tempo", tempo=500000))]]), 3, "no track",
                     id="no-notes"),
    ],
)
def test_bad_input_gets_one_line_and_a_non_zero_exit(content, code, words, tmp_path, capsys):
    source = tmp_path / "bad.mid"
    source.write_bytes(content)
    assert main([str(source)]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and str(source) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mid"]


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--key", "H major"], "key"),
        (["--target-degrees", "1,9"], "degree"),
        (["--weights", "1,2"], "weights"),
        (["--variety", "2"], "0..1"),
        (["--variety", "nan"], "0..1"),
        (["--variety", "automatic"], "or auto"),
        (["--style", "rokc"], "style"),
        (["--alternatives", "0"], "alternatives"),
        (["--melody-track", "7"], "--melody-track 7"),
    ],
)
def test_impossible_options_are_refused_with_exit_2(options, words, tmp_path, capsys):
    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    assert main([str(source), *options]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_key_and_rhythm_overrides(tmp_path, capsys):
    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    assert main([str(source), "--json", "--no-write", "--key", "B minor", "--harmonic-rhythm", "beat"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["key"]["name"] == "B minor" and data["key"]["from_user"]
    assert data["key"]["key_signature"] is None  # a key the user gives weighs no signature
    assert data["harmonic_rhythm"] == "beat" and len(data["chords"]) == 64


# A plain tune in G major (F# on the way up and down, ending on G), two bars of 4/4 per line.
G_MAJOR_TUNE = [(67, 1), (69, 1), (71, 1), (72, 1), (74, 2), (72, 1), (71, 1), (69, 1), (71, 1), (78, 1),
                (79, 1), (74, 2), (71, 2), (72, 1), (69, 1), (78, 1), (74, 1), (67, 4)]


@pytest.mark.parametrize("signature, says", [("C", True), ("Em", False), ("G", False), (None, False)])
def test_the_key_line_says_when_the_melody_outweighs_the_file_s_key_signature(signature, says, tmp_path,
                                                                             capsys):
    # Programs write C major's signature into files whatever their music: the melody wins, and
    # the chart says the file said otherwise.  A signature of the key or its relative is no news.
    meta = [] if signature is None else [(0, mido.MetaMessage("key_signature", key=signature))]
    source = tmp_path / "tune.mid"
    source.write_bytes(build_midi([meta + melody_events(G_MAJOR_TUNE)]))
    assert main([str(source), "--no-write", "--style", "folk"]) == 0
    out = capsys.readouterr().out
    assert "Key:     G major" in out
    assert ("the file's key signature says C major; the melody outweighed it" in out) == says
    assert main([str(source), "--no-write", "--style", "folk", "--json"]) == 0
    key = json.loads(capsys.readouterr().out)["key"]
    assert key["name"] == "G major"
    assert key["key_signature"] == {"C": "C major", "Em": "E minor", "G": "G major", None: None}[signature]


def test_weights_default_to_the_styles_own_and_can_be_given(tmp_path, capsys):
    from harmonizer.scorer import load_model

    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    for style in ("classical", "jazz"):
        assert main([str(source), "--json", "--no-write", "--style", style]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["weights"] == load_model(style).card["decoding"]["weights"]
    assert main([str(source), "--json", "--no-write", "--weights", "0.5,0.3,0.2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["weights"] == {"harmonic": 0.5, "voice_leading": 0.3, "contextual": 0.2}


def test_variety_defaults_to_the_styles_own_and_can_be_given(tmp_path, capsys):
    from harmonizer.scorer import load_model

    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    symbols = {}
    own = load_model("classical").card["decoding"].get("variety", 0.0)
    sequences = {}
    for options in ([], ["--variety", "0"], ["--variety", "0.3"], ["--variety", "1"], ["--variety", "AUTO"],
                    ["--variety", "color"]):
        assert main([str(source), "--json", "--no-write", "--style", "classical", *options]) == 0
        data = json.loads(capsys.readouterr().out)
        asked = {"color": "colour"}.get(options[1].lower(), options[1].lower()) if options else own
        # "auto" and "colour" report the bonus they chose for this piece
        assert data["variety_mode"] == (asked if asked in ("auto", "colour") else "fixed")
        if asked in ("auto", "colour"):
            assert 0 <= data["variety"] <= 1
        else:
            assert data["variety"] == float(asked)
        symbols[tuple(options)] = {c["symbol"] for c in data["chords"]}
        sequences[tuple(options)] = [c["symbol"] for c in data["chords"]]
    # a bonus changes the progression, and the largest one brings in chords the plain one never uses
    assert sequences[("--variety", "0.3")] != sequences[("--variety", "0")]
    assert len(symbols[("--variety", "1")]) > len(symbols[("--variety", "0")])


def test_target_degrees_report_coverage(tmp_path, capsys):
    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    assert main([str(source), "--json", "--no-write", "--target-degrees", "1,3,5"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["target_mask"] == 0b10101 and 0 < data["mask_coverage"] < 1


def test_module_entry_point_and_help_need_no_model():
    done = subprocess.run([sys.executable, "-m", "harmonizer", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--harmonic-rhythm" in done.stdout


def test_midi_path_does_not_import_music21_sklearn_or_pretty_midi(tmp_path):
    source = _copy(EXAMPLES / "saints_band.mid", tmp_path)
    code = (
        "import sys\nfrom harmonizer.cli import main\n"
        f"assert main([{str(source)!r}, '--no-write']) == 0\n"
        "heavy = [m for m in ('music21', 'sklearn', 'pretty_midi', 'skl2onnx') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, done.stderr


def test_harmonizing_a_harmonized_file_warns_of_its_chord_track_or_replaces_it(tmp_path, capsys):
    source = _copy(EXAMPLES / "ode_to_joy.mid", tmp_path)
    first = tmp_path / "first.mid"
    assert main([str(source), "-o", str(first)]) == 0
    assert "warning" not in capsys.readouterr().err  # the example has no chord track of its own
    before = first.read_bytes()
    assert main([str(first), "-o", str(tmp_path / "twice.mid")]) == 0
    err = capsys.readouterr().err
    assert f"harmonize-midi: warning: {first}: the file already has a chord track named 'Harmony' " \
           "(track 2, an earlier run's?); it is kept and sounds beside the new one" in err
    twice = mido.MidiFile(tmp_path / "twice.mid")
    assert [t.name for t in twice.tracks].count("Harmony") == 2
    assert main([str(first), "-o", str(tmp_path / "once.mid"), "--replace-chords"]) == 0
    assert "warning" not in capsys.readouterr().err
    once, original = mido.MidiFile(tmp_path / "once.mid"), mido.MidiFile(first)
    assert [t.name for t in once.tracks] == [t.name for t in original.tracks]
    # every other track is the input's own, message for message
    assert [list(t) for t in once.tracks[:-1]] == [list(t) for t in original.tracks[:-1]]
    assert first.read_bytes() == before  # the input is never touched
