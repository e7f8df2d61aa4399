"""Key finding: correlate the melody's pitch-class profile with published key profiles.

The melody's duration-weighted pitch-class histogram is correlated (Pearson)
with the major and minor profile rotated to each of the 12 tonics, in the
manner of the Krumhansl–Schmuckler algorithm.  A key-signature event is used
as evidence (a small bonus to the two keys it names), never as truth.

Every style that finds at least as many keys with it as with the profiles (the card's
``styles``: all but blues) adds a :class:`KeyModel` (``models/key_model.json``,
``harmonizer.training.key_model``): a multinomial logistic regression over the 24 keys,
learned from the keys of real songs, that weighs the same correlation against what a profile
cannot say -- how common each mode is, whether the first and last notes and the downbeats
belong to the key's tonic triad, whether the tonic sounds at all, whether the melody sounds the
mode's own third above the tonic or the other mode's, how far key signatures can be trusted
(:data:`KEY_MODEL_FEATURES`) -- plus the style's own ``minor_bias``, how much more
often its songs are in minor.  The weights are shared by the 12 tonics of a mode, so
transposing a melody transposes its key exactly as before.

References
----------
Krumhansl, C. L. (1990). *Cognitive Foundations of Musical Pitch*. Oxford UP
(probe-tone profiles of Krumhansl & Kessler, 1982).
Aarden, B. (2003). *Dynamic Melodic Expectancy*. PhD thesis, Ohio State
University (profiles from the Essen folk-song collection).
Temperley, D. (2007). *Music and Probability*. MIT Press (Kostka–Payne profiles).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .melody import Meter, Note
from .theory import Key, Mode

__all__ = ["KEY_MODEL_FEATURES", "KeyEstimate", "KeyModel", "PROFILES", "estimate_key", "key_features",
           "key_from_histogram", "pitch_class_profile", "profile_correlations"]

#: Published key profiles, index 0 = tonic; values as printed by their authors.
PROFILES: dict[str, dict[Mode, tuple[float, ...]]] = {
    "krumhansl-kessler": {
        "major": (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
        "minor": (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
    },
    "aarden-essen": {
        "major": (17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062,
                  0.145624, 8.15494, 0.232998, 4.95122),
        "minor": (18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161,
                  4.56621, 1.93186, 7.37619, 1.75623),
    },
    "temperley": {
        "major": (0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057,
                  0.400),
        "minor": (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133,
                  0.330),
    },
}
#: Temperley's profiles found the corpus key best on both training corpora
#: (scripts/key_accuracy.py: Nottingham 0.888, Bach soprano lines 0.866 exact).
DEFAULT_PROFILE = "temperley"
#: Correlation bonus for the major and minor key a key-signature event names.
KEY_SIGNATURE_BONUS = 0.05
#: Extra weight, in beats, given to the last note: melodies mostly end on the tonic.
FINAL_NOTE_WEIGHT = 2.0
#: Softmax temperature turning correlations into a probability-like confidence.
CONFIDENCE_TEMPERATURE = 0.05


#: What a :class:`KeyModel` weighs for each candidate key (tonic and mode), in this order.
KEY_MODEL_FEATURES: tuple[str, ...] = (
    "profile_correlation",  # the melody's correlation with the mode's profile on this tonic
    "mode",  # 1: the mode's own bias (how common it is in the style)
    "last_note_is_tonic",
    "last_note_in_tonic_triad",
    "first_note_in_tonic_triad",
    # The file's key signature is this key's or its relative's, and has sharps or flats.
    "key_signature_names_key",
    "downbeats_in_tonic_triad",  # share of the bars whose downbeat sounds a tone of this key's tonic triad
    "tonic_unsounded",  # 1 when the melody never sounds the tonic
    # 1 for the minor key a key signature states as minor.  Only minor: files and programs
    # write "major" by default (every chorale's MusicXML says major, half of them are in minor),
    # but nobody writes "minor" by accident (Nottingham's minor tunes, a MIDI file saying "Am").
    "key_signature_says_minor",
    # 1 when the key signature has one sharp more (one flat fewer) than this key's own: the
    # "Dorian" signature Baroque music writes for minor keys (D minor with no flat, G minor with
    # one) -- 33 of the 151 minor chorales of When in Rome, which the profile then reads as the
    # relative major of the signature.  Weighed per mode: in major it is the Lydian signature.
    "key_signature_one_sharp_more",
    # 1 for C major and A minor when the key signature has no sharps or flats.  Apart from the
    # others because it is the one signature written by default: programs put it in files whose
    # music is in any key, so it is weaker evidence than a signature someone chose
    # (harmonizer.training.song_keys.fit_key_model learns how much weaker from songs given it
    # in place of their own).
    "blank_key_signature_names_key",
    # How much more the melody sounds this mode's third above the tonic than the other mode's:
    # (own - other) / (own + other) in time, 0 when it sounds neither.  The third is what tells
    # G major from G minor; a short tune's correlation with a profile can miss it, and a style's
    # minor bias then reads a melody that sounds B natural and never B flat as G minor.
    "third_of_mode",
)


@dataclass(frozen=True)
class KeyModel:
    """Learned weights of :data:`KEY_MODEL_FEATURES`, one row per mode (major, minor).

    A key's score is its feature row times its mode's weights, plus ``minor_bias`` for the
    twelve minor keys; the softmax of the 24 scores is the probability of each key.  The weights
    are shared by every style; ``minor_bias`` is the style's own log odds of minor against the
    shared model's (how much more often its songs are in minor, as its training songs say).
    ``name`` is the style that uses the model, for messages and reports.
    """

    weights: np.ndarray  # (2, len(KEY_MODEL_FEATURES)): row 0 major, row 1 minor
    profile: str = DEFAULT_PROFILE
    name: str = ""
    minor_bias: float = 0.0

    def __post_init__(self) -> None:
        weights = np.asarray(self.weights, dtype=float)
        if weights.shape != (2, len(KEY_MODEL_FEATURES)) or not np.isfinite(weights).all():
            raise ValueError(f"A key model's weights must be finite, shape (2, {len(KEY_MODEL_FEATURES)}). "
                             f"Got shape {weights.shape}.")
        if self.profile not in PROFILES:
            raise ValueError(f"The 'profile' must be one of {sorted(PROFILES)}. Got {self.profile!r}.")
        if not _is_number(self.minor_bias) or not np.isfinite(self.minor_bias):
            raise ValueError(f"A key model's minor_bias must be a finite number. Got {self.minor_bias!r}.")
        weights.setflags(write=False)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "minor_bias", float(self.minor_bias))

    def scores(self, features: np.ndarray) -> np.ndarray:
        """The 24 keys' scores (major C..B, then minor C..B) from :func:`key_features`."""
        return np.concatenate([features[:12] @ self.weights[0],
                               features[12:] @ self.weights[1] + self.minor_bias])

    def as_card(self, minor_bias: Mapping[str, float] | None = None) -> dict[str, object]:
        """The card entry: the shared weights and every style's ``minor_bias`` (default: this
        model's own, under its name)."""
        biases = {self.name: self.minor_bias} if minor_bias is None else minor_bias
        return {"profile": self.profile, "features": list(KEY_MODEL_FEATURES),
                "weights": {"major": [round(float(w), 6) for w in self.weights[0]],
                            "minor": [round(float(w), 6) for w in self.weights[1]]},
                "minor_bias": {style: round(float(b), 6) for style, b in sorted(biases.items())}}

    @classmethod
    def from_card(cls, entry: object, name: str = "") -> KeyModel:
        """Read :meth:`as_card`'s form, with style ``name``'s minor bias (0 for a style the
        entry gives none); raises ``ValueError`` for anything else."""
        if not isinstance(entry, dict) or entry.get("features") != list(KEY_MODEL_FEATURES):
            raise ValueError("its features are not this engine's")
        weights = entry.get("weights")
        if not isinstance(weights, dict):
            raise ValueError("it has no weights")
        rows = [weights.get("major"), weights.get("minor")]
        if not all(isinstance(row, list) and all(_is_number(w) for w in row) for row in rows):
            raise ValueError("its weights are not lists of numbers")
        biases = entry.get("minor_bias")
        if not isinstance(biases, dict) or not all(_is_number(b) for b in biases.values()):
            raise ValueError("its minor_bias is not an object of numbers, one per style")
        return cls(np.array(rows, dtype=float), str(entry.get("profile", DEFAULT_PROFILE)), name,
                   biases.get(name, 0.0))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class KeyEstimate:
    """The most likely key with its evidence.

    ``correlation`` is the best key's correlation with its profile.  Found by the
    profiles alone, ``margin`` is that correlation minus the runner-up's and
    ``confidence`` the softmax share of the best key over all 24 keys (temperature
    :data:`CONFIDENCE_TEMPERATURE`); found with a :class:`KeyModel`, ``margin`` is the
    difference of the two keys' scores (log odds) and ``confidence`` the model's
    probability of the best key.  ``profile`` names the profiles, ``key_model`` the
    style whose key model weighed them ("" for none), ``key_signature`` the file's key
    signature that was weighed as evidence (None: the file had none, or the user gave the key).
    """

    key: Key
    correlation: float
    runner_up: Key
    margin: float
    confidence: float
    profile: str
    from_user: bool = False
    key_model: str = ""
    key_signature: Key | None = None

    @property
    def overrules_signature(self) -> bool:
        """True when the key found is neither the key signature's major key nor its relative
        minor: the melody outweighed what the file says (a default C-major signature, often)."""
        if self.key_signature is None:
            return False
        return self.key.signature_tonic != self.key_signature.signature_tonic


def pitch_class_profile(notes: Iterable[Note], final_note_weight: float = FINAL_NOTE_WEIGHT) -> np.ndarray:
    """Duration-weighted pitch-class histogram (12 values, C first)."""
    histogram = np.zeros(12)
    last: Note | None = None
    for note in notes:
        histogram[note.pitch % 12] += note.duration
        if last is None or note.onset >= last.onset:
            last = note
    if last is not None:
        histogram[last.pitch % 12] += final_note_weight
    return histogram


def estimate_key(
    notes: Iterable[Note],
    key_signature: Key | None = None,
    profile: str = DEFAULT_PROFILE,
    model: KeyModel | None = None,
    meter: Meter | None = None,
) -> KeyEstimate:
    """Estimate the key of a melody.

    ``key_signature`` (from the file) adds :data:`KEY_SIGNATURE_BONUS` to the
    major key and the relative minor it stands for; with a ``model`` (the learned
    :class:`KeyModel` a style uses, whose own profile then counts) the model weighs it
    instead, and ``meter`` places the downbeats it looks at.  Raises ``ValueError`` for
    an unknown profile name and returns C major with confidence 0 for a melody with no
    pitches.
    """
    notes = list(notes)
    if model is None:
        return key_from_histogram(pitch_class_profile(notes), key_signature, profile)
    features = key_features(notes, key_signature, model.profile, meter)
    if features is None:
        return key_from_histogram(np.zeros(12), key_signature, model.profile)
    scores = model.scores(features)
    order = np.argsort(-scores, kind="stable")
    best, second = int(order[0]), int(order[1])
    shares = np.exp(scores - scores[best])
    return KeyEstimate(
        key=_key_of_index(best, key_signature),
        correlation=round(float(features[best, 0]), 4),
        runner_up=_key_of_index(second, key_signature),
        margin=round(float(scores[best] - scores[second]), 4),
        confidence=round(float(1.0 / shares.sum()), 4),
        profile=model.profile,
        key_model=model.name or "learned",
        key_signature=key_signature,
    )


def key_features(notes: Iterable[Note], key_signature: Key | None = None,
                 profile: str = DEFAULT_PROFILE, meter: Meter | None = None) -> np.ndarray | None:
    """The :data:`KEY_MODEL_FEATURES` of each of the 24 keys (major C..B, then minor C..B),
    as a (24, features) array; None for a melody with no pitches.  ``meter`` places the
    downbeats (default: 4/4 from beat 0)."""
    ordered = sorted(notes, key=lambda n: n.onset)
    histogram = pitch_class_profile(ordered)
    correlations = profile_correlations(histogram, profile)  # refuses an unknown profile first
    if not ordered or histogram.sum() <= 0:
        return None
    first, last = ordered[0].pitch % 12, max(ordered, key=lambda n: n.onset).pitch % 12
    signature_major = stated_minor = None
    if key_signature is not None:
        signature_major = key_signature.signature_tonic
        stated_minor = key_signature.tonic if key_signature.is_minor else None
    downbeats = _downbeat_pitch_classes(ordered, meter or Meter())
    size = len(KEY_MODEL_FEATURES)
    features = np.zeros((24, size))
    features[:, 0] = correlations
    features[:, 1] = 1.0
    for m, mode in enumerate(("major", "minor")):
        third = 4 if mode == "major" else 3  # semitones above the tonic; the other mode's: 7 - third
        for tonic in range(12):
            triad = [tonic, (tonic + third) % 12, (tonic + 7) % 12]
            row = features[m * 12 + tonic]
            row[2] = float(last == tonic)
            row[3] = float(last in triad)
            row[4] = float(first in triad)
            if signature_major is not None:
                named = signature_major if mode == "major" else (signature_major + 9) % 12
                row[5 if signature_major else 10] = float(tonic == named)
            if downbeats.size:
                row[6] = float(np.isin(downbeats, triad).mean())
            row[7] = float(histogram[tonic] <= 0)
            row[8] = float(mode == "minor" and tonic == stated_minor)
            if signature_major is not None:
                own = tonic if mode == "major" else (tonic + 3) % 12  # the major key of its own signature
                row[9] = float(signature_major == (own + 7) % 12)
            own_third, other_third = histogram[triad[1]], histogram[(tonic + 7 - third) % 12]
            if own_third + other_third > 0:
                row[11] = float((own_third - other_third) / (own_third + other_third))
    return features


def _downbeat_pitch_classes(ordered: Sequence[Note], meter: Meter) -> np.ndarray:
    """The pitch class sounding at each bar's downbeat (bars with a rest there left out).

    Strong beats carry a key's tonic triad far more than its other tones, and where the last
    note cannot be trusted -- a phrase ending on a half cadence -- they still can.
    """
    end = ordered[-1].end
    onsets = np.array([n.onset for n in ordered])
    found = []
    for bar in meter.bars(end):
        index = int(np.searchsorted(onsets, bar.onset + 1e-6, side="right")) - 1
        if index >= 0 and ordered[index].end > bar.onset + 1e-6:
            found.append(ordered[index].pitch % 12)
    return np.asarray(found, dtype=int)


def profile_correlations(histogram: np.ndarray, profile: str = DEFAULT_PROFILE) -> np.ndarray:
    """The correlation of a 12-bin ``histogram`` with ``profile`` rotated to each of the 24 keys
    (major C..B, then minor C..B); -1 for every key when the histogram is empty or flat.
    Raises ``ValueError`` for an unknown profile name."""
    if profile not in PROFILES:
        raise ValueError(f"The 'profile' must be one of {sorted(PROFILES)}. Got {profile!r}.")
    correlations = np.full(24, -1.0)
    if histogram.sum() > 0 and histogram.std() > 0:
        for m, mode in enumerate(("major", "minor")):
            template: np.ndarray = np.asarray(PROFILES[profile][mode], dtype=float)  # type: ignore[index]
            for tonic in range(12):
                correlations[m * 12 + tonic] = float(np.corrcoef(histogram, np.roll(template, tonic))[0, 1])
    return correlations


def key_from_histogram(
    histogram: np.ndarray,
    key_signature: Key | None = None,
    profile: str = DEFAULT_PROFILE,
) -> KeyEstimate:
    """The key whose rotated profile best correlates with a 12-bin pitch-class ``histogram``
    (any evidence: melody, chords or both), with the key-signature bonus of :func:`estimate_key`."""
    scores = profile_correlations(histogram, profile)  # refuses an unknown profile
    if key_signature is not None:
        major_tonic = key_signature.signature_tonic
        scores[major_tonic] += KEY_SIGNATURE_BONUS
        scores[12 + (major_tonic + 9) % 12] += KEY_SIGNATURE_BONUS
    order = np.argsort(-scores, kind="stable")
    best, second = int(order[0]), int(order[1])
    weights = np.exp((scores - scores[best]) / CONFIDENCE_TEMPERATURE)
    confidence = float(weights[best] / weights.sum()) if histogram.sum() > 0 else 0.0
    return KeyEstimate(
        key=_key_of_index(best, key_signature),
        correlation=round(float(scores[best]), 4),
        runner_up=_key_of_index(second, key_signature),
        margin=round(float(scores[best] - scores[second]), 4),
        confidence=round(confidence, 4),
        profile=profile,
        key_signature=key_signature,
    )


def _key_of_index(index: int, key_signature: Key | None) -> Key:
    mode: Mode = "major" if index < 12 else "minor"
    tonic = index % 12
    key = Key.from_tonic(tonic, mode)
    # Spell the tonic as the file's key signature does when they agree (Gb vs F#).
    if key_signature is not None and key_signature.tonic == tonic and key_signature.mode == mode:
        return key_signature
    return key
