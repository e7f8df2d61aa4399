"""Key finding: published profiles, key-signature evidence, transposition and edge cases."""

import pytest

from harmonizer.key_finding import KEY_SIGNATURE_BONUS, PROFILES, estimate_key
from harmonizer.melody import Note
from harmonizer.theory import parse_key

C_MAJOR_TUNE = [60, 62, 64, 65, 67, 65, 64, 62, 64, 67, 72, 71, 67, 65, 64, 62, 60]
A_HARMONIC_MINOR_TUNE = [69, 71, 72, 74, 76, 77, 80, 81, 76, 72, 71, 68, 69]
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
