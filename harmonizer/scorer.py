"""The learned scorer: an ONNX model plus the tables trained beside it.

A style's model is two files in ``models/``: ``<style>.onnx`` (a scikit-learn
classifier, or the regressor a listwise model becomes, exported with skl2onnx)
and ``<style>.json``, its model card, which also carries what the decoder
learned from the same data: chord priors, transition, start and end
probabilities per mode, and the calibrated temperature.  At run time one
batched onnxruntime call scores every candidate chord of every slot.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .bar_lines import BarChange
from .errors import ModelError, OptionError
from .features import FEATURE_NAMES
from .key_finding import KeyModel
from .theory import Mode
from .variety import ChordCoverage, Variety, check_variety
from .vocabulary import VOCABULARY

__all__ = ["ModelBundle", "load_model", "available_styles", "chord_distribution", "ignore_features",
           "key_model_digest", "KEY_MODEL_FILE", "MODELS_DIR", "STYLES", "OUTPUTS"]

_PACKAGE = Path(__file__).resolve().parent
#: Where the shipped models live: ``models/`` of a source checkout, or the copy a wheel
#: installs as ``harmonizer/models``; the ``HARMONIZER_MODELS`` variable overrides both.
MODELS_DIR = next(
    (p for p in (_PACKAGE.parent / "models", _PACKAGE / "models") if p.is_dir()),
    _PACKAGE.parent / "models",
)
#: Every style the harmonizer knows of; a style without a shipped model is refused clearly.
STYLES: tuple[str, ...] = ("classical", "folk", "pop", "jazz", "blues")
#: The key model shared by the styles, beside their models (``harmonizer.training.key_model``).
KEY_MODEL_FILE = "key_model.json"
#: What a model may return per row (:attr:`ModelBundle.output`).
OUTPUTS: tuple[str, ...] = ("probability", "score")
#: The least share of a slot's distribution any chord gets, so every log stays finite.
FIT_FLOOR = 1e-9


def chord_distribution(raw: np.ndarray, output: str) -> np.ndarray:
    """A model's raw output, shaped (slots, chords), as a distribution over each slot's
    candidates: probabilities normalised, scores through a softmax (see ``ModelBundle.output``);
    every entry at least :data:`FIT_FLOOR`."""
    if output == "score":
        fit = np.exp(raw - raw.max(axis=1, keepdims=True))
    else:
        fit = np.maximum(raw, FIT_FLOOR)
    fit /= fit.sum(axis=1, keepdims=True)
    return np.maximum(fit, FIT_FLOOR)


@dataclass(frozen=True)
class ModelBundle:
    """A loaded style model: the ONNX session and the card's tables."""

    style: str
    path: Path
    card: dict
    session: object  # onnxruntime.InferenceSession
    input_name: str
    log_prior: dict[str, np.ndarray]
    transition: dict[str, np.ndarray]  # log P(next | previous), [previous, next]
    start: dict[str, np.ndarray]
    end: dict[str, np.ndarray]
    temperature: float
    #: How much of the chord prior to divide out of the scorer's output before decoding
    #: (``decoding.prior_correction`` in the card; 0 = none).  The scorer's output already
    #: carries how common each chord is, and so do the learned transitions: dividing part of it
    #: out (Bourlard & Morgan's "scaled likelihoods") stops common chords from being counted
    #: twice, which otherwise narrows the chords a harmonization uses.  Chosen on validation.
    prior_correction: float = 0.0
    #: The weights of the decoder's three factors (harmonic fit, voice leading, context) that
    #: the engine uses unless told otherwise (``decoding.weights`` in the card), chosen on
    #: validation songs together with :attr:`prior_correction`.  A card must have them (cards
    #: written before they were chosen no longer load: retrain); the notebook's 0.5 / 0.3 / 0.2
    #: here serve only bundles built in code, as training builds its candidates.
    weights: tuple[float, float, float] = (0.5, 0.3, 0.2)
    #: How much the decoder favours a piece's less used chords (``decoding.variety`` in the
    #: card, 0 = none, or ``"auto"`` or ``"colour"``; see :mod:`harmonizer.variety`), chosen on
    #: validation songs with the weights.
    variety: Variety = 0.0
    #: How many different chords the style's pieces use for their length (``decoding.coverage``
    #: in the card), which the varieties ``"auto"`` and ``"colour"`` aim at; None for a card without one.
    coverage: ChordCoverage | None = None
    #: What the model returns per row (the card's ``output``): ``"probability"``, that this
    #: candidate is the chord a musician would write (a binary classifier), or ``"score"``, a
    #: real number whose softmax over the slot's candidates is that distribution (a model
    #: trained listwise, see ``harmonizer.training.listwise``).
    output: str = "probability"
    #: The key model the style finds keys with (:data:`KEY_MODEL_FILE`, learned on every
    #: corpus's training songs, used by the styles its card names); None: the profiles alone.
    key_model: KeyModel | None = None
    #: The sha256 that :data:`KEY_MODEL_FILE` states for :attr:`key_model` (checked at load),
    #: for reports; None with the profiles alone.
    key_model_sha256: str | None = None
    #: Whether the style changes chord on every beat (the card's ``chord_per_beat``; absent: no):
    #: the ``"auto"`` harmonic rhythm then cuts beats wherever the melody moves at least every
    #: other beat (``harmonizer.slots.choose_harmonic_rhythm``), as the style was trained.  The
    #: classical style's chorales change chord on nearly every beat.
    chord_per_beat: bool = False
    #: How often the style's chords change at a bar's first slot and inside a bar
    #: (``decoding.bar_change`` in the card, counted on its training songs); the decoder holds a
    #: chord over a bar line less readily, and inside a bar more (:mod:`harmonizer.bar_lines`).
    #: None for a card without it: every slot alike, as the learned transitions alone say.
    bar_change: BarChange | None = None
    #: Features the model was trained without (the card's ``ignored_features``; absent: none):
    #: held at 0 in every row it scores, as they were in every row it learned from, so the
    #: network cannot lean on them whatever weights it keeps for them (an experiment's
    #: switch, ``--ignore-feature``; no shipped card uses it: docs/models.md, *Jazz without the
    #: chord prior in its scorer*).
    ignored_features: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS:
            raise ValueError(f"The 'output' must be one of {list(OUTPUTS)}. Got {self.output!r}.")
        unknown = [name for name in self.ignored_features if name not in FEATURE_NAMES]
        if unknown:
            raise ValueError(f"The 'ignored_features' must be among FEATURE_NAMES. Got {unknown!r}.")

    def chord_fit(self, features: np.ndarray, slots: int) -> np.ndarray:
        """The model's distribution over each slot's candidate chords, (slots, chords), every
        entry at least :data:`FIT_FLOOR` (so its log is finite)."""
        return chord_distribution(self.score(features).reshape(slots, -1), self.output)

    def score(self, features: np.ndarray) -> np.ndarray:
        """The model's output for every feature row (see :attr:`output`)."""
        if features.shape[0] == 0:
            return np.zeros(0)
        rows = np.ascontiguousarray(features, dtype=np.float32)  # no copy when already float32
        if self.ignored_features:
            rows = ignore_features(rows, self.ignored_features)
        try:
            outputs = self.session.run(None, {self.input_name: rows})  # type: ignore[attr-defined]
            # a classifier gives (labels, probabilities), a regressor one (rows, 1) column
            probabilities = np.asarray(outputs[1] if len(outputs) > 1 else outputs[0], dtype=float)
        except Exception as error:  # onnxruntime raises its own untyped errors
            raise ModelError(f"{self.path}: the model cannot score the features "
                             f"({type(error).__name__}: {' '.join(str(error).split())[:200]})") from error
        if probabilities.ndim != 2 or probabilities.shape[0] != features.shape[0]:
            raise ModelError(f"{self.path}: the model returned shape {probabilities.shape}")
        result = probabilities[:, -1]
        if not np.isfinite(result).all():
            raise ModelError(f"{self.path}: the model returned NaN or infinite scores")
        return result


def ignore_features(rows: np.ndarray, names: tuple[str, ...], *, in_place: bool = False) -> np.ndarray:
    """Feature ``rows`` with the columns ``names`` set to 0 (see
    :attr:`ModelBundle.ignored_features`): a copy, the rows left as they are, unless
    ``in_place`` (rows the caller owns, such as training's, need no second copy)."""
    held = rows if in_place else rows.copy()
    held[:, [FEATURE_NAMES.index(name) for name in names]] = 0.0
    return held


def models_dir() -> Path:
    return Path(os.environ.get("HARMONIZER_MODELS", MODELS_DIR))


def available_styles(directory: Path | None = None) -> list[str]:
    directory = directory or models_dir()
    return sorted(p.stem for p in directory.glob("*.onnx") if (directory / f"{p.stem}.json").exists())


def _table(card: dict, name: str, mode: Mode, shape: tuple[int, ...], path: Path) -> np.ndarray:
    try:
        values = np.asarray(card["context"][mode][name], dtype=float)
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{path}: model card lacks context.{mode}.{name}") from error
    if values.shape != shape or not np.isfinite(values).all():
        raise ModelError(f"{path}: context.{mode}.{name} has shape {values.shape}, expected {shape}")
    # A loaded model is shared by every call in the process: read-only keeps it unchanged, and
    # lets the features and the decoder cache what they derive from it.
    values.setflags(write=False)
    return values


def key_model_digest(entry: object) -> str:
    """sha256 of a key model's card entry as canonical JSON (sorted keys, no spaces)."""
    return hashlib.sha256(json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _load_key_model(folder: Path, style: str) -> tuple[KeyModel, str] | None:
    """The key model of :data:`KEY_MODEL_FILE` in ``folder``, with the sha256 its card states,
    if the card says ``style`` uses it; None without the file (the profiles alone).  A broken
    file is a :class:`ModelError`."""
    path = folder / KEY_MODEL_FILE
    if not path.exists():
        return None
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: unreadable key model card ({error})") from error
    if not isinstance(card, dict) or not isinstance(card.get("styles"), dict):
        raise ModelError(f"{path}: the key model card has no 'styles' object")
    used = card["styles"].get(style, False)
    if not isinstance(used, bool):
        raise ModelError(f"{path}: styles.{style} is {used!r}, not true or false")
    if not used:
        return None
    if card.get("sha256") != key_model_digest(card.get("model")):
        raise ModelError(f"{path}: sha256 does not match the key model's weights")
    try:
        return KeyModel.from_card(card["model"], name=style), str(card["sha256"])
    except ValueError as error:
        raise ModelError(f"{path}: the key model is unusable ({error})") from error


@lru_cache(maxsize=16)
def _load(style: str, directory: str) -> ModelBundle:
    folder = Path(directory)
    onnx_path = folder / f"{style}.onnx"
    card_path = folder / f"{style}.json"
    if not onnx_path.exists() or not card_path.exists():
        raise ModelError(f"model for style {style!r} not found: expected {onnx_path} and {card_path}")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(f"{card_path}: unreadable model card ({error})") from error
    if not isinstance(card, dict):
        raise ModelError(f"{card_path}: the model card is not a JSON object")
    try:
        data = onnx_path.read_bytes()
    except OSError as error:
        raise ModelError(f"{onnx_path}: unreadable model ({error.strerror or error})") from error
    digest = hashlib.sha256(data).hexdigest()
    if card.get("sha256") != digest:
        raise ModelError(f"{onnx_path}: sha256 {digest[:12]}… does not match the model card's")
    vocabulary = [[c.root, c.quality] for c in VOCABULARY]
    if card.get("vocabulary") != vocabulary:
        raise ModelError(f"{card_path}: the model's chord vocabulary differs from this engine's")
    if not isinstance(card.get("features"), list) or tuple(card["features"]) != FEATURE_NAMES:
        raise ModelError(f"{card_path}: the model's feature schema differs from this engine's")
    import onnxruntime  # noqa: PLC0415 - keep import time out of --help and errors

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # One thread, no spinning: a piece is a few thousand rows, and a spinning thread pool only
    # fights batch workers and other programs for the cores (benchmarks/RESULTS.md).
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own untyped errors
        raise ModelError(f"{onnx_path}: onnxruntime cannot load the model ({error})") from error
    inputs = session.get_inputs()
    if len(inputs) != 1 or inputs[0].shape[-1] not in (len(FEATURE_NAMES), None, "None"):
        raise ModelError(f"{onnx_path}: the model expects input {inputs[0].shape if inputs else None}")
    temperature = card.get("temperature", 1.0)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not 0 < temperature < float("inf"):
        raise ModelError(f"{card_path}: temperature {temperature!r} is not a positive number")
    decoding = card.get("decoding", {})
    correction = decoding.get("prior_correction", 0.0) if isinstance(decoding, dict) else None
    if isinstance(correction, bool) or not isinstance(correction, (int, float)) \
            or not 0.0 <= correction <= 1.0:
        raise ModelError(f"{card_path}: decoding.prior_correction {correction!r} is not a number in 0..1")
    weights = _decoding_weights(decoding, card_path)
    try:
        variety = check_variety(decoding.get("variety", 0.0))
    except OptionError:
        raise ModelError(f"{card_path}: decoding.variety {decoding.get('variety')!r} is not a number "
                         "in 0..1, 'auto' or 'colour'") from None
    coverage = None
    if decoding.get("coverage") is not None:
        try:
            coverage = ChordCoverage.from_dict(decoding["coverage"])
        except (ValueError, AttributeError) as error:
            raise ModelError(f"{card_path}: decoding.coverage {decoding['coverage']!r}: {error}") from None
    bar_change = None
    if decoding.get("bar_change") is not None:
        try:
            bar_change = BarChange.from_dict(decoding["bar_change"])
        except (ValueError, TypeError) as error:
            raise ModelError(f"{card_path}: decoding.bar_change {decoding['bar_change']!r}: "
                             f"{error}") from None
    if isinstance(variety, str) and coverage is None:
        raise ModelError(f"{card_path}: decoding.variety is {variety!r} but the card has no "
                         "decoding.coverage")
    key_model = _load_key_model(folder, style)
    output = card.get("output", "probability")
    if output not in OUTPUTS:
        raise ModelError(f"{card_path}: output {output!r} is not one of {list(OUTPUTS)}")
    per_beat = card.get("chord_per_beat", False)
    if not isinstance(per_beat, bool):
        raise ModelError(f"{card_path}: chord_per_beat {per_beat!r} is not true or false")
    ignored = card.get("ignored_features", [])
    if not isinstance(ignored, list) or not all(isinstance(n, str) and n in FEATURE_NAMES for n in ignored):
        raise ModelError(f"{card_path}: ignored_features {ignored!r} is not a list of the card's features")
    size = len(VOCABULARY)
    modes: tuple[Mode, Mode] = ("major", "minor")
    return ModelBundle(
        style=style,
        path=onnx_path,
        card=card,
        session=session,
        input_name=inputs[0].name,
        log_prior={m: _table(card, "log_prior", m, (size,), card_path) for m in modes},
        transition={m: _table(card, "log_transition", m, (size, size), card_path) for m in modes},
        start={m: _table(card, "log_start", m, (size,), card_path) for m in modes},
        end={m: _table(card, "log_end", m, (size,), card_path) for m in modes},
        temperature=float(temperature),
        prior_correction=float(correction),
        weights=weights,
        variety=variety,
        coverage=coverage,
        output=output,
        key_model=None if key_model is None else key_model[0],
        key_model_sha256=None if key_model is None else key_model[1],
        chord_per_beat=per_beat,
        bar_change=bar_change,
        ignored_features=tuple(ignored),
    )


def _decoding_weights(decoding: dict, card_path: Path) -> tuple[float, float, float]:
    """The card's ``decoding.weights``: harmonic, voice leading and context, each a finite
    number >= 0, not all 0."""
    weights = decoding.get("weights")
    names = ("harmonic", "voice_leading", "contextual")
    if isinstance(weights, dict) and set(weights) == set(names):
        values = [weights[name] for name in names]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
               for v in values) and sum(values) > 0:
            return (float(values[0]), float(values[1]), float(values[2]))
    raise ModelError(f"{card_path}: decoding.weights {weights!r} is not harmonic, voice_leading "
                     "and contextual weights (numbers >= 0, not all 0)")


def load_model(style: str = "classical", directory: str | os.PathLike[str] | None = None) -> ModelBundle:
    """Load (once per process) the model of ``style``.

    Raises :class:`OptionError` for a style we do not know and
    :class:`ModelError` for a missing, corrupt or mismatched model.
    """
    # The fast path holds only bundles of the default folder, so it is skipped while
    # HARMONIZER_MODELS names another one (the variable may be set after a first load).
    cached = None if "HARMONIZER_MODELS" in os.environ else _LOADED.get((style, directory))
    if cached is not None:
        return cached
    if style not in STYLES:
        raise OptionError(f"The 'style' must be one of {list(STYLES)}. Got {style!r}.")
    folder = Path(directory) if directory is not None else models_dir()
    if not (folder / f"{style}.onnx").exists():
        shipped = available_styles(folder)
        raise ModelError(
            f"no model for style {style!r} in {folder}; models available: {shipped or 'none'}"
        )
    bundle = _load(style, str(folder.resolve()))
    if directory is None and "HARMONIZER_MODELS" not in os.environ:
        _LOADED[(style, None)] = bundle  # the default folder cannot change within a process
    return bundle


_LOADED: dict[tuple[str, object], ModelBundle] = {}
