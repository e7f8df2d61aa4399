"""The harmonization engine: melody in, chords with scores and confidence out.

Pipeline: key -> slots -> features -> one batched ONNX call -> lattice ->
decoding (Viterbi, k-best, forward–backward) -> voicing -> result.

How the three factors combine
-----------------------------
For a chord ``c`` in slot ``t`` after chord ``p`` the decoder adds, in logs::

    w_h * log fit(t, c) + w_v * log efficiency(p, c) + w_c * log P(c | p)

* ``fit`` is the learned model's probability that a musician would write
  ``c`` here, as a distribution over the candidates of the slot (a classifier's
  probabilities normalised, or a listwise model's softmax: ``ModelBundle.chord_fit``);
  the model reads the harmonic-strength factor (weighted chord-tone share) among its features.
  Before decoding, ``P(c) ** beta`` is divided out of it (``beta`` = the
  model card's ``decoding.prior_correction``, chosen on validation songs):
  the transitions already say how common a chord is, and counting that twice
  makes the decoder fall back on the few commonest chords.
* ``efficiency`` = exp(-movement / 6), movement being the fewest semitones the
  upper voices move from ``p`` to ``c`` (voice-leading efficiency).
* ``P(c | p)`` is the transition probability counted on real music of the
  style (contextual appropriateness); the first chord uses P(c | start) and
  the last adds P(end | c), which is how cadences are learned.

The weights default to the style's own (``decoding.weights`` in its model card), chosen with
``beta`` on validation songs; the original notebook's are 0.5 / 0.3 / 0.2 (``Weights()``).

Variety
-------
The most likely progression leans on the few chords a style uses most.  ``variety`` (the card's
``decoding.variety``, chosen with the weights, or the caller's) adds a bonus for the chords the
piece would otherwise rarely use: a fixed weight, or ``"auto"``, the smallest weight that gives
the piece as many different chords as the style's own music uses in a piece of its length, or
``"colour"``, which aims at that count by choosing qualities on the likeliest roots.
See :mod:`harmonizer.variety`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from . import limits
from .decoder import Lattice, is_frozen, k_best, posteriors
from .errors import OptionError
from .features import VOCABULARY_ARRAYS, build_features
from .key_finding import KeyEstimate, KeyModel, estimate_key
from .mask import OTHER_PRIORITY, TARGET_PRIORITY, check_mask
from .melody import Melody
from .scorer import FIT_FLOOR, ModelBundle, load_model
from .slots import Slot, SlotGrid, make_slots
from .theory import Key, degree_of, parse_key
from .variety import Variety, apply_variety, check_variety, expected_histogram, with_variety
from .vocabulary import VOCABULARY
from .voicing import VOICE_LEADING_SCALE, realised_movement, voice_chords, voice_leading_matrix

__all__ = [
    "Weights",
    "CandidateChord",
    "ChordChoice",
    "Progression",
    "Harmonization",
    "harmonize_melody",
    "harmonize_grid",
    "note_priorities",
    "style_weights",
    "with_variety",
    "expected_histogram",
    "check_variety",
]

VOCABULARY_TONES = VOCABULARY_ARRAYS.tones  # (chords, 12) chord-tone indicator above the tonic


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the three factors (harmonic, voice leading, context); any non-negative
    numbers with a positive sum.  Only their proportions matter: ``1,1,1`` and ``5,5,5`` decode
    alike (the engine scales them to sum to 1).  ``Weights()`` is the original notebook's
    0.5 / 0.3 / 0.2; each style decodes with its own unless told otherwise (:func:`style_weights`)."""

    harmonic: float = 0.5
    voice_leading: float = 0.3
    contextual: float = 0.2

    def __post_init__(self) -> None:
        values = (self.harmonic, self.voice_leading, self.contextual)
        if any(not math.isfinite(v) or v < 0 for v in values) or not 0 < sum(values) < math.inf:
            raise OptionError(
                f"Factor weights must be finite, >= 0, not all 0 and with a finite sum. Got {values}.")

    def normalised(self) -> Weights:
        """The same proportions, summing to 1 (the scale the temperature was calibrated at)."""
        total = self.harmonic + self.voice_leading + self.contextual
        if total == 1.0:
            return self
        return Weights(self.harmonic / total, self.voice_leading / total, self.contextual / total)

    @classmethod
    def parse(cls, text: str) -> Weights:
        """Read ``"0.5,0.3,0.2"``."""
        try:
            parts = [float(x) for x in text.split(",")]
        except ValueError:
            parts = []
        if len(parts) != 3:
            raise OptionError(f"--weights takes three numbers like 0.5,0.3,0.2. Got {text!r}.")
        return cls(*parts)


@dataclass(frozen=True, slots=True)
class CandidateChord:
    """A ranked alternative for one slot, with its posterior probability."""

    numeral: str
    symbol: str
    probability: float


@dataclass(frozen=True, slots=True)
class ChordChoice:
    """The chord chosen for one slot, with everything that explains it."""

    onset: float
    duration: float
    bar: int
    numeral: str
    symbol: str
    root: int  # pitch class, 0 = C
    quality: str
    bass: int  # pitch class of the lowest voice
    harmonic_strength: float
    voice_leading: float
    contextual: float
    fit: float  # the learned model's normalised score of this chord in this slot
    score: float  # weighted geometric mean of fit, voice leading and context, in [0, 1]
    confidence: float  # posterior probability of this chord in this slot
    alternatives: tuple[CandidateChord, ...]
    voicing: tuple[int, ...]  # MIDI pitches, bass first
    phrase_end: bool
    chord_index: int


@dataclass(frozen=True, slots=True)
class Progression:
    """One whole progression: Roman numerals and symbols, its log score and probability."""

    numerals: tuple[str, ...]
    symbols: tuple[str, ...]
    score: float
    probability: float


@dataclass(frozen=True)
class Harmonization:
    """The result of harmonizing one melody."""

    key: KeyEstimate
    style: str
    harmonic_rhythm: str
    weights: Weights
    chords: tuple[ChordChoice, ...]
    overall_score: float
    confidence: float
    alternatives: tuple[Progression, ...]
    target_mask: int | None = None
    mask_coverage: float | None = None
    melody_source: str = ""
    slots: tuple[Slot, ...] = field(default=(), repr=False)
    #: The variety bonus the piece was decoded with (its style's, or the caller's).
    variety: float = 0.0
    #: How that bonus was chosen: ``"fixed"`` (the number asked for), or for this piece,
    #: ``"auto"`` or ``"colour"`` (see harmonizer.variety).
    variety_mode: str = "fixed"

    @property
    def numerals(self) -> list[str]:
        return [c.numeral for c in self.chords]

    @property
    def symbols(self) -> list[str]:
        return [c.symbol for c in self.chords]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the schema documented in README.md)."""
        return {
            "key": {
                "name": self.key.key.name,
                "tonic": self.key.key.tonic_name,
                "tonic_pitch_class": self.key.key.tonic,
                "mode": self.key.key.mode,
                "confidence": self.key.confidence,
                "margin": self.key.margin,
                "runner_up": self.key.runner_up.name,
                "profile": self.key.profile,
                "key_model": self.key.key_model,
                "from_user": self.key.from_user,
                "key_signature": None if self.key.key_signature is None else self.key.key_signature.name,
            },
            "style": self.style,
            "harmonic_rhythm": self.harmonic_rhythm,
            "weights": asdict(self.weights),
            "variety": self.variety,
            "variety_mode": self.variety_mode,
            "overall_score": self.overall_score,
            "confidence": self.confidence,
            "target_mask": self.target_mask,
            "mask_coverage": self.mask_coverage,
            "chords": [_chord_dict(c) for c in self.chords],
            "alternatives": [
                {"numerals": list(p.numerals), "symbols": list(p.symbols), "score": p.score,
                 "probability": p.probability}
                for p in self.alternatives
            ],
        }


def _chord_dict(chord: ChordChoice) -> dict[str, Any]:
    return {
        "onset": chord.onset,
        "duration": chord.duration,
        "bar": chord.bar,
        "numeral": chord.numeral,
        "symbol": chord.symbol,
        "root": chord.root,
        "quality": chord.quality,
        "bass": chord.bass,
        "factors": {
            "harmonic_strength": chord.harmonic_strength,
            "voice_leading": chord.voice_leading,
            "contextual": chord.contextual,
        },
        "fit": chord.fit,
        "score": chord.score,
        "confidence": chord.confidence,
        "phrase_end": chord.phrase_end,
        "voicing": list(chord.voicing),
        "alternatives": [
            {"numeral": a.numeral, "symbol": a.symbol, "probability": a.probability}
            for a in chord.alternatives
        ],
    }


def note_priorities(key: Key, target_mask: int | None) -> np.ndarray | None:
    """Priority of each pitch class above the tonic under the mask (None: no mask)."""
    if target_mask is None:
        return None
    check_mask(target_mask)
    priorities = np.empty(12)
    for pc in range(12):
        number = degree_of(key.tonic + pc, key).number
        priorities[pc] = TARGET_PRIORITY if target_mask & (1 << (number - 1)) else OTHER_PRIORITY
    return priorities


@lru_cache(maxsize=64)
def _chord_names(tonal: Key, style: str) -> tuple[tuple[str, str], ...]:
    """(Roman numeral, symbol) of every vocabulary chord in ``tonal``, numerals as ``style`` reads them."""
    return tuple((c.numeral(tonal.mode, style), c.symbol(tonal)) for c in VOCABULARY)


def build_lattice(fit: np.ndarray, bundle: ModelBundle, mode: str, weights: Weights, grid: SlotGrid
                  ) -> Lattice:
    """The decoder's lattice for ``grid``'s slots: the three factors in logs, weighted (see the
    module docstring), and where the style's card counts them, its chord changes by place in
    the bar (:mod:`harmonizer.bar_lines`), weighted as the context they refine."""
    transition, start, end = _chain(bundle, mode, weights)
    emission = np.log(fit)
    if bundle.prior_correction:
        emission -= bundle.prior_correction * bundle.log_prior[mode]
    hold = None
    if bundle.bar_change is not None and weights.contextual > 0:
        hold = bundle.bar_change.hold_scores(grid, weights.contextual)
    return Lattice(emission=weights.harmonic * emission, transition=transition, start=start, end=end,
                   hold=hold)


_CHAINS: dict[tuple[int, str, Weights], tuple[ModelBundle, np.ndarray, np.ndarray, np.ndarray]] = {}


def _chain(bundle: ModelBundle, mode: str, weights: Weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The weighted transition, start and end scores, built once per (model, mode, weights).

    They are the same for every melody, so for a loaded model (whose tables are read-only) they
    are cached and marked read-only, which also lets the decoder check and exponentiate them
    once (see ``decoder._trusted``).  A bundle with writeable tables (one being trained) may
    change them between calls, so its chain is built afresh every time.
    """
    tables = (bundle.transition[mode], bundle.start[mode], bundle.end[mode])
    frozen = all(is_frozen(t) for t in tables)
    key = (id(bundle), mode, weights)
    entry = _CHAINS.get(key) if frozen else None
    if entry is None or entry[0] is not bundle:  # a new bundle may reuse a freed one's id
        arrays = (
            -weights.voice_leading * voice_leading_matrix() / VOICE_LEADING_SCALE
            + weights.contextual * tables[0],
            weights.contextual * tables[1],
            weights.contextual * tables[2],
        )
        if not frozen:
            return arrays
        for array in arrays:
            array.setflags(write=False)
        if len(_CHAINS) >= 16:
            _CHAINS.clear()
        entry = _CHAINS[key] = (bundle, *arrays)
    return entry[1], entry[2], entry[3]


def style_weights(bundle: ModelBundle) -> Weights:
    """The factor weights a style decodes with unless told otherwise (its card's)."""
    return Weights(*bundle.weights)


def check_alternatives(alternatives: object) -> None:
    """Raise OptionError unless ``alternatives`` is a whole number in 1..MAX_ALTERNATIVES."""
    if not isinstance(alternatives, int) or isinstance(alternatives, bool) \
            or not 1 <= alternatives <= limits.MAX_ALTERNATIVES:
        raise OptionError(
            f"The number of alternatives must be in 1..{limits.MAX_ALTERNATIVES}. Got {alternatives!r}."
        )


def user_key(key: Key) -> KeyEstimate:
    """The key estimate for a key the user gave (certain, not estimated)."""
    return KeyEstimate(key, 1.0, key, 1.0, 1.0, "user", from_user=True)


def _resolve_key(key: Key | str | None, melody: Melody, key_signature: Key | None,
                 key_model: KeyModel | None = None) -> KeyEstimate:
    if key is None:
        return estimate_key(melody.notes, key_signature, model=key_model, meter=melody.meter)
    return user_key(parse_key(key) if isinstance(key, str) else key)


def harmonize_melody(
    melody: Melody,
    *,
    key: Key | str | None = None,
    key_signature: Key | None = None,
    style: str = "classical",
    harmonic_rhythm: str = "auto",
    target_mask: int | None = None,
    weights: Weights | None = None,
    alternatives: int = 3,
    model: ModelBundle | None = None,
    variety: Variety | None = None,
) -> Harmonization:
    """Harmonize a melody.

    ``key`` overrides key finding; ``key_signature`` is the file's own key
    signature, used as evidence.  ``alternatives`` is how many whole
    progressions to rank (the best one included).  ``variety`` (0..1,
    ``"auto"`` or ``"colour"``) asks for more different chords in the piece (see :mod:`harmonizer.variety`;
    None: the style's own, its card's ``decoding.variety``).  Raises
    :class:`~harmonizer.errors.OptionError` for bad options,
    :class:`~harmonizer.errors.InputError` for an unusable melody and
    :class:`~harmonizer.errors.ModelError` for a bad model.
    """
    check_alternatives(alternatives)
    if variety is not None:
        check_variety(variety)
    bundle = model or load_model(style)
    weights = weights or style_weights(bundle)
    # The key model the style uses, if any (models/key_model.json's styles); else the profiles.
    estimate = _resolve_key(key, melody, key_signature, bundle.key_model)
    tonal = estimate.key
    priorities = note_priorities(tonal, target_mask)
    grid = make_slots(melody, tonal, harmonic_rhythm, priorities, per_beat=bundle.chord_per_beat)
    return harmonize_grid(melody, grid, estimate, bundle, target_mask=target_mask, weights=weights,
                          alternatives=alternatives, variety=variety)


def harmonize_grid(
    melody: Melody,
    grid: SlotGrid,
    estimate: KeyEstimate,
    bundle: ModelBundle,
    *,
    target_mask: int | None = None,
    weights: Weights,
    alternatives: int,
    variety: Variety | None = None,
) -> Harmonization:
    """The steps after slotting (score, decode, voice, report) for a grid already cut from
    ``melody`` in ``estimate.key``; :func:`harmonize_melody` checks the options first."""
    tonal = estimate.key
    priorities = note_priorities(tonal, target_mask)
    mode = tonal.mode
    reported, weights = weights, weights.normalised()
    features, strength = build_features(grid, mode, bundle.log_prior[mode])
    count = len(grid)
    fit = bundle.chord_fit(features, count)
    log_transition = bundle.transition[mode]
    lattice = build_lattice(fit, bundle, mode, weights, grid)
    if priorities is not None:
        # Target degrees should sound as chord tones: add, in the harmonic term, the log share of
        # the slot's target-degree weight that each chord contains (1 where a slot has none).
        targets = grid.profiles * (priorities >= TARGET_PRIORITY)[None, :]
        total = targets.sum(axis=1, keepdims=True)
        covered = targets @ VOCABULARY_TONES.T
        share = np.where(total > 0, covered / np.where(total > 0, total, 1.0), 1.0)
        lattice = replace(
            lattice, emission=lattice.emission + weights.harmonic * np.log(np.maximum(share, 0.05)))
    asked = bundle.variety if variety is None else check_variety(variety)
    applied, lattice = apply_variety(lattice, asked, grid.cadences, bundle.coverage)
    paths = k_best(lattice, alternatives)
    marginals, log_z = posteriors(lattice, bundle.temperature)
    best = paths[0].chords
    chosen = [VOCABULARY[i] for i in best]
    voicings = voice_chords(chosen, tonal.tonic, [s.lowest_pitch for s in grid.slots])
    total_weight = weights.harmonic + weights.voice_leading + weights.contextual
    ranking = np.argsort(-marginals, axis=1, kind="stable")[:, :3]
    names = _chord_names(tonal, bundle.style)
    path = np.asarray(best)
    slots_range = np.arange(count)
    # The factors of the chosen chords, as whole-piece arrays.  Contextual appropriateness is
    # P(chord | previous) relative to the likeliest successor, read straight from the log tables.
    log_rows = np.vstack([bundle.start[mode][None, :], log_transition[path[:-1]]])
    contextual = np.exp(log_rows[slots_range, path] - log_rows.max(axis=1))
    relative_fit = fit[slots_range, path] / fit.max(axis=1)
    movement_done = [0] + [realised_movement(a, b) for a, b in zip(voicings, voicings[1:])]
    voice_leading = np.exp(-np.asarray(movement_done, dtype=float) / VOICE_LEADING_SCALE)
    scores = np.exp(
        (weights.harmonic * np.log(np.maximum(relative_fit, FIT_FLOOR))
         + weights.voice_leading * np.log(np.maximum(voice_leading, FIT_FLOOR))
         + weights.contextual * np.log(np.maximum(contextual, FIT_FLOOR))) / total_weight
    )
    # One rounding pass for every per-chord number (rows: the columns below, then the three
    # alternatives' probabilities).
    table = np.round(np.vstack([strength[slots_range, path], voice_leading, contextual, relative_fit,
                                scores, marginals[slots_range, path],
                                np.take_along_axis(marginals, ranking, axis=1).T]), 4).tolist()
    columns = dict(zip(("strength", "voice_leading", "contextual", "fit", "score", "confidence"), table))
    alternative_probabilities = list(zip(*table[6:]))
    ranking_list = ranking.tolist()
    results: list[ChordChoice] = []
    for t, (slot, chord, voicing) in enumerate(zip(grid.slots, chosen, voicings)):
        numeral, symbol = names[chord.index]
        results.append(
            ChordChoice(
                onset=slot.onset,
                duration=slot.duration,
                bar=slot.bar,
                numeral=numeral,
                symbol=symbol,
                root=chord.root_pitch_class(tonal),
                quality=chord.quality,
                bass=voicing.bass % 12,
                harmonic_strength=columns["strength"][t],
                voice_leading=columns["voice_leading"][t],
                contextual=columns["contextual"][t],
                fit=columns["fit"][t],
                score=columns["score"][t],
                confidence=columns["confidence"][t],
                alternatives=tuple(
                    CandidateChord(names[i][0], names[i][1], probability)
                    for i, probability in zip(ranking_list[t], alternative_probabilities[t])
                ),
                voicing=voicing.pitches,
                phrase_end=slot.phrase_end,
                chord_index=chord.index,
            )
        )
    progressions = tuple(
        Progression(
            numerals=tuple(names[i][0] for i in option.chords),
            symbols=tuple(names[i][1] for i in option.chords),
            score=round(option.score, 4),
            probability=float(f"{math.exp(min(0.0, option.score / bundle.temperature - log_z)):.4g}"),
        )
        for option in paths
    )
    coverage = None
    if target_mask is not None:
        hits = [bool(target_mask & (1 << (degree_of(n.pitch, tonal).number - 1))) for n in melody.notes]
        coverage = round(sum(hits) / len(hits), 4) if hits else 0.0
    return Harmonization(
        key=estimate,
        style=bundle.style,
        harmonic_rhythm=grid.harmonic_rhythm,
        weights=reported,
        chords=tuple(results),
        overall_score=round(sum(c.score for c in results) / count, 4),
        confidence=round(sum(c.confidence for c in results) / count, 4),
        alternatives=progressions,
        target_mask=target_mask,
        mask_coverage=coverage,
        melody_source=melody.source,
        slots=grid.slots,
        variety=applied,
        variety_mode=asked if isinstance(asked, str) else "fixed",
    )

