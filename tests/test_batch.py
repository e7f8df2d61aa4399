"""Batch folders: processes, resumability, logs, failures that never stop the batch, Dask."""

import csv
import json

import mido
import pytest

from harmonizer.batch import BatchOptions, run_batch
from harmonizer.cli import main

from .conftest import EXAMPLES


@pytest.fixture
def folder(tmp_path):
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    for index, example in enumerate(sorted(EXAMPLES.glob("*.mid"))):
        target = source / ("sub" if index == 0 else "") / example.name
        target.write_bytes(example.read_bytes())
    (source / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    (source / "notes.txt").write_text("not music")
    return source


def test_batch_harmonizes_every_file_and_a_bad_one_does_not_stop_it(folder, tmp_path):
    out = tmp_path / "out"
    summary = run_batch(folder, out, progress=False)
    assert summary.counts == {"done": 3, "failed": 1}
    (failure,) = summary.failed
    assert "broken.mid" in failure.reason and "corrupt" in failure.reason
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.mid"))
    assert written == ["ode_to_joy.harmonized.mid", "saints_band.harmonized.mid",
                       "sub/greensleeves.harmonized.mid"]
    for path in out.rglob("*.mid"):
        assert mido.MidiFile(path).tracks[-1].name == "Harmony"
    lines = [json.loads(line) for line in (out / "harmonize-log.jsonl").read_text().splitlines()]
    assert sorted(line["status"] for line in lines) == ["done", "done", "done", "failed"]
    done = [line for line in lines if line["status"] == "done"]
    assert all(line["key"] and line["chords"] and line["seconds"] > 0 for line in done)
    # Resumable: the second run skips what is up to date and retries only the failure.
    again = run_batch(folder, out, progress=False)
    assert again.counts == {"skipped": 3, "failed": 1}


def test_parallel_jobs_give_the_same_chords(folder, tmp_path):
    one = run_batch(folder, tmp_path / "one", progress=False)
    two = run_batch(folder, tmp_path / "two", jobs=2, progress=False)
    chords = lambda s: {o.input: o.chords for o in s.outcomes}  # noqa: E731
    assert chords(one) == chords(two)


def test_csv_log_and_cli_exit_code(folder, tmp_path, capsys):
    log = tmp_path / "log.csv"
    code = main(["batch", str(folder), "-o", str(tmp_path / "out"), "--log", str(log), "--no-progress",
                 "--style", "folk"])
    assert code == 8  # some files failed
    captured = capsys.readouterr()
    assert "3 done, 0 skipped (up to date), 1 failed" in captured.out
    # each failure on stderr, one line naming the file and why
    failures = captured.err.strip().splitlines()
    assert len(failures) == 1 and failures[0].startswith("harmonize-midi: failed: ")
    assert "broken.mid" in failures[0]
    with log.open() as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 4 and {r["status"] for r in rows} == {"done", "failed"}


def test_a_folder_as_input_is_a_batch(folder, tmp_path, capsys):
    (folder / "broken.mid").unlink()
    assert main([str(folder), "--no-progress"]) == 0
    assert (folder / "sub" / "greensleeves.harmonized.mid").exists()
    assert main([str(folder), "--no-progress"]) == 0
    assert "0 done, 3 skipped" in capsys.readouterr().out


def test_batch_refuses_a_bad_style_before_any_file(folder, tmp_path, capsys):
    assert main(["batch", str(folder), "-o", str(tmp_path / "out"), "--style", "rokc"]) == 2
    assert not (tmp_path / "out").exists()


def test_dask_local_cluster_with_two_workers(folder, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        summary = run_batch(folder, tmp_path / "out", options=BatchOptions(style="folk"),
                            dask_client=client, progress=False)
    assert summary.counts == {"done": 3, "failed": 1}
    assert len(list((tmp_path / "out").rglob("*.harmonized.mid"))) == 3


def test_musicxml_files_in_the_folder_are_harmonized_as_musicxml(tmp_path):
    music21 = pytest.importorskip("music21")
    source = tmp_path / "in"
    source.mkdir()
    chorale = music21.corpus.getWork("bach/bwv66.6")  # a compressed .mxl score
    (source / "bwv66.mxl").write_bytes(chorale.read_bytes())
    (source / "ode.mid").write_bytes((EXAMPLES / "ode_to_joy.mid").read_bytes())
    summary = run_batch(source, tmp_path / "out", progress=False)
    assert summary.counts == {"done": 2}
    written = tmp_path / "out" / "bwv66.harmonized.musicxml"
    assert written.read_text(encoding="utf-8").count("<harmony") >= 4
    assert (tmp_path / "out" / "ode.harmonized.mid").exists()


def test_inputs_that_would_share_an_output_keep_their_suffix(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    for name in ("tune.mid", "tune.midi", "other.mid"):
        (source / name).write_bytes((EXAMPLES / "ode_to_joy.mid").read_bytes())
    summary = run_batch(source, tmp_path / "out", progress=False)
    assert summary.counts == {"done": 3}
    written = sorted(p.name for p in (tmp_path / "out").glob("*.mid"))
    assert written == ["other.harmonized.mid", "tune-mid.harmonized.mid", "tune-midi.harmonized.mid"]


def test_no_two_outputs_collide_even_when_renamed(tmp_path):
    from harmonizer.batch import _targets

    names = ["a.mid", "a.MID", "b.xml", "b.mxl", "b-xml.musicxml", "c.mid", "c.midi", "c-mid.kar"]
    inputs = [tmp_path / name for name in names]
    targets = _targets(inputs, tmp_path, tmp_path / "out")
    assert len({str(t).casefold() for t in targets}) == len(names)
    assert targets[names.index("b-xml.musicxml")].name == "b-xml.harmonized.musicxml"
    assert targets[names.index("c-mid.kar")].name == "c-mid.harmonized.mid"


def test_a_folder_with_nothing_to_harmonize_is_an_error_and_creates_nothing(tmp_path, capsys):
    empty = tmp_path / "notes"
    empty.mkdir()
    (empty / "readme.txt").write_text("no music here")
    (empty / "old.harmonized.mid").write_bytes(b"")  # our own outputs are not inputs
    assert main(["batch", str(empty), "-o", str(tmp_path / "out"), "--no-progress"]) == 3  # input error
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and str(empty) in error[0] and "no MIDI or MusicXML file" in error[0]
    assert not (tmp_path / "out").exists()
    # named as typed, once (a shell's completion adds the slash)
    assert main([f"{empty}/", "--no-progress"]) == 3
    assert capsys.readouterr().err.startswith(f"harmonize-midi: error: {empty}/: no MIDI")


def test_replace_chords_reaches_every_file_of_a_batch(tmp_path, capsys):
    once = tmp_path / "in"
    once.mkdir()
    assert main([str(EXAMPLES / "ode_to_joy.mid"), "-o", str(once / "ode.mid")]) == 0
    for replace, expected in ((["--replace-chords"], 1), ([], 2)):
        out = tmp_path / f"out{len(replace)}"
        assert main(["batch", str(once), "-o", str(out), "--no-progress", *replace]) == 0
        tracks = mido.MidiFile(out / "ode.harmonized.mid").tracks
        assert [t.name for t in tracks].count("Harmony") == expected
