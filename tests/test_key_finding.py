"""Key finding: published profiles, key-signature evidence, transposition, edge cases, and
the key model learned from real songs."""

import dataclasses
import json
from types import SimpleNamespace

import numpy as np
import pytest

from harmonizer.engine import harmonize_melody
from harmonizer.key_finding import (
    CONFIDENCE_TEMPERATURE,
    KEY_MODEL_FEATURES,
    KEY_SIGNATURE_BONUS,
    PROFILES,
    KeyModel,
    estimate_key,
    key_features,
)
from harmonizer.melody import Melody, Meter, Note, TimeSignature
from harmonizer.scorer import KEY_MODEL_FILE, MODELS_DIR, STYLES, key_model_digest, load_model
from harmonizer.theory import Key, parse_key
from harmonizer.training.key_model import CORPUS_STYLE
from harmonizer.training.song_keys import (
    KEY_MODEL_OPENINGS,
    KEY_MODEL_SHARED,
    fit_key_model,
    fit_minor_bias,
    openings_of,
    with_openings,
)

C_MAJOR_TUNE = [60, 62, 64, 65, 67, 65, 64, 62, 64, 67, 72, 71, 67, 65, 64, 62, 60]
A_HARMONIC_MINOR_TUNE = [69, 71, 72, 74, 76, 77, 80, 81, 76, 72, 71, 68, 69]
# A line in C major's notes that ends on A: the profiles lean, narrowly, to A minor.
ENDS_ON_THE_SIXTH = [64, 67, 72, 71, 69, 67, 65, 64, 62, 60, 62, 64, 69]
# Between F major and C major (B and F both sound): a close call across key signatures.
F_OR_C = [69, 72, 67, 72, 64, 67, 60, 64, 65, 67, 69, 71, 72, 69]
# Ode to Joy's first phrase in D: it ends on the second degree (a half cadence).
ODE_FIRST_PHRASE = [66, 66, 67, 69, 69, 67, 66, 64, 62, 62, 64, 66, 66, 64, 64]


def _notes(pitches, shift=0):
    return [Note(p + shift, float(i), 1.0) for i, p in enumerate(pitches)]


def _found(pitches, shift=0, **options):
    key = estimate_key(_notes(pitches, shift), **options).key
    return key.tonic, key.mode


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_plain_tunes_are_found_in_their_key(profile):
    assert _found(C_MAJOR_TUNE, profile=profile) == (0, "major")
    assert _found(A_HARMONIC_MINOR_TUNE, profile=profile) == (9, "minor")


@pytest.mark.parametrize("shift", range(1, 12))
def test_transposing_the_tune_transposes_the_key(shift):
    assert _found(C_MAJOR_TUNE, shift) == (shift, "major")
    assert _found(A_HARMONIC_MINOR_TUNE, shift) == ((9 + shift) % 12, "minor")
    assert _found(ODE_FIRST_PHRASE, shift) == ((2 + shift) % 12, "major")


def test_a_phrase_ending_on_the_second_degree_keeps_its_key():
    estimate = estimate_key(_notes(ODE_FIRST_PHRASE))
    assert estimate.key.name == "D major" and estimate.margin > 0
    assert 0.0 < estimate.confidence <= 1.0 and estimate.profile == "temperley"


def test_a_key_signature_is_evidence_that_settles_a_close_call():
    plain = estimate_key(_notes(F_OR_C))
    assert (plain.key.name, plain.runner_up.name) == ("F major", "C major")
    assert plain.margin < KEY_SIGNATURE_BONUS  # a close call, or the test proves nothing
    assert _found(F_OR_C, key_signature=parse_key("C")) == (0, "major")
    assert _found(F_OR_C, key_signature=parse_key("A minor")) == (0, "major")
    # ...but not truth: a C major tune under a signature of four sharps stays in C.
    assert _found(C_MAJOR_TUNE, key_signature=parse_key("E")) == (0, "major")


def test_a_key_named_by_the_signature_is_spelled_as_the_file_spells_it():
    gb = estimate_key(_notes(C_MAJOR_TUNE, 6), key_signature=parse_key("Gb")).key
    assert (gb.tonic, gb.mode, gb.tonic_name) == (6, "major", "Gb")


def test_an_empty_or_one_pitch_melody_has_a_defined_answer():
    empty = estimate_key([])
    assert (empty.key.tonic, empty.key.mode, empty.confidence) == (0, "major", 0.0)
    # One pitch says little: a key with it as tonic or fifth, and a low confidence.
    drone = estimate_key(_notes([62] * 8))
    assert 2 in (drone.key.tonic, (drone.key.tonic + 7) % 12) and drone.confidence < 0.5


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        estimate_key(_notes(C_MAJOR_TUNE), profile="bach")


# ---------------------------------------------------------------------------
# The learned key model


def _song(pitches, key, signature=None):
    melody = Melody(tuple(_notes(pitches)), Meter((TimeSignature(0.0, 4, 4),)))
    return SimpleNamespace(melody=melody, key=parse_key(key),
                           key_signature=None if signature is None else parse_key(signature))


def _profiles_only_model(profile="temperley"):
    weights = np.zeros((2, len(KEY_MODEL_FEATURES)))
    weights[:, KEY_MODEL_FEATURES.index("profile_correlation")] = 1.0 / CONFIDENCE_TEMPERATURE
    return KeyModel(weights, profile, "test")


@pytest.mark.parametrize("tune", [C_MAJOR_TUNE, A_HARMONIC_MINOR_TUNE, ENDS_ON_THE_SIXTH, F_OR_C])
def test_a_key_model_that_weighs_only_the_profile_agrees_with_the_profiles(tune):
    plain = estimate_key(_notes(tune))
    learned = estimate_key(_notes(tune), model=_profiles_only_model())
    assert learned.key == plain.key and learned.runner_up == plain.runner_up
    assert learned.confidence == pytest.approx(plain.confidence, abs=1e-3)
    assert (learned.profile, learned.key_model, plain.key_model) == ("temperley", "test", "")


def test_key_features_say_what_each_key_makes_of_the_tune():
    # Ode to Joy's first phrase: starts on F#, ends on E, downbeats F# A D F#, never sounds B.
    features = key_features(_notes(ODE_FIRST_PHRASE), profile="temperley", meter=Meter())
    column = {name: i for i, name in enumerate(KEY_MODEL_FEATURES)}
    d_major, e_minor, b_minor = features[2], features[12 + 4], features[12 + 11]
    assert d_major[column["downbeats_in_tonic_triad"]] == 1.0
    assert b_minor[column["downbeats_in_tonic_triad"]] == 0.75
    assert e_minor[column["downbeats_in_tonic_triad"]] == 0.0
    first = column["first_note_in_tonic_triad"]
    assert (d_major[first], e_minor[first]) == (1, 0)
    assert (d_major[column["last_note_is_tonic"]], e_minor[column["last_note_is_tonic"]]) == (0, 1)
    assert (b_minor[column["tonic_unsounded"]], d_major[column["tonic_unsounded"]]) == (1, 0)
    assert (features[:12, column["mode"]] == 1).all() and d_major[column["profile_correlation"]] > 0.5
    # The downbeats follow the metre: in 3/4 from beat 0 they are F#, A, F#, D, F#.
    waltz = key_features(_notes(ODE_FIRST_PHRASE), meter=Meter((TimeSignature(0.0, 3, 4),)))
    assert waltz[12 + 11, column["downbeats_in_tonic_triad"]] == pytest.approx(4 / 5)
    # With a one-beat pickup, bars start on beats 0 (the pickup), 1, 5, 9 and 13: F#, F#, G, D, E.
    pickup = key_features(_notes(ODE_FIRST_PHRASE), meter=Meter(pickup=1.0))
    assert pickup[2, column["downbeats_in_tonic_triad"]] == pytest.approx(3 / 5)
    assert pickup[12 + 4, column["downbeats_in_tonic_triad"]] == pytest.approx(2 / 5)
    assert key_features([]) is None
    # A signature stated as minor speaks for that minor key alone; one stated as major (what
    # files write by default) for no key in particular.
    says_minor = column["key_signature_says_minor"]
    stated = key_features(_notes(ODE_FIRST_PHRASE), key_signature=parse_key("B minor"))
    assert stated[12 + 11, says_minor] == 1 and stated[:, says_minor].sum() == 1
    names = column["key_signature_names_key"]
    assert stated[2, names] == stated[12 + 11, names] == 1
    assert key_features(_notes(ODE_FIRST_PHRASE), key_signature=parse_key("D"))[:, says_minor].sum() == 0
    # A signature with one sharp fewer than its key's own is the Dorian one of a Baroque minor
    # key (D minor with no flat): C major's signature speaks for D minor, and for F major (Lydian).
    sharper = column["key_signature_one_sharp_more"]
    dorian = key_features(_notes(ODE_FIRST_PHRASE), key_signature=parse_key("C"))
    assert dorian[12 + 2, sharper] == dorian[5, sharper] == 1 and dorian[:, sharper].sum() == 2
    # The blank signature (no sharps or flats, what programs write by default) names C major and
    # A minor in a column of its own; a chosen signature never does.
    blank = column["blank_key_signature_names_key"]
    assert dorian[0, blank] == dorian[12 + 9, blank] == 1 and dorian[:, blank].sum() == 2
    assert dorian[:, names].sum() == 0 and stated[:, blank].sum() == 0
    assert key_features(_notes(ODE_FIRST_PHRASE))[:, sharper].sum() == 0


def test_a_learned_key_model_finds_what_the_profiles_miss_and_transposes():
    # A style whose tunes end on the sixth of a major key (the profiles say: relative minor).
    ends_on_sixth = [_song([p + k for p in ENDS_ON_THE_SIXTH], Key.from_tonic(k, "major").name)
                     for k in range(0, 12, 2)]
    plain_tunes = [_song([p + k for p in C_MAJOR_TUNE], Key.from_tonic(k, "major").name) for k in (1, 5)]
    minor_tunes = [_song([p + k for p in A_HARMONIC_MINOR_TUNE], Key.from_tonic((9 + k) % 12, "minor").name)
                   for k in (0, 3, 7)]
    train = ends_on_sixth + plain_tunes + minor_tunes
    validation = [_song([p + 3 for p in ENDS_ON_THE_SIXTH], "Eb"), _song(A_HARMONIC_MINOR_TUNE, "A minor")]
    model, report = fit_key_model(train, validation, name="test")
    assert model is not None and report["kept"] and report["converged"]
    assert report["accuracy"]["train"]["profiles"] < 1.0 == report["accuracy"]["train"]["learned"]
    assert report["accuracy"]["validation"] == {"profiles": 0.5, "learned": 1.0}
    # Transposed to a tonic it never saw, the tune is still found in its major key.
    found = estimate_key(_notes(ENDS_ON_THE_SIXTH, 5), model=model)
    assert (found.key.tonic, found.key.mode) == (5, "major") and 0.5 < found.confidence <= 1.0
    # ...and a minor tune with its leading note is still minor.
    minor = estimate_key(_notes(A_HARMONIC_MINOR_TUNE, 4), model=model).key
    assert (minor.tonic, minor.mode) == (1, "minor")
    # The shared features weigh the same in both modes.
    for name in KEY_MODEL_SHARED:
        column = KEY_MODEL_FEATURES.index(name)
        assert model.weights[0, column] == model.weights[1, column]


def test_a_key_model_worse_than_the_profiles_on_validation_is_not_kept():
    train = [_song(ENDS_ON_THE_SIXTH, "C"), _song([p + 2 for p in ENDS_ON_THE_SIXTH], "D"),
             _song(C_MAJOR_TUNE, "C")]
    validation = [_song(ENDS_ON_THE_SIXTH, "A minor"), _song([p + 7 for p in ENDS_ON_THE_SIXTH], "E minor")]
    model, report = fit_key_model(train, validation)
    assert model is None and not report["kept"]
    assert report["accuracy"]["validation"]["learned"] < report["accuracy"]["validation"]["profiles"]
    with pytest.raises(ValueError, match="No training songs"):
        fit_key_model([], validation)


def test_a_key_model_learns_how_far_to_trust_the_key_signature():
    # Files whose key signature is right even where the tune leans elsewhere (F or C tunes in C).
    train = [_song([p + k for p in F_OR_C], Key.from_tonic(k, "major").name, Key.from_tonic(k, "major").name)
             for k in range(12)]
    model, _ = fit_key_model(train, train[:2])
    assert model is not None
    column = KEY_MODEL_FEATURES.index("key_signature_names_key")
    assert model.weights[0, column] > 0
    found = estimate_key(_notes(F_OR_C, 2), key_signature=parse_key("D"), model=model).key
    assert (found.tonic, found.mode) == (2, "major")


def test_a_key_model_fitted_for_default_signatures_trusts_a_blank_one_less():
    # Tunes in every major key, each file's signature right; half of them lean to the key a
    # fifth above (F_OR_C leans to F, the key a fifth below C), so a signature settles them.
    train = [_song([p + k for p in tune], Key.from_tonic(k, "major").name, Key.from_tonic(k, "major").name)
             for k in range(12) for tune in (F_OR_C, C_MAJOR_TUNE)]
    trusting, _ = fit_key_model(train, train[:4])
    wary, report = fit_key_model(train, train[:4], blank_share=0.5)
    assert trusting is not None and wary is not None and report["blank_share"] == 0.5
    blank = KEY_MODEL_FEATURES.index("blank_key_signature_names_key")
    named = KEY_MODEL_FEATURES.index("key_signature_names_key")
    assert 0 < wary.weights[0, blank] < trusting.weights[0, blank]
    # A chosen signature is trusted no less for it.
    assert wary.weights[0, named] > 0
    # A G-major tune that leans to C, in a file that says C major: learned from right signatures
    # only, the model believes the file; fitted for default signatures, it believes the melody.
    g_tune, blank_c = _notes(F_OR_C, 7), parse_key("C")
    assert estimate_key(g_tune, key_signature=blank_c, model=trusting).key.name == "C major"
    assert estimate_key(g_tune, key_signature=blank_c, model=wary).key.name == "G major"
    # A plain G-major tune is read in G under a blank signature either way.
    assert estimate_key(_notes(C_MAJOR_TUNE, 7), key_signature=blank_c, model=trusting).key.name == "G major"
    for share in (-0.1, 1.0):
        with pytest.raises(ValueError, match="blank_share"):
            fit_key_model(train, train[:4], blank_share=share)


def test_key_models_round_trip_through_the_card_and_refuse_bad_entries():
    model = _profiles_only_model()
    entry = json.loads(json.dumps(model.as_card({"folk": -0.5, "classical": 1.25})))
    folk, classical, other = (KeyModel.from_card(entry, name) for name in ("folk", "classical", "pop"))
    assert np.array_equal(folk.weights, model.weights) and folk.name == "folk"
    assert (folk.minor_bias, classical.minor_bias, other.minor_bias) == (-0.5, 1.25, 0.0)
    again = KeyModel.from_card(json.loads(json.dumps(classical.as_card())), "classical")
    assert np.array_equal(again.weights, classical.weights) and again.minor_bias == classical.minor_bias
    size = len(KEY_MODEL_FEATURES)
    good = model.as_card()
    bad = [None, {}, {**good, "features": ["x"]}, {**good, "weights": [1, 2]},
           {**good, "weights": {"major": [1.0] * size, "minor": ["x"] * size}},
           {**good, "weights": {"major": [1.0] * (size - 1), "minor": [1.0] * (size - 1)}},
           {**good, "weights": {"major": [float("nan")] * size, "minor": [1.0] * size}},
           {key: value for key, value in good.items() if key != "minor_bias"},
           {**good, "minor_bias": 1.0}, {**good, "minor_bias": {"test": "1"}},
           {**good, "minor_bias": {"test": True}}, {**good, "minor_bias": {"test": float("inf")}}]
    for entry in bad:
        with pytest.raises(ValueError):
            KeyModel.from_card(entry, "test")


def test_a_style_s_minor_bias_raises_only_the_minor_keys():
    model = _profiles_only_model()
    features = key_features(_notes(ENDS_ON_THE_SIXTH))
    leaning = dataclasses.replace(model, minor_bias=0.75)
    difference = leaning.scores(features) - model.scores(features)
    assert np.allclose(difference[:12], 0.0) and np.allclose(difference[12:], 0.75)
    with pytest.raises(ValueError, match="minor_bias"):
        dataclasses.replace(model, minor_bias=float("nan"))


def test_a_style_s_minor_bias_is_fitted_to_how_often_its_songs_are_in_minor():
    # Tunes between a major key and its relative minor (the profiles lean to the minor).  A style
    # that writes them in major learns a negative bias, one that writes them in minor a positive one.
    model = _profiles_only_model()
    major_style = [_song([p + k for p in ENDS_ON_THE_SIXTH], Key.from_tonic(k, "major").name)
                   for k in range(6)]
    minor_style = [_song([p + k for p in ENDS_ON_THE_SIXTH], Key.from_tonic((k + 9) % 12, "minor").name)
                   for k in range(6)]
    leans_major, leans_minor = fit_minor_bias(model, major_style), fit_minor_bias(model, minor_style)
    assert leans_major < 0 < leans_minor
    for bias, mode in ((leans_major, "major"), (leans_minor, "minor")):
        leaning = dataclasses.replace(model, minor_bias=bias)
        found = estimate_key(_notes(ENDS_ON_THE_SIXTH, 7), model=leaning).key
        assert (found.tonic, found.mode) == ((7, "major") if mode == "major" else (4, "minor"))
    # The fit is the maximum of the likelihood: there P(minor), averaged over the songs and their
    # openings, plus the L2 pull, equals the share of songs in minor.
    mixed = major_style[:4] + minor_style[4:]
    bias = fit_minor_bias(model, mixed, l2=0.0)
    examples = [e for e in with_openings(mixed)]
    minor_share = np.mean([e.key.mode == "minor" for e in examples])
    probabilities = []
    for example in examples:
        scores = dataclasses.replace(model, minor_bias=bias).scores(key_features(example.melody.notes))
        p = np.exp(scores - scores.max())
        probabilities.append(p[12:].sum() / p.sum())
    assert np.mean(probabilities) == pytest.approx(minor_share, abs=1e-6)
    assert fit_minor_bias(model, []) == 0.0


def test_an_empty_melody_is_c_major_with_no_confidence_with_a_model_too():
    estimate = estimate_key([], model=_profiles_only_model())
    assert (estimate.key.tonic, estimate.key.mode, estimate.confidence) == (0, "major", 0.0)


def test_the_engine_finds_the_key_with_the_style_s_key_model():
    melody = Melody(tuple(Note(p, float(i), 1.0) for i, p in enumerate(ENDS_ON_THE_SIXTH)),
                    Meter((TimeSignature(0.0, 4, 4),)))
    base = load_model("folk")
    plain = dataclasses.replace(base, key_model=None)
    weights = np.array(_profiles_only_model().weights)
    weights[0, KEY_MODEL_FEATURES.index("mode")] = 3.0  # a style that leans to major
    leaning = dataclasses.replace(base, key_model=KeyModel(weights, name="major-leaning"))
    assert harmonize_melody(melody, model=plain, alternatives=1).key.key.mode == "minor"
    found = harmonize_melody(melody, model=leaning, alternatives=1).key
    assert (found.key.tonic, found.key.mode) == (0, "major")
    assert (found.profile, found.key_model) == ("temperley", "major-leaning")
    # A key the user gives is never overruled by the model.
    given = harmonize_melody(melody, key="A minor", model=leaning, alternatives=1).key
    assert given.from_user and given.key == Key.from_tonic(9, "minor")


def test_the_shipped_key_model_card_is_what_the_styles_load():
    card = json.loads((MODELS_DIR / KEY_MODEL_FILE).read_text(encoding="utf-8"))
    assert card["sha256"] == key_model_digest(card["model"]) and card["command"].startswith(
        "python -m harmonizer.training.key_model")
    shared = KeyModel.from_card(card["model"])
    biases = card["model"]["minor_bias"]
    assert set(biases) == set(STYLES)
    for style in STYLES:
        bundle = load_model(style)
        if card["styles"][style]:
            assert np.array_equal(bundle.key_model.weights, shared.weights)
            assert bundle.key_model.minor_bias == biases[style] and bundle.key_model.name == style
        else:
            assert bundle.key_model is None
    # Blues has no corpus to learn its keys from: it keeps the shared balance of the modes.
    assert biases["blues"] == 0.0
    # A style uses the model only where it found at least as many keys on its validation songs;
    # every style has corpora deciding, and the blues corpora only decide (keys from chords).
    decisions = card["metrics"]["by_style_validation_with_openings"]
    assert set(decisions) == set(STYLES)
    for style, found in decisions.items():
        assert card["styles"][style] == (found["learned"] >= found["profiles"])
    corpora = card["data"]["corpora"]
    checked_only = {name for name, entry in corpora.items() if not entry["learned_from"]}
    assert checked_only == {"wjd-blues", "openewld-blues"}
    assert {CORPUS_STYLE[name] for name in corpora} == set(STYLES)
    # The share of default signatures it was fitted for is the trial that found the most keys,
    # with their own signatures and blank ones counted alike (ties: the smaller share).
    trials = [t for t in card["fit"]["blank_share_trials"] if t["kept"]]
    chosen = max(trials, key=lambda t: round(t["own_signature"] + t["blank_signature"], 4))
    assert card["fit"]["blank_share"] == chosen["blank_share"]
    assert card["metrics"]["pooled"]["validation_with_openings"]["learned"] == chosen["own_signature"]


# Twinkle Twinkle with no leading note: in G it never sounds F#, so only its last note says G
# major rather than C; a signature settles it.
TWINKLE_IN_G = [67, 67, 74, 74, 76, 76, 74, 74, 72, 72, 71, 71, 69, 69, 67, 67]


def _styles_with_the_key_model():
    card = json.loads((MODELS_DIR / KEY_MODEL_FILE).read_text(encoding="utf-8"))
    return [style for style in STYLES if card["styles"][style]]


@pytest.mark.parametrize("style", _styles_with_the_key_model())
def test_a_blank_key_signature_is_weaker_evidence_than_a_chosen_one(style):
    # The same close call a fifth apart: Twinkle in G under C major's blank signature (what
    # programs write by default), and in D under G major's one sharp (which someone chose).
    # The shipped model believes the chosen signature more, as it was fitted to do.
    model = load_model(style).key_model
    under_chosen = estimate_key(_notes(TWINKLE_IN_G, 7), parse_key("G"), model=model, meter=Meter())
    blank_features = key_features(_notes(TWINKLE_IN_G), parse_key("C"), model.profile, Meter())
    chosen_features = key_features(_notes(TWINKLE_IN_G, 7), parse_key("G"), model.profile, Meter())

    def probability(features, index):
        scores = model.scores(features)
        return float(np.exp(scores[index] - np.logaddexp.reduce(scores)))

    assert probability(blank_features, 0) < probability(chosen_features, 7)
    assert under_chosen.key.name == "G major"
    assert under_chosen.confidence == pytest.approx(probability(chosen_features, 7), abs=1e-4)


# A five-bar waltz in G: D | G - B | A F# D | G rest B | D' C' A | G, sounding B natural and
# never B flat; its profile correlation alone leaves G major and G minor close.
WALTZ_IN_G = [(74, 0, 1), (79, 1, 2), (83, 3, 1), (81, 4, 1), (78, 5, 1), (74, 6, 1), (79, 7, 1),
              (83, 9, 1), (86, 10, 1.5), (84, 11.5, 0.5), (81, 12, 1), (79, 13, 3)]


def test_the_third_above_the_tonic_is_a_feature_of_each_mode():
    notes = [Note(p, onset, length) for p, onset, length in WALTZ_IN_G]
    features = key_features(notes)
    column = KEY_MODEL_FEATURES.index("third_of_mode")
    # G major's third (B) sounds, G minor's (B flat) never does: +1 and -1
    assert features[7, column] == 1.0 and features[12 + 7, column] == -1.0
    # E minor's third is G, its major third G# never sounds; C's thirds, E and E flat, never sound
    assert features[12 + 4, column] == 1.0 and features[0, column] == features[12, column] == 0.0
    # both thirds: the share of time between them, from -1 to 1
    both = [Note(67, 0.0, 1.0), Note(71, 1.0, 3.0), Note(70, 4.0, 1.0), Note(67, 5.0, 1.0)]
    # B natural 3 beats, B flat 1 (the last note, G, carries the final-note weight)
    assert key_features(both)[7, column] == pytest.approx(0.5)
    assert key_features(both)[12 + 7, column] == pytest.approx(-0.5)


@pytest.mark.parametrize("style", _styles_with_the_key_model())
@pytest.mark.parametrize("signature", [None, "C"], ids=["no-signature", "blank-signature"])
def test_every_style_reads_a_short_waltz_that_sounds_b_natural_in_g_major(style, signature):
    # Classical's minor bias (+1.9: nearly half the chorales are in minor) once read it as G
    # minor; the third of the mode now counts.
    meter = Meter((TimeSignature(0.0, 3, 4),))
    notes = [Note(p, onset + 2.0, length) for p, onset, length in WALTZ_IN_G]  # after a 2-beat rest
    found = estimate_key(notes, None if signature is None else parse_key(signature),
                         model=load_model(style).key_model, meter=meter).key
    assert found.name == "G major"


def test_the_key_model_also_learns_from_each_song_s_openings():
    long_tune = _song(C_MAJOR_TUNE * 3, "C", "C")  # 51 one-beat notes
    short_tune = _song(C_MAJOR_TUNE[:12], "C")  # shorter than either opening
    examples = with_openings([long_tune, short_tune])
    assert examples[0] is long_tune and examples[-1] is short_tune and len(examples) == 4
    assert openings_of([long_tune, short_tune]) == examples[1:3]
    for opening, beats in zip(examples[1:3], KEY_MODEL_OPENINGS):
        assert opening.melody.notes == long_tune.melody.notes[:int(beats)]
        assert (opening.key, opening.key_signature) == (long_tune.key, long_tune.key_signature)
        assert opening.melody.meter == long_tune.melody.meter


@pytest.mark.parametrize("style", STYLES)
def test_every_style_finds_ode_to_joy_s_first_phrase_in_d_major(style):
    # It ends on the second degree (a half cadence): a whole tune's last note is its tonic, a
    # phrase's need not be.
    found = estimate_key(_notes(ODE_FIRST_PHRASE), model=load_model(style).key_model, meter=Meter()).key
    assert (found.tonic, found.mode) == (2, "major")


# Greensleeves, first sixteen bars in 3/4 with a one-beat pickup: A minor, but its phrases
# lean on C and G major (pitch, beats).
GREENSLEEVES = [(69, 1), (72, 2), (74, 1), (76, 1.5), (77, 0.5), (76, 1), (74, 2), (71, 1), (67, 1.5),
                (69, 0.5), (71, 1), (72, 2), (69, 1), (69, 1.5), (68, 0.5), (69, 1), (71, 2), (68, 1),
                (64, 2), (69, 1), (72, 2), (74, 1), (76, 1.5), (77, 0.5), (76, 1), (74, 2), (71, 1),
                (67, 1.5), (69, 0.5), (71, 1), (72, 1.5), (71, 0.5), (69, 1), (68, 1.5), (66, 0.5), (68, 1),
                (69, 3)]


@pytest.mark.parametrize("style", STYLES)
def test_a_minor_key_signature_is_believed_by_every_styles_key_model(style):
    # A file that says "A minor" (MIDI 'Am', MusicXML <mode>minor</mode>) is not read in C major
    # because the tune leans on C: files say "minor" only on purpose.
    notes, onset = [], 0.0
    for pitch, beats in GREENSLEEVES:
        notes.append(Note(pitch, onset, beats))
        onset += beats
    meter = Meter((TimeSignature(0.0, 3, 4),), pickup=1.0)
    model = load_model(style).key_model
    stated = estimate_key(notes, parse_key("A minor"), model=model, meter=meter).key
    assert (stated.tonic, stated.mode) == (9, "minor")


def test_an_estimate_says_whether_it_overrules_the_file_s_signature():
    # The signature's own key and its relative agree with it; any other key overrules it.
    found = estimate_key(_notes(C_MAJOR_TUNE, 7), key_signature=parse_key("C"))
    assert found.key.name == "G major" and found.key_signature == parse_key("C")
    assert found.overrules_signature
    relative = dataclasses.replace(found, key=parse_key("A minor"))
    assert not relative.overrules_signature
    assert not dataclasses.replace(found, key_signature=None).overrules_signature
    assert not estimate_key(_notes(C_MAJOR_TUNE)).overrules_signature  # no signature, nothing to overrule
