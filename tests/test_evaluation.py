"""The held-out evaluation end to end on a few Nottingham tunes, and its two baselines."""

import math
from pathlib import Path

import pytest

from harmonizer.evaluation import evaluate_corpus
from harmonizer.evaluation.baselines import BigramHMM, NotebookBaseline, numeral_chord, slot_note_indices
from harmonizer.evaluation.evaluate import main
from harmonizer.melody import Melody, Meter, Note, TimeSignature
from harmonizer.slots import make_slots
from harmonizer.theory import parse_key
from harmonizer.training.corpora import HarmonizedSong
from harmonizer.training.dataset import SongSlots

from .conftest import SHARED_DATA

needs_data = pytest.mark.skipif(not (SHARED_DATA / "nottingham").is_dir(),
                                reason="needs ../shared/data beside the checkout")
NOTTINGHAM = [("nottingham", str(SHARED_DATA / "nottingham"))]


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evaluation")
    results = evaluate_corpus("folk", NOTTINGHAM, limit=60, report=folder / "report.md", log=lambda _: None)
    return results, folder


@needs_data
def test_every_system_is_scored_on_the_same_test_songs(evaluated):
    results, _ = evaluated
    corpus = results["corpora"]["nottingham"]
    data = corpus["data"]
    assert data["train_songs"] > data["test_songs"] >= data["test_songs_evaluated"] > 0
    systems = corpus["systems"]
    assert set(systems) == {"ours", "ours_given_key", "hmm", "notebook", "human", "human_written"}
    slots = {systems[s]["agreement"]["slots"] for s in ("ours", "ours_given_key", "hmm", "notebook")}
    assert slots == {data["test_slots_labelled"]}
    for name, system in systems.items():
        metrics = system["metrics"]
        assert metrics["CHE"] >= 0 and metrics["CC"] >= 1, name
        assert 0 <= metrics["CTnCTR"] <= 1 and -1 <= metrics["PCS"] <= 1, name
        assert 0 <= metrics["CTD"] < 3 and 0 <= metrics["MCTD"] < 3, name
        if "agreement" in system:
            a = system["agreement"]
            assert 0 <= a["exact"] <= a["root_and_triad"] <= a["root"] <= 1, name
        if "cadence" in system:
            c = system["cadence"]
            assert max(c["tonic"], c["half"], c["deceptive"]) <= c["deliberate"] <= 1, name
    # the engine is learned from such tunes; the notebook's rules are not
    assert systems["ours_given_key"]["agreement"]["root"] > systems["notebook"]["agreement"]["root"]


@needs_data
def test_the_report_holds_the_tables_and_the_plot(evaluated):
    results, folder = evaluated
    text = (folder / "report.md").read_text()
    for heading in ("## Agreement with the human chords", "## Objective metrics (Yeh et al. 2021)",
                    "## Cadences at phrase ends", "## Targets", "| nottingham | ours (key found) |",
                    "| nottingham | human (as written) |", "![chord distributions](report-chords.png)"):
        assert heading in text
    assert "nats" in text  # the log base is stated
    # and how the engine decoded: the folk card's weights, prior correction and variety
    from harmonizer.scorer import load_model

    folk = load_model("folk")
    harmonic, voice_leading, contextual = folk.weights
    variety = (f"variety auto (per piece, to {folk.coverage.share:g} x {folk.coverage.scale:g} x slots ^ "
               f"{folk.coverage.exponent:g} different chords)" if folk.variety == "auto"
               else f"variety {folk.variety:g}")
    assert (f"factor weights {harmonic:g} / {voice_leading:g} / {contextual:g} (harmonic, voice leading, "
            f"context), prior correction {folk.prior_correction:g} and {variety}") in text
    # and how it found the keys: the key model's card checksum (as models/key_model.json states
    # it) and folk's own minor bias
    import json

    from harmonizer.scorer import KEY_MODEL_FILE, MODELS_DIR

    key_card = json.loads((MODELS_DIR / KEY_MODEL_FILE).read_text(encoding="utf-8"))
    assert results["model"]["key_model"] == key_card["sha256"][:12]
    assert results["model"]["key_model_minor_bias"] == key_card["model"]["minor_bias"]["folk"]
    assert (f"keys found with the key model (sha256 {key_card['sha256'][:12]}…) with the style's minor "
            f"bias {key_card['model']['minor_bias']['folk']:+g}") in text
    # the model's path is shown relative to the working folder when inside it (no machine's paths)
    shown = Path(results["model"]["path"])
    assert shown.name == "folk.onnx" and not (shown.is_absolute() and shown.is_relative_to(Path.cwd()))
    png = folder / "report-chords.png"
    assert results["plot"] == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert {row["target"].split(" ")[0] for row in results["targets"]} >= {"same-root", "CTnCTR", "PCS",
                                                                          "CHE", "CC", "phrase"}


@needs_data
def test_the_command_prints_the_tables(capsys):
    assert main(["--style", "folk", "--corpus", f"nottingham={SHARED_DATA / 'nottingham'}",
                 "--limit", "25"]) == 0
    assert "| nottingham | notebook algorithm |" in capsys.readouterr().out


def test_a_bad_corpus_name_is_refused_with_the_option_exit_code(capsys):
    assert main(["--style", "folk", "--corpus", "nowhere=/nonexistent"]) == 2
    assert "nowhere" in capsys.readouterr().err


# --- baselines -----------------------------------------------------------------------------

def test_notebook_numerals_become_chords_in_the_key():
    assert numeral_chord("V", parse_key("G")) == (2, "maj")
    assert numeral_chord("vi", parse_key("G")) == (4, "min")
    assert numeral_chord("vii°", parse_key("C")) == (11, "dim")
    assert numeral_chord("V", parse_key("a")) == (4, "maj")  # harmonic minor's dominant
    assert numeral_chord("ii°", parse_key("a")) == (11, "dim")
    assert numeral_chord("VI", parse_key("a")) == (5, "maj")
    with pytest.raises(ValueError, match="numeral"):
        numeral_chord("bVII7", parse_key("C"))


def _tune() -> Melody:
    # 4/4, two bars: C E G E | F D B(half)  -- the second bar's third beat holds a half note
    notes = [Note(60, 0, 1), Note(64, 1, 1), Note(67, 2, 1), Note(64, 3, 1),
             Note(65, 4, 1), Note(62, 5, 1), Note(71, 6, 2)]
    return Melody(tuple(notes), Meter((TimeSignature(0.0, 4, 4),)))


def test_each_slot_reads_the_note_at_its_onset():
    grid = make_slots(_tune(), parse_key("C"), "half")
    assert slot_note_indices(_tune(), grid.slots) == [0, 2, 4, 6]
    late = Melody((Note(60, 1, 1), Note(62, 2.5, 1)))
    grid = make_slots(late, parse_key("C"), "half")
    assert slot_note_indices(late, grid.slots) == [0, 1]  # nothing sounds at beat 0 or 2: first note after


def test_the_notebook_baseline_gives_one_triad_per_slot():
    grid = make_slots(_tune(), parse_key("C"), "half")
    chords = NotebookBaseline("folk").harmonize(_tune(), grid, parse_key("C"))
    assert [c.onset for c in chords] == [0, 2, 4, 6]
    assert all(c.quality in ("maj", "min", "dim") for c in chords)
    assert chords[0].root == 0  # degree 1's first candidate, I


def test_the_hmm_follows_its_transitions_where_the_melody_allows_several_chords():
    key = parse_key("C")
    tune = _tune()
    grid = make_slots(tune, key, "half")
    # training songs that always go I -> V7 -> I -> V7: transitions learned from them
    labels = (0, 18, 0, 18)
    song = HarmonizedSong("test/tune", "test", tune, key, ())
    training = [SongSlots(song, grid, labels, ())] * 5
    hmm = BigramHMM().fit(training)
    chords = hmm.harmonize(grid, key)
    assert len(chords) == len(grid)
    assert chords[0].root == 0 and chords[0].quality in ("maj", "maj7")
    assert all(not math.isnan(c.onset) for c in chords)
    with pytest.raises(ValueError, match="fit"):
        BigramHMM().harmonize(grid, key)


@pytest.mark.skipif(not (SHARED_DATA / "when_in_rome").is_dir(),
                    reason="needs ../shared/data beside the checkout")
def test_a_per_beat_style_is_evaluated_on_the_beats_it_harmonizes():
    from harmonizer.training.corpora import load_corpus
    from harmonizer.training.dataset import prepare_song, split_of
    from harmonizer.training.train import SEED

    bach = ("bach", str(SHARED_DATA / "when_in_rome"))
    results = evaluate_corpus("classical", [bach], limit=40, log=lambda _: None)
    data = results["corpora"]["bach"]["data"]
    test = [s for s in load_corpus(*bach, limit=40) if split_of(s, SEED) == "test"]
    beats = sum(len(prepare_song(s, per_beat=True).grid) for s in test)
    # classical's card says chord_per_beat: its test chorales are cut per beat, as the engine cuts
    # them, not at the half bar every other style uses
    assert test and data["test_slots"] == beats > sum(len(prepare_song(s).grid) for s in test)
