"""The blues model: the 12-bar forms as chord statistics, their blend into a base model's
tables, the command that builds it, and the shipped card (built from the shipped jazz model)."""

import hashlib
import json
from types import SimpleNamespace

import numpy as np
import pytest

from harmonizer.engine import Weights, harmonize_melody
from harmonizer.errors import OptionError
from harmonizer.melody import Melody, Note
from harmonizer.scorer import MODELS_DIR, STYLES, available_styles, load_model
from harmonizer.training import blues as blues_module
from harmonizer.training.blues import GUARD_TOLERANCE, build_blues, choose_blend
from harmonizer.training.blues import main as blues_main
from harmonizer.training.blues_prior import (
    BLUES_CHORDS,
    CHORUSES,
    FORMS,
    BluesForm,
    blend_tables,
    form_labels,
    form_tables,
    tables_from_card,
)
from harmonizer.training.card_evaluation import summarize
from harmonizer.training.dataset import count_sequences
from harmonizer.vocabulary import chord_index

# vocabulary indices, named by their numeral in the blues
I7, IV7, V7 = chord_index(0, "dom7"), chord_index(5, "dom7"), chord_index(7, "dom7")
I_TRIAD, i7, iv7 = chord_index(0, "maj"), chord_index(0, "min7"), chord_index(5, "min7")
TONIC7 = {"major": I7, "minor": i7}
JAZZ = MODELS_DIR / "jazz.json"
quiet = {"log": lambda _message: None}


def _blues_in_c() -> Melody:
    """Twelve bars of 4/4 spelling each bar's chord of the basic blues, sevenths included."""
    arpeggios = {"I7": (60, 64, 67, 70), "IV7": (65, 69, 72, 75), "V7": (67, 71, 74, 77)}
    form = "I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7".split() + ["I7"]
    notes = [Note(pitch, 4.0 * bar + beat, 1.0)
             for bar, name in enumerate(form) for beat, pitch in enumerate(arpeggios[name])]
    return Melody(tuple(notes))


def test_every_form_is_twelve_bars_of_vocabulary_chords_ending_on_the_tonic():
    for mode, forms in FORMS.items():
        for form in forms:
            by_bar, by_half = form_labels(form, "bar"), form_labels(form, "half")
            assert len(by_bar) == 12 * CHORUSES and len(by_half) == 24 * CHORUSES
            assert by_bar[0] == by_half[0] == by_bar[-1] == by_half[-1] == TONIC7[mode]
            turnaround = chord_index(*BLUES_CHORDS[form.bars[11][0]])
            assert by_bar[11] == turnaround and by_bar[12] == TONIC7[mode]  # back to bar 1
    with pytest.raises(ValueError, match="12 bars"):
        BluesForm("short", "major", (("I7",),) * 11, "I7")
    with pytest.raises(ValueError, match="outside BLUES_CHORDS"):
        BluesForm("odd", "major", (("I7",),) * 11 + (("bII7",),), "I7")
    with pytest.raises(ValueError, match="harmonic_rhythm"):
        form_labels(FORMS["major"][0], "beat")


def test_the_forms_make_the_dominant_sevenths_on_i_iv_v_the_commonest_chords():
    tables = form_tables()
    for mode, expected in (("major", {I7, IV7, V7}), ("minor", {i7, iv7, V7})):
        assert set(np.argsort(-tables.unigram[mode])[:3]) == expected
        assert int(np.argmax(tables.start[mode])) == TONIC7[mode]
        assert np.allclose(np.exp(tables.transition[mode]).sum(axis=1), 1.0)
        end = tables.end[mode]
        assert np.isnan(end[I_TRIAD]) if mode == "major" else np.isnan(end[chord_index(3, "maj")])
        assert end[TONIC7[mode]] > end[V7]  # pieces end on the tonic, not the turnaround


def test_count_sequences_counts_like_training():
    tables = count_sequences([("major", [I_TRIAD, I_TRIAD, V7, I_TRIAD]), ("minor", [i7, None, iv7])])
    assert int(np.argmax(tables.unigram["major"])) == I_TRIAD and tables.counts["major"] == 4
    assert int(np.argmax(tables.transition["major"][V7])) == I_TRIAD
    assert int(np.argmax(tables.end["minor"][[i7, iv7]])) == 1  # the minor song ends on iv7
    # P(end | chord) of a chord never seen is the mode's rate of ends per chord (1 in 4 here),
    # not 1: smoothed alike above and below, it was the likeliest last chord of all
    assert np.exp(tables.end["major"][IV7]) == pytest.approx(0.25)
    assert np.exp(tables.end["major"][I_TRIAD]) == pytest.approx((1 + 0.1 * 0.25) / 3.1)
    assert int(np.argmax(tables.end["major"])) == I_TRIAD


def test_the_blend_is_a_mixture_that_keeps_every_distribution():
    base, prior = tables_from_card(load_model("jazz").card["context"]), form_tables()
    assert np.allclose(blend_tables(base, prior, 0.0).transition["major"], base.transition["major"])
    full = blend_tables(base, prior, 1.0)
    assert np.allclose(full.unigram["minor"], prior.unigram["minor"])
    known = ~np.isnan(prior.end["major"])
    assert np.allclose(full.end["major"][~known], base.end["major"][~known])  # the form says nothing there
    per_mode = blend_tables(base, prior, {"major": 0.3, "minor": 0.0})
    assert np.allclose(per_mode.start["minor"], base.start["minor"])
    for mode in ("major", "minor"):
        assert np.allclose(np.exp(per_mode.transition[mode]).sum(axis=1), 1.0, atol=1e-3)
        assert abs(np.exp(per_mode.unigram[mode]).sum() - 1.0) < 1e-3
    mixed = np.exp(per_mode.unigram["major"][I7])
    expected = 0.7 * np.exp(base.unigram["major"][I7]) + 0.3 * np.exp(prior.unigram["major"][I7])
    assert mixed == pytest.approx(expected, rel=1e-6)
    for bad in (1.5, -0.1, {"major": 0.5}):
        with pytest.raises(ValueError, match="blend weight"):
            blend_tables(base, prior, bad)


def test_a_built_blues_model_loads_and_prefers_dominant_sevenths_on_i_iv_v(tmp_path):
    card = build_blues(JAZZ, tmp_path, blend=0.3, command="test", **quiet)
    jazz, blues = load_model("jazz"), load_model("blues", tmp_path)
    on_disk = json.loads((tmp_path / "blues.json").read_text())
    assert on_disk == card and blues.card == card
    digest = hashlib.sha256((tmp_path / "blues.onnx").read_bytes()).hexdigest()
    assert card["sha256"] == card["base"]["sha256"] == jazz.card["sha256"] == digest
    assert card["blend"]["weight"] == {"major": 0.3, "minor": 0.3}
    # no tuning songs: the base's weights and prior correction, no variety bonus, as built
    assert (blues.weights, blues.prior_correction) == (jazz.weights, jazz.prior_correction)
    assert blues.variety == 0.0
    assert card["style"] == "blues" and card["prior"]["forms"] and "IV7" in card["prior"]["vocabulary"]
    for mode, chords in (("major", [I7, IV7, V7]), ("minor", [i7, iv7, V7])):
        # the form's chords gain as a whole and on I and IV; V7 is as common in jazz already
        assert np.exp(blues.log_prior[mode][chords]).sum() > np.exp(jazz.log_prior[mode][chords]).sum()
        assert (blues.log_prior[mode][chords[:2]] > jazz.log_prior[mode][chords[:2]]).all()
        tonic7 = TONIC7[mode]  # in the blues I7 is home, not a V7/IV that must move on
        assert blues.transition[mode][tonic7, tonic7] > jazz.transition[mode][tonic7, tonic7]
        assert blues.start[mode][tonic7] > jazz.start[mode][tonic7]
    melody = _blues_in_c()
    ours = harmonize_melody(melody, key="C", harmonic_rhythm="bar", model=blues, alternatives=1)
    theirs = harmonize_melody(melody, key="C", harmonic_rhythm="bar", model=jazz, alternatives=1)
    symbols = ours.symbols
    # I7, IV (as F or the blues' F7) and V7 all sound
    assert "C7" in symbols and "G7" in symbols and ({"F", "F7"} & set(symbols))
    assert symbols.count("C7") > theirs.symbols.count("C7")
    # ... and the chart reads them as a blues player does: C7 is I7, home, not V7/IV
    assert {(sym, num) for sym, num in zip(symbols, ours.numerals) if sym in ("C7", "G7")} == {
        ("C7", "I7"), ("G7", "V7")}


def test_the_command_is_reproducible(tmp_path):
    for folder in ("a", "b"):
        assert blues_main(["--base", str(JAZZ), "--out", str(tmp_path / folder), "--blend", "0.3"]) == 0
    assert (tmp_path / "a" / "blues.onnx").read_bytes() == (tmp_path / "b" / "blues.onnx").read_bytes()
    first, second = (json.loads((tmp_path / f / "blues.json").read_text()) for f in ("a", "b"))
    assert first.pop("command").endswith("--out " + str(tmp_path / "a") + " --blend 0.3")
    second.pop("command")
    assert first == second


def test_bad_options_are_refused(tmp_path):
    with pytest.raises(OptionError, match="corpora"):
        build_blues(JAZZ, tmp_path, **quiet)
    with pytest.raises(OptionError, match="0..1"):
        build_blues(JAZZ, tmp_path, blend=1.5, **quiet)
    with pytest.raises(SystemExit):
        blues_main(["--base", str(JAZZ), "--out", str(tmp_path), "--corpus", "wjd-blues"])
    assert not (tmp_path / "blues.json").exists()


def test_a_corpus_or_base_that_is_not_there_fails_in_one_line(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    for argv in (["--base", str(JAZZ), "--corpus", f"wjd-blues={missing}"],
                 ["--base", str(missing / "jazz.json"), "--blend", "0.5"]):
        assert blues_main([*argv, "--out", str(tmp_path / "out")]) != 0
        error = capsys.readouterr().err.strip()
        assert error.startswith("harmonizer blues: ") and "\n" not in error and str(missing) in error
    assert not (tmp_path / "out").exists()


def test_the_blend_rule_takes_the_best_weight_that_passes_the_guard(monkeypatch):
    # tuning exact and guard root per weight, major; minor has no tuning songs
    tuning_exact = {0.0: 0.10, 0.1: 0.15, 0.2: 0.20, 0.3: 0.30, 0.4: 0.36, 0.5: 0.40}
    guard_root = {"major": {0.0: 0.60, 0.1: 0.60, 0.2: 0.598, 0.3: 0.595, 0.4: 0.55, 0.5: 0.50},
                  "minor": {0.0: 0.60, 0.1: 0.50, 0.2: 0.595, 0.3: 0.50, 0.4: 0.50, 0.5: 0.50}}
    tuning = [SimpleNamespace(mode="major")]
    guard = [SimpleNamespace(mode="major"), SimpleNamespace(mode="minor")]

    def fake_evaluate(songs, weight, _weights):
        value = tuning_exact[weight] if songs[0] is tuning[0] else guard_root[songs[0].mode][weight]
        return {"slots": 1, "exact": value, "root": value, "root_and_triad": value}

    monkeypatch.setattr(blues_module, "blend_tables", lambda _base, _prior, weight: weight)
    monkeypatch.setattr(blues_module, "blues_bundle", lambda _base, tables: tables)
    monkeypatch.setattr(blues_module, "evaluate", fake_evaluate)
    candidates = (0.1, 0.2, 0.3, 0.4, 0.5)
    chosen, trials = choose_blend(tuning, guard, None, None, None, Weights(), candidates=candidates)
    # 0.4 and 0.5 tune better but lose more than GUARD_TOLERANCE of the guard's roots
    assert GUARD_TOLERANCE == 0.01 and chosen["major"] == 0.3
    assert [trials["major"][str(w)]["passes_guard"] for w in candidates] == [True] * 3 + [False] * 2
    # no tuning songs in minor: the smallest weight that passes its guard
    assert chosen["minor"] == 0.2 and "tuning" not in trials["minor"]["0.2"]


def test_every_style_ships_a_model_that_harmonizes():
    assert available_styles() == sorted(STYLES)
    from harmonizer import harmonize_degrees

    for style in ("jazz", "blues"):
        result = harmonize_degrees([1, 3, 5, 4, 2, 7, 1], key="F", style=style)
        assert len(result.harmonization) == 7 and result.chords[-1].root == 5  # ends on F


def test_the_shipped_blues_model_is_the_documented_blend_of_the_shipped_jazz_model():
    card = json.loads((MODELS_DIR / "blues.json").read_text())
    jazz, blues = load_model("jazz"), load_model("blues")
    assert card["sha256"] == card["base"]["sha256"] == jazz.card["sha256"]
    assert card["command"].startswith("python -m harmonizer.training.blues --base models/jazz.json")
    # the same scorer scores the same rows, with the same features held at 0 if any
    assert blues.ignored_features == jazz.ignored_features
    expected = blend_tables(tables_from_card(jazz.card["context"]), form_tables(), card["blend"]["weight"])
    for mode in ("major", "minor"):
        for name, table in (("log_prior", expected.unigram), ("log_transition", expected.transition),
                            ("log_start", expected.start), ("log_end", expected.end)):
            assert np.allclose(card["context"][mode][name], table[mode], atol=2e-4), (mode, name)
    assert np.array_equal(blues.transition["major"], np.asarray(card["context"]["major"]["log_transition"]))
    held_out = card["metrics"]["held_out"]["wjd-blues"]
    assert held_out["blues"]["chords"]["ours_dom7"] > held_out["base"]["chords"]["ours_dom7"]
    # the blues' own decoding, chosen on its tuning songs by the decoding rule from every trial
    from harmonizer.training.decoding import (
        COVERAGE_SHARES,
        DECODING_WEIGHTS,
        PRIOR_CORRECTIONS,
        VARIETIES,
        choose_decoding,
    )

    trials = card["decoding"]["validation"]
    varieties = len(VARIETIES) + 2 * len(COVERAGE_SHARES)  # the fixed ones, "auto" and "colour"
    assert len(trials) == len(PRIOR_CORRECTIONS) * len(DECODING_WEIGHTS) * varieties
    # of the trials that pass the guard on ordinary melodies
    eligible = [t for t in trials if t["passes_guard"]]
    assert 0 < len(eligible) < len(trials)
    chosen = choose_decoding(eligible)
    assert blues.variety == card["decoding"]["variety"] == chosen["variety"]
    # "auto" aims at the tuning songs' own chord coverage, at the chosen trial's share
    coverage = card["decoding"]["coverage"]
    assert coverage["fitted_on"].endswith("tuning songs")
    assert blues.coverage is not None and blues.coverage.to_dict() == {
        key: coverage[key] for key in ("scale", "exponent", "share", "min_slots")}
    assert coverage["share"] == chosen.get("coverage_share", 1.0)
    assert list(blues.weights) == list(card["decoding"]["weights"].values()) == chosen["weights"]
    assert blues.prior_correction == card["decoding"]["prior_correction"] == chosen["prior_correction"]
    # the chord changes by place in the bar are jazz's, as every trial decoded with them
    assert jazz.bar_change is not None and blues.bar_change == jazz.bar_change
    rates = card["decoding"]["bar_change"]
    assert rates == card["decoding"]["base"]["bar_change"] == jazz.bar_change.to_dict()
    for key in ("evaluation", "evaluation_base"):
        systems = card["metrics"][key]["corpora"]["wjd-blues"]["systems"]
        assert {"ours", "hmm", "notebook", "human"} <= set(systems)


def test_the_shipped_jazz_card_carries_its_evaluation():
    evaluation = json.loads(JAZZ.read_text())["metrics"]["evaluation"]
    assert evaluation["command"].startswith("python -m harmonizer.training.card_evaluation --style jazz")
    ours = evaluation["corpora"]["openewld"]["systems"]["ours"]
    assert 0 < ours["agreement"]["exact"] <= ours["agreement"]["root"] <= 1


def test_summarize_keeps_the_tables_and_drops_the_histograms():
    results = {"seed": 1, "baseline_key": "given", "model": {"sha256": "abc"}, "targets": [],
               "corpora": {"x": {"data": {"songs_loaded": 3, "failed": ["a: broken"]},
                                 "systems": {"ours": {"label": "ours", "agreement": {"exact": 0.5},
                                                      "metrics": {}, "cadence": {}, "numerals": {"I": 3}}}}}}
    summary = summarize(results)
    assert summary["corpora"]["x"]["failed"] == 1 and "failed" not in summary["corpora"]["x"]["data"]
    assert "numerals" not in summary["corpora"]["x"]["systems"]["ours"]
    assert summary["model_sha256"] == "abc"
