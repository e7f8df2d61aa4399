"""The JSON contract of notation plugins: validation, conversion both ways, the file round trip."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harmonizer import limits
from harmonizer.engine import harmonize_melody
from harmonizer.errors import InputError, NoMelodyError, OptionError, OutputError
from harmonizer.json_contract import chords_to_json, harmonize_json, harmonize_json_file, melody_from_json

# Ode to Joy's first phrase in D major, one quarter note each, 4/4.
ODE = [66, 66, 67, 69, 69, 67, 66, 64, 62, 62, 64, 66, 66, 64, 64]


def contract(pitches=ODE, ticks=480, beats=1.0, **extra):
    """An input object: ``pitches`` in sequence, each ``beats`` long; ``None`` is a rest."""
    notes = []
    for index, pitch in enumerate(pitches):
        if pitch is not None:
            notes.append({"tick": round(index * beats * ticks), "duration": round(beats * ticks),
                          "pitch": pitch})
    data = {"ticks_per_quarter": ticks,
            "time_signatures": [{"tick": 0, "numerator": 4, "denominator": 4}],
            "key_signature": {"fifths": 2, "mode": "major"},
            "notes": notes, "pickup_ticks": 0}
    data.update(extra)
    return data


def test_melody_from_json_converts_ticks_to_beats_and_reads_the_key_signature():
    melody, key_signature = melody_from_json(contract())
    assert [n.pitch for n in melody.notes] == ODE
    assert melody.notes[1].onset == 1.0 and melody.notes[1].duration == 1.0
    assert melody.meter.time_signatures[0].numerator == 4
    assert key_signature is not None and key_signature.name == "D major"


@pytest.mark.parametrize(("fifths", "mode", "name"), [
    (0, "major", "C major"), (-3, "minor", "C minor"), (7, "major", "C# major"),
    (-7, "major", "Cb major"), (3, None, "A major"), (1, "minor", "E minor"),
])
def test_key_signature_names_the_key_of_its_fifths(fifths, mode, name):
    signature = {"fifths": fifths} if mode is None else {"fifths": fifths, "mode": mode}
    _, key = melody_from_json(contract(key_signature=signature))
    assert key is not None and key.name == name


def test_optional_fields_default_to_four_four_no_key_and_no_pickup():
    data = {"ticks_per_quarter": 480, "notes": [{"tick": 0, "duration": 480, "pitch": 60}]}
    melody, key = melody_from_json(data)
    assert key is None
    assert melody.meter.pickup == 0.0
    signature = melody.meter.time_signatures[0]
    assert (signature.numerator, signature.denominator) == (4, 4)


def test_notes_in_any_order_become_the_top_line():
    data = contract(notes=[
        {"tick": 480, "duration": 480, "pitch": 64},
        {"tick": 0, "duration": 960, "pitch": 60},   # cut where the next note starts
        {"tick": 0, "duration": 480, "pitch": 67},   # same onset, higher: kept
        {"tick": 480, "duration": 480, "pitch": 55},
    ])
    melody, _ = melody_from_json(data)
    assert [(n.pitch, n.onset, n.duration) for n in melody.notes] == [(67, 0.0, 1.0), (64, 1.0, 1.0)]


def test_pickup_and_time_signature_changes_reach_the_meter():
    data = contract(pickup_ticks=480, time_signatures=[
        {"tick": 0, "numerator": 3, "denominator": 4},
        {"tick": 480 + 2 * 1440, "numerator": 6, "denominator": 8},
    ])
    melody, _ = melody_from_json(data)
    assert melody.meter.pickup == 1.0
    bars = melody.meter.bars(melody.end)
    assert bars[0].is_pickup and bars[0].length == 1.0
    assert [b.length for b in bars[1:3]] == [3.0, 3.0]
    assert bars[3].time_signature.numerator == 6


def test_harmonize_json_matches_the_engine_on_the_same_melody():
    data = contract()
    result = harmonize_json(data)
    melody, key_signature = melody_from_json(data)
    direct = harmonize_melody(melody, key_signature=key_signature)
    assert result["key"] == direct.key.key.name == "D major"
    assert [c["symbol"] for c in result["chords"]] == direct.symbols
    assert [c["numeral"] for c in result["chords"]] == direct.numerals
    # the options reach the engine: variety too
    varied = harmonize_json(data, style="classical", harmonic_rhythm="beat", variety=0.3)
    direct = harmonize_melody(melody, key_signature=key_signature, style="classical", harmonic_rhythm="beat",
                              variety=0.3)
    assert [c["symbol"] for c in varied["chords"]] == direct.symbols


def test_output_chords_have_the_contract_fields_and_tile_the_piece():
    result = harmonize_json(contract())
    assert set(result) == {"key", "overruled_key_signature", "chords"}
    assert result["overruled_key_signature"] is None  # Ode to Joy in D, under D major's signature
    chords = result["chords"]
    assert chords[0]["tick"] == 0
    for chord, following in zip(chords, chords[1:]):
        assert chord["tick"] + chord["duration"] == following["tick"]
    for chord in chords:
        assert set(chord) == {"tick", "duration", "symbol", "root", "quality", "bass", "numeral",
                              "confidence"}
        assert isinstance(chord["tick"], int) and isinstance(chord["duration"], int)
        assert 0 <= chord["root"] < 12 and 0 <= chord["bass"] < 12
        assert 0.0 <= chord["confidence"] <= 1.0
    assert chords[-1]["tick"] + chords[-1]["duration"] >= 15 * 480


def test_ticks_per_quarter_scales_ticks_but_not_chords():
    fine = harmonize_json(contract(ticks=480))
    coarse = harmonize_json(contract(ticks=96))
    assert [c["symbol"] for c in fine["chords"]] == [c["symbol"] for c in coarse["chords"]]
    assert [c["tick"] for c in fine["chords"]] == [c["tick"] * 5 for c in coarse["chords"]]


def test_key_option_overrides_the_key_signature():
    result = harmonize_json(contract(), key="B minor", style="folk", harmonic_rhythm="bar",
                            target_degrees=[1, 4, 5])
    assert result["key"] == "B minor"
    assert len(result["chords"]) == 4  # 15 beats of 4/4, one chord per bar


def test_chords_to_json_refuses_a_bad_division():
    harmonization = harmonize_melody(melody_from_json(contract())[0])
    with pytest.raises(OptionError, match="ticks_per_quarter"):
        chords_to_json(harmonization, 0)


def _note(**fields):
    return {"tick": 0, "duration": 480, "pitch": 60, **fields}


def _signatures(*entries):
    return [{"tick": t, "numerator": n, "denominator": d} for t, n, d in entries]


# (id, input, what the one-line message must say)
BAD_INPUTS = [
    ("not-an-object", [], "The melody JSON must be an object"),
    ("no-division", {"notes": [_note()]}, "required field 'ticks_per_quarter'"),
    ("no-notes-field", {"ticks_per_quarter": 480}, "required field 'notes'"),
    ("unknown-top-field", contract(title="x"), "unknown field 'title'"),
    ("float-division", contract(ticks_per_quarter=480.0), "ticks_per_quarter must be a whole number"),
    ("bool-division", contract(ticks_per_quarter=True), "ticks_per_quarter must be a whole number"),
    ("zero-division", contract(ticks_per_quarter=0), r"ticks_per_quarter .* in 1\.\.32767\. Got 0"),
    ("notes-not-list", contract(notes={"tick": 0}), "notes must be a list. Got an object"),
    ("note-not-object", contract(notes=[_note(), 5]), r"notes\[1\] must be an object"),
    ("pitch-high", contract(notes=[_note(), _note(pitch=128)]), r"notes\[1\]\.pitch .* 0\.\.127\. Got 128"),
    ("pitch-text", contract(notes=[_note(pitch="C4")]), r"notes\[0\]\.pitch must be a whole number"),
    ("tick-negative", contract(notes=[_note(tick=-1)]), r"notes\[0\]\.tick must be a whole number >= 0"),
    ("duration-zero", contract(notes=[_note(duration=0)]), r"notes\[0\]\.duration must be .* >= 1"),
    ("note-no-duration", contract(notes=[{"tick": 0, "pitch": 60}]),
     r"notes\[0\] lacks the required field 'duration'"),
    ("note-unknown-field", contract(notes=[_note(velocity=90)]),
     r"notes\[0\] has an unknown field 'velocity'"),
    ("no-signatures", contract(time_signatures=[]), "time_signatures must hold at least one"),
    ("denominator-not-power-of-two", contract(time_signatures=_signatures((0, 4, 6))),
     r"time_signatures\[0\]\.denominator must be one of"),
    ("numerator-zero", contract(time_signatures=_signatures((0, 0, 4))), r"time_signatures\[0\]\.numerator"),
    ("signatures-not-increasing", contract(time_signatures=_signatures((0, 4, 4), (0, 3, 4))),
     r"time_signatures\[1\]\.tick must come after"),
    ("fifths-out-of-range", contract(key_signature={"fifths": 8}), r"key_signature\.fifths .* -7\.\.7"),
    ("mode-unknown", contract(key_signature={"fifths": 0, "mode": "dorian"}), "key_signature.mode must be"),
    ("key-no-fifths", contract(key_signature={"mode": "major"}),
     "key_signature lacks the required field 'fifths'"),
    ("pickup-whole-bar", contract(pickup_ticks=1920), "pickup_ticks must be shorter than the first bar"),
    ("signature-inside-pickup",
     contract(pickup_ticks=960, time_signatures=_signatures((0, 4, 4), (480, 3, 4))),
     r"time_signatures\[1\]\.tick falls inside the pickup"),
]


@pytest.mark.parametrize(("data", "message"), [pytest.param(d, m, id=i) for i, d, m in BAD_INPUTS])
def test_bad_input_is_refused_with_one_line_naming_the_field(data, message):
    with pytest.raises(InputError, match=message) as caught:
        melody_from_json(data)
    assert "\n" not in str(caught.value)


def test_empty_notes_is_no_melody():
    with pytest.raises(NoMelodyError, match="notes is empty"):
        melody_from_json(contract(notes=[]))


def test_limits_come_from_the_limits_module(monkeypatch):
    monkeypatch.setattr(limits, "MAX_MELODY_NOTES", 3)
    with pytest.raises(InputError, match="notes has 15 entries; the limit is 3"):
        melody_from_json(contract())
    monkeypatch.setattr(limits, "MAX_BEATS", 10.0)
    with pytest.raises(InputError, match=r"notes\[0\] ends at beat 11; the limit is 10"):
        melody_from_json(contract(notes=[_note(tick=480 * 10)]))


def test_file_round_trip_writes_the_returned_object_and_no_temporary_files(tmp_path):
    source = tmp_path / "melody.json"
    source.write_text(json.dumps(contract()), encoding="utf-8")
    target = tmp_path / "chords.json"
    target.write_text("stale", encoding="utf-8")  # an exchange file: replaced on every run
    result = harmonize_json_file(source, target, style="folk")
    assert json.loads(target.read_text(encoding="utf-8")) == result
    assert result["key"] == "D major"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chords.json", "melody.json"]


@pytest.mark.parametrize(("content", "message"), [
    pytest.param(b"{\"ticks_per_quarter\": 480,", r"not valid JSON \(Expecting .* line 1", id="truncated"),
    pytest.param(b"\xff\xfe{}", "not UTF-8 text", id="not-utf8"),
    pytest.param(b'{"ticks_per_quarter": NaN, "notes": []}', "not usable JSON", id="nan"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, "not usable JSON", id="nested-too-deeply"),
    pytest.param(json.dumps(contract(notes=[_note(pitch=-1)])).encode(), r"notes\[0\]\.pitch",
                 id="bad-field"),
])
def test_bad_files_name_the_file(tmp_path, content, message):
    source = tmp_path / "melody.json"
    source.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        harmonize_json_file(source, tmp_path / "chords.json")
    assert str(source) in str(caught.value)
    assert not (tmp_path / "chords.json").exists()


def test_missing_file_and_bad_outputs(tmp_path):
    with pytest.raises(InputError, match="cannot read the file"):
        harmonize_json_file(tmp_path / "absent.json", tmp_path / "chords.json")
    source = tmp_path / "melody.json"
    source.write_text(json.dumps(contract()), encoding="utf-8")
    with pytest.raises(OutputError, match="output is the input file"):
        harmonize_json_file(source, source)
    with pytest.raises(OutputError, match="output is a folder"):
        harmonize_json_file(source, tmp_path)
    assert json.loads(source.read_text(encoding="utf-8")) == contract()


def test_module_command_line_writes_the_output_and_maps_errors_to_exit_codes(tmp_path):
    source = tmp_path / "melody.json"
    source.write_text(json.dumps(contract()), encoding="utf-8")
    target = tmp_path / "chords.json"
    command = [sys.executable, "-m", "harmonizer.json_contract", "--melody-json", str(source),
               "--chords-json", str(target), "--harmonic-rhythm", "bar", "--style", "POP"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(target.read_text(encoding="utf-8"))["chords"]) == 4
    source.write_text(json.dumps(contract(notes=[_note(pitch=200)])), encoding="utf-8")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1 and "notes[0].pitch" in done.stderr


@pytest.mark.parametrize("module", ["harmonizer.json_contract", "harmonizer"])
def test_error_file_holds_the_error_line_for_callers_without_stderr(tmp_path, module):
    # The MuseScore plugin's process object cannot read stderr: it reads this file instead.
    source = tmp_path / "melody.json"
    source.write_text(json.dumps(contract()), encoding="utf-8")
    target, error_file = tmp_path / "chords.json", tmp_path / "error.txt"
    command = [sys.executable, "-m", module, "--melody-json", str(source), "--chords-json", str(target),
               "--error-file", str(error_file)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert target.exists() and not error_file.exists()
    target.unlink()
    done = subprocess.run([*command, "--key", "H"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and not target.exists()
    assert error_file.read_text(encoding="utf-8") == done.stderr.splitlines()[-1] + "\n"
    assert "'H'" in error_file.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["error.txt", "melody.json"]


def test_error_file_never_replaces_an_existing_file(tmp_path):
    # Not the input, not anything: the plugin removes its error file before each run.
    source = tmp_path / "melody.json"
    source.write_text(json.dumps(contract()), encoding="utf-8")
    before = source.read_bytes()
    command = [sys.executable, "-m", "harmonizer", "--melody-json", str(source), "--chords-json",
               str(tmp_path / "chords.json"), "--key", "H", "--error-file", str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "'H'" in done.stderr
    assert source.read_bytes() == before


# A plain tune in G major: F# on the way up and down, ending on G.
G_TUNE = [67, 69, 71, 72, 74, 74, 72, 71, 69, 71, 78, 79, 74, 71, 72, 69, 78, 74, 67, 67]


@pytest.mark.parametrize("fifths, overruled", [(0, "C major"), (1, None), (-1, "F major")])
def test_the_output_names_a_key_signature_the_melody_outweighed(fifths, overruled):
    # A notation program's new score says C major until someone sets a key: the plugin can say so.
    result = harmonize_json(contract(G_TUNE, key_signature={"fifths": fifths}), style="folk")
    assert result["key"] == "G major" and result["overruled_key_signature"] == overruled
    assert harmonize_json(contract(G_TUNE, key_signature={"fifths": 0}), style="folk",
                          key="C major")["overruled_key_signature"] is None  # the user's key
