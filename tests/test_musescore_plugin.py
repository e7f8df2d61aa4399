"""The MuseScore plugin, run headless by MuseScore 3 on scores built with music21.

Skipped where ``mscore3`` is not on PATH (CI: ``apt-get install -y musescore3``).
The plugin saves its result when HARMONIZER_PLUGIN_OUT is set and leaves the
exchange files beside it, so each step is checked: the melody it read, the
chords harmonizer chose, and the chord symbols in the saved MusicXML.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harmonizer.json_contract import harmonize_json

from .conftest import ROOT

MSCORE = shutil.which("mscore3")
PLUGIN = ROOT / "plugins" / "musescore" / "harmonize.qml"
TICKS = 480

pytestmark = pytest.mark.skipif(MSCORE is None,
                                reason="mscore3 is not installed (apt-get install musescore3)")

music21 = pytest.importorskip("music21")

STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# C major, 4/4, an arpeggio a bar and a whole note (no onset for a chord on beat 3).
ARPEGGIOS = dict(signature=(4, 4), fifths=0, pickup=[], bars=[
    [("C5", 1), ("E5", 1), ("G5", 1), ("E5", 1)],
    [("F5", 1), ("A5", 1), ("C6", 1), ("A5", 1)],
    [("G5", 1), ("B5", 1), ("D6", 1), ("B5", 1)],
    [("C6", 4)],
])
# G major, 3/4 with a one-beat pickup, a rest and a dotted rhythm.
WALTZ = dict(signature=(3, 4), fifths=1, pickup=[("D5", 1)], bars=[
    [("G5", 2), ("B5", 1)],
    [("A5", 1), ("F#5", 1), ("D5", 1)],
    [("G5", 1), (None, 1), ("B5", 1)],
    [("D6", 1.5), ("C6", 0.5), ("A5", 1)],
    [("G5", 3)],
])


def write_score(path: Path, signature, fifths, pickup, bars, rest_parts_before: int = 0) -> None:
    """The melody as a flute part (an instrument, so MuseScore reads it cleanly), after
    ``rest_parts_before`` oboe parts of rests of the same lengths, written as MusicXML."""
    from music21 import instrument, stream

    def rests(content):
        return [(None, sum(beats for _, beats in content))] if content else []

    score = stream.Score()
    for _ in range(rest_parts_before):
        score.append(_part(instrument.Oboe(), signature, fifths, rests(pickup), [rests(b) for b in bars]))
    score.append(_part(instrument.Flute(), signature, fifths, pickup, bars))
    score.write("musicxml", fp=str(path))


def _part(player, signature, fifths, pickup, bars):
    from music21 import key, meter, note, stream

    text = f"{signature[0]}/{signature[1]}"
    part = stream.Part()
    part.insert(0, player)
    measures = [(0, pickup)] if pickup else []
    measures += [(number, bar) for number, bar in enumerate(bars, start=1)]
    for index, (number, content) in enumerate(measures):
        measure = stream.Measure(number=number)
        if index == 0:
            measure.append(meter.TimeSignature(text))
            measure.append(key.KeySignature(fifths))
        for pitch, beats in content:
            measure.append(note.Rest(quarterLength=beats) if pitch is None
                           else note.Note(pitch, quarterLength=beats))
        if number == 0:
            measure.paddingLeft = meter.TimeSignature(text).barDuration.quarterLength - sum(
                beats for _, beats in content)
        part.append(measure)
    return part


def expected_melody(signature, fifths, pickup, bars) -> tuple[dict, list[int], list[int]]:
    """The input JSON the plugin should send, every onset (rests too) and the bar starts."""
    notes, onsets, bar_starts = [], [], []
    tick = 0
    for bar in [pickup] + bars if pickup else bars:
        bar_starts.append(tick)
        for pitch, beats in bar:
            length = round(beats * TICKS)
            onsets.append(tick)
            if pitch is not None:
                midi = music21.pitch.Pitch(pitch).midi
                notes.append({"tick": tick, "duration": length, "pitch": midi})
            tick += length
    melody = {
        "ticks_per_quarter": TICKS,
        "time_signatures": [{"tick": 0, "numerator": signature[0], "denominator": signature[1]}],
        "key_signature": {"fifths": fifths},
        "notes": notes,
        "pickup_ticks": round(sum(beats for _, beats in pickup) * TICKS),
    }
    return melody, onsets, bar_starts


def expected_symbols(chords, onsets, bar_starts) -> list[tuple[int, int, str]]:
    """(bar index, tick in bar, symbol) where the chord changes and a note or rest starts."""
    placed, previous = [], None
    for chord in chords:
        if chord["symbol"] == previous:
            continue
        inside = [t for t in onsets if chord["tick"] <= t < chord["tick"] + chord["duration"]]
        if not inside:
            continue
        bar = max(i for i, start in enumerate(bar_starts) if start <= inside[0])
        placed.append((bar, inside[0] - bar_starts[bar], chord["symbol"]))
        previous = chord["symbol"]
    return placed


def harmonies_in(path: Path, part_index: int = 0) -> list[tuple[int, int, str]]:
    """(bar index, tick in bar, symbol) of every <harmony> of a part of a MusicXML file."""
    part = ET.parse(path).getroot().findall("part")[part_index]
    found, divisions = [], 1
    for bar, measure in enumerate(part.findall("measure")):
        position = 0
        for child in measure:
            if child.tag == "attributes" and child.find("divisions") is not None:
                divisions = int(child.findtext("divisions"))
            elif child.tag == "harmony":
                alter = {"1": "#", "-1": "b"}.get(child.findtext("root/root-alter", ""), "")
                kind = child.find("kind")
                suffix = kind.get("text", "") if kind is not None else ""
                symbol = child.findtext("root/root-step", "") + alter + suffix
                offset = int(child.findtext("offset", "0"))
                found.append((bar, (position + offset) * TICKS // divisions, symbol))
            elif child.tag == "note" and child.find("chord") is None and child.find("grace") is None:
                position += int(child.findtext("duration"))
            elif child.tag == "backup":
                position -= int(child.findtext("duration"))
            elif child.tag == "forward":
                position += int(child.findtext("duration"))
    return found


def run_plugin(tmp_path: Path, score: Path, output: Path,
               plugin: Path = PLUGIN) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "mscore-home"
    for name in ("config", "data", "cache", "runtime"):
        (home / name).mkdir(parents=True, exist_ok=True)
    (home / "runtime").chmod(0o700)
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HARMONIZER_PLUGIN_OUT=str(output),
        XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"), XDG_RUNTIME_DIR=str(home / "runtime"),
        # The plugin runs harmonize-midi or python3 from PATH: find this interpreter's first.
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
    )
    return subprocess.run([MSCORE, "-p", str(plugin), str(score)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)


def harmonize_score(tmp_path: Path, tune: dict, **write_options) -> tuple[Path, str]:
    """Write ``tune`` as a score, run the plugin on it headless and check it saved its result;
    returns the saved score's path and what MuseScore printed."""
    score = tmp_path / "melody.musicxml"
    write_score(score, **tune, **write_options)
    output = tmp_path / "harmonized.musicxml"
    done = run_plugin(tmp_path, score, output)
    assert output.exists(), f"no output; mscore3 said:\n{done.stdout}\n{done.stderr}"
    return output, done.stdout + done.stderr


@pytest.mark.parametrize("tune", [ARPEGGIOS, WALTZ], ids=["arpeggios-4-4", "waltz-pickup-3-4"])
def test_plugin_adds_the_chosen_chord_symbols_where_the_chords_change(tmp_path, tune):
    output, _ = harmonize_score(tmp_path, tune)
    melody, onsets, bar_starts = expected_melody(**tune)
    sent = json.loads(Path(f"{output}.melody.json").read_text(encoding="utf-8"))
    assert sent == melody
    chords = json.loads(Path(f"{output}.chords.json").read_text(encoding="utf-8"))
    assert chords == harmonize_json(melody, style="classical", harmonic_rhythm="auto")

    placed = harmonies_in(output)
    assert placed == expected_symbols(chords["chords"], onsets, bar_starts)
    assert placed[0][:2] == (0, 0) and len({bar for bar, _, _ in placed}) >= 3


def test_plugin_says_when_the_melody_outweighed_the_score_s_key_signature(tmp_path):
    # The waltz in G under C major's signature, as a new score says until someone sets a key.
    tune = {**WALTZ, "fifths": 0}
    (tmp_path / "blank").mkdir()
    _, said = harmonize_score(tmp_path / "blank", tune)
    melody, _, _ = expected_melody(**tune)
    chords = harmonize_json(melody, style="classical", harmonic_rhythm="auto")
    assert chords["overruled_key_signature"] == "C major"  # or the test proves nothing
    assert (f"Key {chords['key']} (the melody outweighed the score's key signature, C major): added "
            in said), said
    # Under its own signature there is nothing to say.
    (tmp_path / "own").mkdir()
    _, said = harmonize_score(tmp_path / "own", WALTZ)
    assert "Key G major: added " in said, said


def test_plugin_takes_the_first_staff_with_notes(tmp_path):
    output, _ = harmonize_score(tmp_path, ARPEGGIOS, rest_parts_before=1)
    melody, onsets, bar_starts = expected_melody(**ARPEGGIOS)
    chords = harmonize_json(melody, style="classical", harmonic_rhythm="auto")
    assert harmonies_in(output, 0) == []
    assert harmonies_in(output, 1) == expected_symbols(chords["chords"], onsets, bar_starts)


def test_plugin_saves_nothing_when_the_score_has_no_notes(tmp_path):
    score = tmp_path / "rests.musicxml"
    write_score(score, signature=(4, 4), fifths=0, pickup=[], bars=[[(None, 4)], [(None, 4)]])
    output = tmp_path / "harmonized.musicxml"
    done = run_plugin(tmp_path, score, output)
    assert not output.exists()
    assert "no notes to harmonize" in done.stdout + done.stderr


def test_plugin_reports_harmonizers_own_error_not_a_missing_install(tmp_path):
    # A key harmonizer refuses: the plugin must say why (MuseScore's process object reads no
    # stderr, so the error comes back through --error-file), not "harmonizer did not run".
    source = PLUGIN.read_text(encoding="utf-8")
    assert 'property string forcedKey: ""' in source
    plugin = tmp_path / "harmonize_bad_key.qml"
    plugin.write_text(source.replace('property string forcedKey: ""', 'property string forcedKey: "H"'),
                      encoding="utf-8")
    score = tmp_path / "melody.musicxml"
    write_score(score, **ARPEGGIOS)
    output = tmp_path / "harmonized.musicxml"
    done = run_plugin(tmp_path, score, output, plugin)
    said = done.stdout + done.stderr
    assert not output.exists()
    assert "did not run" not in said
    assert "harmonizer: " in said and "key" in said.lower() and "'H'" in said, said
    assert not Path(f"{output}.error.txt").exists()  # read and removed


def test_mscore3_exports_pdf_headless(tmp_path):
    score = tmp_path / "melody.musicxml"
    write_score(score, **ARPEGGIOS)
    pdf = tmp_path / "melody.pdf"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    (tmp_path).chmod(0o700)
    done = subprocess.run([MSCORE, "-o", str(pdf), str(score)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_our_musicxml_survives_musescore(tmp_path):
    """harmonize-midi's MusicXML output: MuseScore engraves it, and MuseScore's own MusicXML
    export of it still holds our chord symbols."""
    from harmonizer.cli import main

    melody = tmp_path / "melody.musicxml"
    write_score(melody, **WALTZ)
    result = tmp_path / "result.musicxml"
    assert main([str(melody), "-o", str(result), "--accompaniment"]) == 0
    ours = [h for h in ET.parse(result).getroot().iter("harmony")]
    assert ours
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    tmp_path.chmod(0o700)
    for target in ("out.pdf", "exported.musicxml"):
        done = subprocess.run([MSCORE, "-o", str(tmp_path / target), str(result)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.pdf").read_bytes()[:5] == b"%PDF-"
    exported = ET.parse(tmp_path / "exported.musicxml").getroot()
    roots = [h.findtext("root/root-step") for h in exported.iter("harmony")]
    assert roots == [h.findtext("root/root-step") for h in ours]
