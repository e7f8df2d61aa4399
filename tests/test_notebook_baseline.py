"""The notebook baseline reproduces the original notebook's documented numbers and flaws."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from harmonizer.baselines.notebook import (  # noqa: E402 - after the skip
    FEATURE_NAMES,
    NotebookHarmonizer,
    context,
    feature_matrix,
    harmonization_strength,
    training_context,
    training_examples,
    training_voice_leading,
    voice_leading,
)


@pytest.fixture(scope="module")
def baseline() -> NotebookHarmonizer:
    return NotebookHarmonizer().fit()


def test_synthetic_data_matches_the_notebook_printout():
    examples = training_examples()
    first = examples[0]
    assert len(examples) == 2000
    assert (first["pattern"], first["key"], first["is_minor"], first["style"]) == ([6, 6, 7, 6], "Ab", False,
                                                                                   "blues")
    assert first["chord_progression"] == ["IV", "IV", "V", "vi"]
    assert len(first["alternatives"]) == 12
    features, targets = feature_matrix(examples)
    assert features.shape == (13687 + 3422, len(FEATURE_NAMES))
    assert targets.shape == (features.shape[0],)


def test_model_fits_its_own_rules_perfectly_and_ignores_harmonic_strength(baseline):
    report = baseline.fit_report_
    assert (report["training_samples"], report["test_samples"]) == (13687, 3422)
    assert report["r2_score"] > 0.9999
    importance = report["feature_importance"]
    assert importance["voice_leading_efficiency"] == pytest.approx(0.783, abs=0.005)
    assert importance["contextual_appropriateness"] == pytest.approx(0.217, abs=0.005)
    # every training candidate has strength 1.0, so the model never learned to use it
    assert importance["harmonic_strength"] < 1e-3


@pytest.mark.parametrize(
    ("pattern", "style", "chords", "overall", "confidence"),
    [
        ([1, 3, 5, 1], "classical", ["I", "I", "I", "I"], 1.0, 1.0),
        ([1, 3, 5, 1], "pop", ["I", "I", "I", "I"], 1.0, 1.0),
        ([5, 4, 3, 2, 1], "classical", ["I", "V", "I", "IV", "I"], 0.906, 0.836),
        ([5, 4, 3, 2, 1], "pop", ["I", "IV", "I", "IV", "I"], 0.880, 0.827),
        ([1, 6, 4, 5], "classical", ["I", "vi", "IV", "V"], 0.990, 0.980),
        ([1, 6, 4, 5], "pop", ["I", "vi", "IV", "V"], 1.0, 1.0),
    ],
)
def test_documented_harmonizations(baseline, pattern, style, chords, overall, confidence):
    result = baseline.harmonize_pattern(pattern, style=style)
    assert result["harmonization"] == chords
    assert result["overall_score"] == pytest.approx(overall, abs=0.0015)
    assert result["confidence"] == pytest.approx(confidence, abs=0.0015)
    assert result["input_pattern"] == pattern and result["key"] == "C" and result["mask_coverage"] == 1.0


def test_the_target_mask_never_changes_the_chords(baseline):
    pattern = [1, 2, 3, 4, 5, 6, 7, 1]
    plain = baseline.harmonize_pattern(pattern)
    for mask in (0b0011001, 0b0010101, 0b1010000, 0b0101010, 0):
        masked = baseline.harmonize_pattern(pattern, target_mask=mask)
        assert masked["harmonization"] == plain["harmonization"]
        # the priority only scales each position's score
        assert masked["position_scores"] == pytest.approx(
            [s * p for s, p in zip(plain["position_scores"], masked["harmonization_priorities"])])
    primary = baseline.harmonize_pattern(pattern, target_mask=0b0011001)
    assert primary["mask_coverage"] == 0.5
    assert primary["harmonization_priorities"] == [1.0, 0.5, 0.5, 1.0, 1.0, 0.5, 0.5, 1.0]


def test_unknown_degree_becomes_tonic_with_a_perfect_score(baseline):
    result = baseline.harmonize_pattern([9, 1], target_mask=0b1111111)
    assert result["harmonization"] == ["I", "I"]
    first = result["alternatives"][0]
    assert [c["chord"] for c in first] == ["I"] and first[0]["harmonic_strength"] == 0.3
    assert first[0]["ml_score"] == pytest.approx(1.0)  # strength 0.3 is ignored by the model
    assert result["harmonization_priorities"] == [0.5, 1.0]  # 9 matches no bit, without an error


def test_one_model_call_per_candidate(baseline, monkeypatch):
    calls = []
    predict = baseline.model_.predict
    monkeypatch.setattr(baseline.model_, "predict", lambda rows: calls.append(rows) or predict(rows))
    baseline.harmonize_pattern([1, 6, 4, 5])
    baseline.harmonize_pattern([9])
    assert len(calls) == 4 * 3 + 1
    assert all(len(rows) == 1 for rows in calls)


def test_minor_mode_and_key_is_only_echoed(baseline):
    result = baseline.harmonize_pattern([7, 1], key="A", is_minor=True)
    assert result["harmonization"] == ["V", "i"]
    assert result["key"] == "A" and result["is_minor"] is True


def test_factor_rules():
    assert harmonization_strength(1, "I") == 1.0
    assert harmonization_strength(1, "V") == 0.6
    assert harmonization_strength(9, "I") == 0.3
    assert harmonization_strength(2, "ii°", is_minor=True) == 1.0
    # the two voice-leading rules of the notebook disagree
    assert training_voice_leading("I", "iii") == 0.8 and voice_leading("I", "iii") == 0.6
    assert training_voice_leading("I", "V") == 1.0 and voice_leading("I", "V") == 0.6
    assert training_voice_leading("I", "ii") == 0.5 and voice_leading(None, "ii") == 1.0
    # and so do the two style tables: the harmonizer's has no iii or vii°
    assert training_context("iii", "classical") == 0.7 and context("iii", "classical") == 0.5
    assert context("ii", "jazz") == 1.0 and context("I", "rock") == 0.5


def test_lazy_fit_and_empty_pattern():
    lazy = NotebookHarmonizer(examples=50, n_estimators=5)
    result = lazy.harmonize_pattern([])
    assert hasattr(lazy, "model_")
    assert result["harmonization"] == [] and result["confidence"] == 0.0
