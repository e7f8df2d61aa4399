"""The original design notebook's harmonizer, rebuilt as the baseline we measure against.

``/work/shared/reference/original-notebook.txt`` ("Scale Degree Harmonization
Training") harmonized a list of scale degrees greedily, one chord per degree,
choosing among three fixed candidates per degree with a random forest that had
learned a hand-written score.  This module reproduces that algorithm, its
numbers and its flaws, in our own code, so that benchmarks and tests can
compare the engine with it on equal terms::

    from harmonizer.baselines.notebook import NotebookHarmonizer

    baseline = NotebookHarmonizer().fit()        # ~1 s: 2,000 synthetic examples, 100 trees
    baseline.harmonize_pattern([1, 6, 4, 5])["harmonization"]   # ['I', 'vi', 'IV', 'V']
    baseline.fit_report_["r2_score"]             # ~1.0 on its own synthetic data

What is kept on purpose, because it is what is being compared:

* one ``RandomForestRegressor.predict`` call per candidate chord (the
  notebook's cost, about 30 ms per pattern);
* greedy left-to-right choice, each chord fixed before the next is looked at;
* the harmonization strength of a candidate is always 1.0 (candidates come from
  the same table the strength rule consults), 0.3 for a degree outside 1..7,
  whose only candidate is ``'I'``; the 0.6 branch is unreachable;
* the model is trained on labels computed by one set of voice-leading and
  context rules (:func:`training_voice_leading`, :func:`training_context`) and
  queried with features from another (:func:`voice_leading`, :func:`context`);
* the target mask multiplies every candidate of a position by the same
  priority, so it changes the reported scores but never the chords;
* ``key`` is only echoed back.

scikit-learn is imported only when the model is trained.

References
----------
The design notebook, sections 1-6 (``ScaleDegreeAnalyzer``,
``HarmonizationDataGenerator``, ``HarmonizationScoringModel``,
``BitMaskProcessor``, ``ScaleDegreeHarmonizer``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "MAJOR_CANDIDATES",
    "MINOR_CANDIDATES",
    "STYLES",
    "FEATURE_NAMES",
    "WEIGHTS",
    "harmonization_strength",
    "training_voice_leading",
    "training_context",
    "voice_leading",
    "context",
    "notebook_patterns",
    "training_examples",
    "feature_matrix",
    "NotebookHarmonizer",
]

#: Three candidate chords per scale degree (the first wins ties).
MAJOR_CANDIDATES: dict[int, tuple[str, ...]] = {
    1: ("I", "vi", "iii"), 2: ("ii", "IV", "vii°"), 3: ("I", "iii", "vi"), 4: ("ii", "IV", "V"),
    5: ("I", "V", "iii"), 6: ("ii", "IV", "vi"), 7: ("V", "vii°", "I"),
}
MINOR_CANDIDATES: dict[int, tuple[str, ...]] = {
    1: ("i", "VI", "III"), 2: ("ii°", "iv", "V"), 3: ("i", "III", "VI"), 4: ("ii°", "iv", "V"),
    5: ("i", "V", "III"), 6: ("ii°", "iv", "VI"), 7: ("V", "vii°", "i"),
}
#: Candidates of a degree the tables do not know (0, 8, 9, ...).
UNKNOWN_DEGREE_CANDIDATES = ("I",)
STYLES = ("classical", "jazz", "pop", "blues")
MAJOR_KEYS = ("C", "G", "D", "A", "E", "B", "F#", "C#", "F", "Bb", "Eb", "Ab")
MINOR_KEYS = ("Am", "Em", "Bm", "F#m", "C#m", "G#m", "D#m", "A#m", "Dm", "Gm", "Cm", "Fm")
FEATURE_NAMES = (
    "scale_degree", "harmonic_strength", "voice_leading_efficiency", "contextual_appropriateness",
    "position_in_phrase", "is_minor", "style_classical", "style_jazz", "style_pop", "style_blues",
)
#: Weights of harmonic strength, voice leading and context in the training label.
WEIGHTS = (0.5, 0.3, 0.2)

# The data generator's rules.  ('V', 'vi') was listed twice in the notebook; a set keeps it once.
_TRAINING_SMOOTH = frozenset({
    ("I", "vi"), ("vi", "IV"), ("IV", "V"), ("V", "I"), ("ii", "V"), ("V", "vi"),
    ("iii", "vi"), ("vi", "ii"), ("I", "V"), ("vi", "iii"), ("iii", "IV"),
})
_TRAINING_RELATED = frozenset({
    ("I", "iii"), ("iii", "I"), ("vi", "IV"), ("IV", "ii"), ("ii", "IV"), ("V", "iii"), ("iii", "V"),
})
_TRAINING_STYLE_TABLE = {
    "classical": {"I": 1.0, "V": 1.0, "vi": 0.9, "IV": 0.9, "ii": 0.8, "iii": 0.7, "vii°": 0.6},
    "jazz": {"I": 0.8, "V": 1.0, "vi": 0.9, "IV": 0.7, "ii": 1.0, "iii": 0.8, "vii°": 0.9},
    "pop": {"I": 1.0, "V": 1.0, "vi": 1.0, "IV": 1.0, "ii": 0.6, "iii": 0.5, "vii°": 0.3},
    "blues": {"I": 1.0, "V": 1.0, "vi": 0.7, "IV": 1.0, "ii": 0.5, "iii": 0.4, "vii°": 0.2},
}
# The harmonizer's own (different) rules: fewer smooth pairs, 0.6 otherwise, no iii or vii°.
_SMOOTH = frozenset({
    ("I", "vi"), ("vi", "IV"), ("IV", "V"), ("V", "I"), ("ii", "V"), ("V", "vi"), ("iii", "vi"), ("vi", "ii"),
})
_STYLE_TABLE = {
    style: {chord: table[chord] for chord in ("I", "V", "vi", "IV", "ii")}
    for style, table in _TRAINING_STYLE_TABLE.items()
}
_NEUTRAL = 0.5


def _candidates(is_minor: bool) -> dict[int, tuple[str, ...]]:
    return MINOR_CANDIDATES if is_minor else MAJOR_CANDIDATES


def harmonization_strength(degree: int, chord: str, is_minor: bool = False) -> float:
    """1.0 if ``chord`` is a listed candidate of ``degree``, 0.6 if not, 0.3 for an unknown degree."""
    table = _candidates(is_minor)
    if degree not in table:
        return 0.3
    return 1.0 if chord in table[degree] else 0.6


def training_voice_leading(previous: str | None, chord: str) -> float:
    """The data generator's voice-leading rule: 1.0 smooth or same, 0.8 related, else 0.5."""
    if previous is None or previous == chord or (previous, chord) in _TRAINING_SMOOTH:
        return 1.0
    return 0.8 if (previous, chord) in _TRAINING_RELATED else 0.5


def training_context(chord: str, style: str) -> float:
    """The data generator's style table (0.5 for chords and styles it does not list)."""
    return _TRAINING_STYLE_TABLE.get(style, {}).get(chord, _NEUTRAL)


def voice_leading(previous: str | None, chord: str) -> float:
    """The harmonizer's voice-leading rule: 1.0 smooth or same, else 0.6."""
    if previous is None or previous == chord or (previous, chord) in _SMOOTH:
        return 1.0
    return 0.6


def context(chord: str, style: str) -> float:
    """The harmonizer's style table: I, V, vi, IV, ii only; 0.5 otherwise."""
    return _STYLE_TABLE.get(style, {}).get(chord, _NEUTRAL)


def _label(degree: int, chord: str, previous: str | None, is_minor: bool, style: str) -> tuple[float, ...]:
    strength = harmonization_strength(degree, chord, is_minor)
    movement = training_voice_leading(previous, chord)
    fitness = training_context(chord, style)
    total = WEIGHTS[0] * strength + WEIGHTS[1] * movement + WEIGHTS[2] * fitness
    return strength, movement, fitness, total


def notebook_patterns(rng: np.random.RandomState, max_length: int = 4) -> list[list[int]]:
    """The 67 patterns: each degree alone, ten melodic figures, 50 random ones drawn from ``rng``."""
    patterns = [[degree] for degree in range(1, 8)]
    patterns += [[1, 3, 5], [5, 4, 3, 2, 1], [1, 2, 3, 4, 5], [3, 2, 1], [5, 6, 7, 1],
                 [7, 1], [4, 3], [2, 1], [1, 5, 1], [1, 6, 4, 5]]
    for _ in range(50):
        length = rng.randint(2, max_length + 1)
        patterns.append(rng.choice(range(1, 8), length).tolist())
    return patterns


def _training_example(pattern: list[int], key: str, is_minor: bool, style: str) -> dict[str, Any]:
    table = _candidates(is_minor)
    progression: list[str] = []
    for degree in pattern:
        previous = progression[-1] if progression else None
        scored = [(_label(degree, c, previous, is_minor, style)[3], c)
                  for c in table.get(degree, UNKNOWN_DEGREE_CANDIDATES)]
        # max() keeps the first of equal scores, as the notebook's strict ``>`` did
        progression.append(max(scored, key=lambda item: item[0])[1])
    rows = []
    for position, degree in enumerate(pattern):
        previous = progression[position - 1] if position else None
        for chord in table.get(degree, UNKNOWN_DEGREE_CANDIDATES):
            strength, movement, fitness, total = _label(degree, chord, previous, is_minor, style)
            rows.append({"position": position, "scale_degree": degree, "chord": chord,
                         "harmonic_strength": strength, "voice_leading_efficiency": movement,
                         "contextual_appropriateness": fitness, "total_score": total})
    return {"pattern": pattern, "key": key, "is_minor": is_minor, "style": style,
            "chord_progression": progression, "alternatives": rows}


def training_examples(count: int = 2000, seed: int = 42) -> list[dict[str, Any]]:
    """The notebook's synthetic data set.

    One random stream seeded with ``seed`` draws the 50 random patterns and then,
    per example, a pattern, the mode, a key and a style: the same sequence the
    notebook's ``np.random.seed(42)`` produced.
    """
    rng = np.random.RandomState(seed)
    patterns = notebook_patterns(rng)
    examples = []
    for _ in range(count):
        pattern = patterns[rng.choice(len(patterns))]
        is_minor = bool(rng.choice([True, False]))
        key = str(rng.choice(MINOR_KEYS if is_minor else MAJOR_KEYS))
        style = str(rng.choice(STYLES))
        examples.append(_training_example(pattern, key, is_minor, style))
    return examples


def _features(degree: int, strength: float, movement: float, fitness: float, position: float,
              is_minor: bool, style: str) -> list[float]:
    return [degree, strength, movement, fitness, position, int(is_minor)] + [int(style == s) for s in STYLES]


def feature_matrix(examples: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """The 10 features and the label of every candidate row (position is ``i / len(pattern)``)."""
    features, targets = [], []
    for example in examples:
        length = len(example["pattern"])
        for row in example["alternatives"]:
            features.append(_features(row["scale_degree"], row["harmonic_strength"],
                                      row["voice_leading_efficiency"], row["contextual_appropriateness"],
                                      row["position"] / length, example["is_minor"], example["style"]))
            targets.append(row["total_score"])
    return np.array(features, dtype=float), np.array(targets, dtype=float)


def _lenient_matches(pattern: Sequence[int], mask: int) -> list[bool]:
    # The notebook's mask matching: a degree outside 1..7 simply does not match.
    return [1 <= d <= 7 and bool(mask & (1 << (d - 1))) for d in pattern]


class NotebookHarmonizer:
    """The notebook's trained greedy harmonizer.

    ``__init__`` stores the training parameters; :meth:`fit` (called lazily by
    :meth:`harmonize_pattern`) builds the synthetic data and trains the forest,
    setting ``model_`` and ``fit_report_``.  Needs scikit-learn.
    """

    def __init__(self, examples: int = 2000, seed: int = 42, n_estimators: int = 100,
                 random_state: int = 42) -> None:
        self.examples = examples
        self.seed = seed
        self.n_estimators = n_estimators
        self.random_state = random_state

    def fit(self) -> NotebookHarmonizer:
        """Train on the synthetic data with an 80/20 split (``random_state=42``), as the notebook did."""
        from sklearn.ensemble import RandomForestRegressor  # noqa: PLC0415 - training only
        from sklearn.metrics import mean_squared_error, r2_score  # noqa: PLC0415
        from sklearn.model_selection import train_test_split  # noqa: PLC0415

        features, targets = feature_matrix(training_examples(self.examples, self.seed))
        x_train, x_test, y_train, y_test = train_test_split(features, targets, test_size=0.2,
                                                            random_state=42)
        model = RandomForestRegressor(n_estimators=self.n_estimators, random_state=self.random_state)
        started = time.perf_counter()
        model.fit(x_train, y_train)
        elapsed = time.perf_counter() - started
        predicted = model.predict(x_test)
        self.model_ = model
        self.fit_report_ = {
            "training_time": elapsed,
            "training_samples": len(x_train),
            "test_samples": len(x_test),
            "mse": float(mean_squared_error(y_test, predicted)),
            "r2_score": float(r2_score(y_test, predicted)),
            "feature_importance": dict(zip(FEATURE_NAMES, map(float, model.feature_importances_))),
        }
        return self

    def predict_score(self, degree: int, strength: float, movement: float, fitness: float,
                      position: float, is_minor: bool, style: str) -> float:
        """One model call for one candidate, as the notebook made it."""
        row = _features(degree, strength, movement, fitness, position, is_minor, style)
        return float(self.model_.predict([row])[0])

    def harmonize_pattern(self, pattern: Sequence[int], key: str = "C", is_minor: bool = False,
                          style: str = "classical", target_mask: int | None = None) -> dict[str, Any]:
        """Harmonize ``pattern`` greedily; returns the notebook's result dictionary.

        Keys: ``input_pattern, key, is_minor, style, target_mask, mask_coverage,
        harmonization, overall_score, confidence, position_scores, alternatives``
        (per position, candidate dicts best first) and ``harmonization_priorities``.
        An empty pattern gives NaN scores, as the notebook's ``np.mean([])`` did.
        """
        if not hasattr(self, "model_"):
            self.fit()
        pattern = list(pattern)
        if target_mask is None:
            coverage, priorities = 1.0, [1.0] * len(pattern)
        else:
            matches = _lenient_matches(pattern, target_mask)
            coverage = sum(matches) / len(matches) if matches else 0.0
            priorities = [1.0 if hit else 0.5 for hit in matches]
        table = _candidates(is_minor)
        progression: list[str] = []
        scores: list[float] = []
        alternatives: list[list[dict[str, Any]]] = []
        for i, degree in enumerate(pattern):
            position = i / max(1, len(pattern) - 1)  # training used i / len(pattern)
            previous = progression[-1] if progression else None
            candidates: list[dict[str, Any]] = []
            for chord in table.get(degree, UNKNOWN_DEGREE_CANDIDATES):
                strength = harmonization_strength(degree, chord, is_minor)
                movement = voice_leading(previous, chord)
                fitness = context(chord, style)
                ml_score = self.predict_score(degree, strength, movement, fitness, position,
                                              is_minor, style)
                candidates.append({
                    "chord": chord, "harmonic_strength": strength,
                    "voice_leading_efficiency": movement, "contextual_appropriateness": fitness,
                    "ml_score": ml_score, "priority": priorities[i],
                    "final_score": ml_score * priorities[i],
                })
            candidates.sort(key=lambda c: c["final_score"], reverse=True)  # stable: table order on ties
            progression.append(candidates[0]["chord"])
            scores.append(candidates[0]["final_score"])
            alternatives.append(candidates)
        return {
            "input_pattern": pattern,
            "key": key,
            "is_minor": is_minor,
            "style": style,
            "target_mask": target_mask,
            "mask_coverage": coverage,
            "harmonization": progression,
            "overall_score": float(np.mean(scores)) if scores else float("nan"),
            "confidence": _confidence(scores),
            "position_scores": scores,
            "alternatives": alternatives,
            "harmonization_priorities": priorities,
        }


def _confidence(scores: Sequence[float]) -> float:
    """mean * (1 - min(std, 1)), clipped to [0, 1]; 0.0 for no scores."""
    if not scores:
        return 0.0
    value = float(np.mean(scores)) * (1 - min(float(np.std(scores)), 1.0))
    return max(0.0, min(1.0, value))
