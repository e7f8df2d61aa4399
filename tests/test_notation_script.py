"""The drop-in script plugins/notation/harmonize_score.py, run as notation programs run it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import mido
import pytest

import harmonizer

from .conftest import ROOT, build_midi, melody_events

SCRIPT = ROOT / "plugins" / "notation" / "harmonize_score.py"
# Ode to Joy's first phrase, one quarter note each.
ODE = [(66, 1), (66, 1), (67, 1), (69, 1), (69, 1), (67, 1), (66, 1), (64, 1),
       (62, 1), (62, 1), (64, 1), (66, 1), (66, 1.5), (64, 0.5), (64, 2)]


def run(*arguments, cwd=None, timeout=300):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, arguments)], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def write_midi(path: Path, pitches=ODE) -> Path:
    path.write_bytes(build_midi([melody_events(pitches)]))
    return path


def write_musicxml(path: Path) -> Path:
    music21 = pytest.importorskip("music21")
    part = music21.stream.Part()
    part.append(music21.meter.TimeSignature("4/4"))
    part.append(music21.key.KeySignature(2))
    for pitch, beats in ODE:
        part.append(music21.note.Note(pitch, quarterLength=beats))
    score = music21.stream.Score()
    score.append(part.makeMeasures())
    score.write("musicxml", fp=str(path))
    return path


@pytest.fixture
def musicxml_supported(tmp_path_factory):
    """harmonize_file reads and writes MusicXML once the MusicXML modules are wired into it."""
    folder = tmp_path_factory.mktemp("probe")
    source = write_musicxml(folder / "probe.musicxml")
    try:
        harmonizer.harmonize_file(source, write=False)
    except harmonizer.InputError as error:
        pytest.skip(f"harmonizer.harmonize_file does not read MusicXML yet: {error}")


def test_output_name_rules():
    spec = importlib.util.spec_from_file_location("harmonize_score", SCRIPT)
    assert spec is not None and spec.loader is not None
    harmonize_score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harmonize_score)
    assert harmonize_score.output_for(Path("a/song.musicxml")) == Path("a/song.harmonized.musicxml")
    assert harmonize_score.output_for(Path("song.xml")) == Path("song.harmonized.musicxml")
    assert harmonize_score.output_for(Path("song.MXL")) == Path("song.harmonized.musicxml")
    assert harmonize_score.output_for(Path("song.mid")) == Path("song.harmonized.mid")
    assert harmonize_score.is_output(Path("song.harmonized.musicxml"))
    assert not harmonize_score.is_output(Path("harmonized.musicxml"))


def test_single_file_writes_the_default_output_and_replaces_it_on_the_next_run(tmp_path):
    source = write_midi(tmp_path / "ode.mid")
    done = run(source)
    assert done.returncode == 0, done.stderr
    output = tmp_path / "ode.harmonized.mid"
    assert f"-> {output}" in done.stdout and "D major" in done.stdout
    assert [t.name for t in mido.MidiFile(output).tracks][-1] == "Harmony"
    done = run(source, "--style", "Folk", "--key", "B minor")  # a re-export is redone; any case
    assert done.returncode == 0, done.stderr
    assert "B minor" in done.stdout


def test_explicit_output_needs_force_to_be_replaced_and_never_replaces_the_input(tmp_path):
    source = write_midi(tmp_path / "ode.mid")
    target = tmp_path / "chords.mid"
    target.write_bytes(b"keep me")
    done = run(source, target)
    assert done.returncode == 5 and "--force" in done.stderr
    assert target.read_bytes() == b"keep me"
    assert run(source, target, "--force").returncode == 0
    before = source.read_bytes()
    done = run(source, source, "--force")
    assert done.returncode == 5 and "replace the input" in done.stderr
    assert source.read_bytes() == before


@pytest.mark.parametrize(("arguments", "code", "message"), [
    pytest.param(["--key", "H minor"], 2, "The key must look like", id="bad-key"),
    pytest.param(["--style", "rokc"], 2, "rokc", id="bad-style"),
])
def test_bad_options_exit_with_harmonizers_codes_and_one_line(tmp_path, arguments, code, message):
    source = write_midi(tmp_path / "ode.mid")
    done = run(source, *arguments)
    assert done.returncode == code
    assert message in done.stderr and done.stderr.count("\n") == 1


def test_bad_input_is_one_line_on_stderr(tmp_path):
    source = tmp_path / "broken.mid"
    source.write_bytes(b"not midi at all")
    done = run(source)
    assert done.returncode == 3
    assert str(source) in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "broken.harmonized.mid").exists()


def test_usage_errors():
    assert run().returncode == 2
    assert run("--once").returncode == 2


def test_watch_once_harmonizes_new_and_changed_files_but_never_its_outputs(tmp_path):
    first = write_midi(tmp_path / "first.mid")
    second = write_midi(tmp_path / "second.mid", ODE[:8])
    old_output = write_midi(tmp_path / "old.harmonized.mid")  # an output: never an input
    (tmp_path / ".hidden.mid").write_bytes(b"junk")            # hidden: ignored
    (tmp_path / "notes.txt").write_text("not a score")        # other types: ignored
    watch = ("--watch", tmp_path, "--once", "--suffixes", ".mid")

    done = run(*watch)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.glob("*.harmonized.*")) == [
        "first.harmonized.mid", "old.harmonized.mid", "second.harmonized.mid"]
    assert old_output.read_bytes() == build_midi([melody_events(ODE)])

    done = run(*watch)  # nothing new: nothing done
    assert done.returncode == 0 and done.stdout == ""

    later = (tmp_path / "first.harmonized.mid").stat().st_mtime + 10
    os.utime(first, (later, later))  # the notation program exported it again
    done = run(*watch)
    assert done.returncode == 0, done.stderr
    assert "first.mid" in done.stdout and "second.mid" not in done.stdout
    assert second.exists()


def test_watch_once_reports_a_bad_file_and_carries_on(tmp_path):
    write_midi(tmp_path / "good.mid")
    (tmp_path / "bad.mid").write_bytes(b"MThd broken")
    done = run("--watch", tmp_path, "--once", "--suffixes", ".mid")
    assert done.returncode == 8
    assert "bad.mid" in done.stderr
    assert (tmp_path / "good.harmonized.mid").exists()
    assert not (tmp_path / "bad.harmonized.mid").exists()


def test_watch_needs_a_folder(tmp_path):
    done = run("--watch", tmp_path / "absent", "--once")
    assert done.returncode == 2 and "not a folder" in done.stderr


def _harmonies(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [h.findtext("root/root-step", "") for h in root.iter("harmony")]


def test_musicxml_score_gets_chord_symbols(tmp_path, musicxml_supported):
    source = write_musicxml(tmp_path / "ode.musicxml")
    done = run(source)
    assert done.returncode == 0, done.stderr
    output = tmp_path / "ode.harmonized.musicxml"
    assert _harmonies(output)
    assert _harmonies(output)[0] == "D"


def test_watch_once_harmonizes_musicxml_exports(tmp_path, musicxml_supported):
    write_musicxml(tmp_path / "ode.musicxml")
    done = run("--watch", tmp_path, "--once")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ode.harmonized.musicxml", "ode.musicxml"]
    assert _harmonies(tmp_path / "ode.harmonized.musicxml")


def test_a_score_harmonized_before_is_warned_of_or_its_chords_replaced(tmp_path, musicxml_supported):
    # The output of one run, exported again from the notation program, already has chord symbols.
    first = run(write_musicxml(tmp_path / "ode.musicxml"))
    assert first.returncode == 0, first.stderr
    ours = _harmonies(tmp_path / "ode.harmonized.musicxml")
    again = tmp_path / "again.musicxml"
    again.write_bytes((tmp_path / "ode.harmonized.musicxml").read_bytes())
    kept = run(again)
    assert kept.returncode == 0, kept.stderr
    assert kept.stderr.startswith(f"harmonize_score: warning: {again}: the melody part already has "
                                  f"{len(ours)} chord symbol")
    assert len(kept.stderr.strip().splitlines()) == 1  # one line, no Python warning dump
    assert len(_harmonies(tmp_path / "again.harmonized.musicxml")) == 2 * len(ours)
    replaced = run(again, "--replace-chords")
    assert replaced.returncode == 0 and replaced.stderr == ""
    assert _harmonies(tmp_path / "again.harmonized.musicxml") == ours
