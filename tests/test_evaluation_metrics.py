"""The six Yeh et al. (2021) metrics on small cases worked out by hand."""

import math

import numpy as np
import pytest

from harmonizer.evaluation.metrics import (
    TimedChord,
    all_metrics,
    chord_coverage,
    chord_histogram_entropy,
    chord_tonal_distance,
    chord_tone_ratio,
    melody_chord_tonal_distance,
    pitch_consonance_score,
    tonal_centroid,
    tonal_distance,
)
from harmonizer.melody import Melody, Note

C, F, G, AM = (0, "maj"), (5, "maj"), (7, "maj"), (9, "min")


def chords(*labels, length=2.0):
    """One chord per ``length`` beats, in order."""
    return [TimedChord(i * length, length, root, quality) for i, (root, quality) in enumerate(labels)]


def melody(*pitches, length=1.0):
    return Melody(tuple(Note(p, i * length, length) for i, p in enumerate(pitches)))


# --- chord progression metrics -------------------------------------------------------------

def test_one_chord_repeated_has_no_entropy_and_coverage_one():
    progression = chords(C, C, C, C)
    assert chord_histogram_entropy(progression) == 0.0
    assert chord_coverage(progression) == 1
    assert chord_tonal_distance(progression) == 0.0


def test_entropy_is_in_nats_and_counts_time_not_entries():
    assert chord_histogram_entropy(chords(C, G)) == pytest.approx(math.log(2))
    assert chord_histogram_entropy(chords(C, G, F, AM)) == pytest.approx(math.log(4))
    # C for 6 beats, G for 2: p = (3/4, 1/4), whether C is written once or three times
    expected = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert chord_histogram_entropy(chords(C, C, C, G)) == pytest.approx(expected)
    merged = [TimedChord(0, 6, 0, "maj"), TimedChord(6, 2, 7, "maj")]
    assert chord_histogram_entropy(merged) == pytest.approx(expected)


def test_coverage_counts_root_and_quality():
    assert chord_coverage(chords(C, G, C, (0, "min"), (7, "dom7"))) == 4


def test_nothing_to_measure_gives_nan_not_a_number_that_looks_real():
    assert math.isnan(chord_histogram_entropy([]))
    assert math.isnan(chord_tone_ratio(melody(60), []))


# --- tonal centroid (Harte et al. 2006) ----------------------------------------------------

def test_tonal_centroid_of_one_pitch_class_lies_on_the_three_circles():
    centroid = tonal_centroid([0])
    np.testing.assert_allclose(centroid, [0, 1, 0, 1, 0, 0.5], atol=1e-12)
    # radius 1 on the fifths and minor-thirds circles, 0.5 on the major-thirds circle
    for pc in range(12):
        c = tonal_centroid([pc])
        assert np.hypot(c[0], c[1]) == pytest.approx(1)
        assert np.hypot(c[4], c[5]) == pytest.approx(0.5)


def test_tonal_distance_is_zero_for_the_same_chord_and_symmetric():
    assert tonal_distance([0, 4, 7], [7, 0, 4]) == 0.0
    assert chord_tonal_distance(chords(G, G)) == 0.0
    assert tonal_distance([0, 4, 7], [7, 11, 2]) == pytest.approx(tonal_distance([7, 11, 2], [0, 4, 7]))


def test_tonal_distance_orders_close_and_far_chords():
    c_major = [0, 4, 7]
    # relative minor and dominant are closer to C than the tritone-away F# major
    assert tonal_distance(c_major, [9, 0, 4]) < tonal_distance(c_major, [6, 10, 1])
    assert tonal_distance(c_major, [7, 11, 2]) < tonal_distance(c_major, [6, 10, 1])


def test_chord_tonal_distance_is_the_mean_over_consecutive_pairs():
    d = tonal_distance([0, 4, 7], [7, 11, 2])
    assert chord_tonal_distance(chords(C, G, G)) == pytest.approx(d / 2)
    assert chord_tonal_distance(chords(C, G, C)) == pytest.approx(d)


# --- chord/melody metrics ------------------------------------------------------------------

def test_a_melody_of_chord_tones_scores_one():
    tune = melody(60, 64, 67, 72)  # C E G C
    assert chord_tone_ratio(tune, chords(C, C)) == 1.0


def test_proper_non_chord_tones_count_as_fit_and_improper_ones_do_not():
    # D between C and E over C: a passing tone (next note 2 semitones away): proper
    assert chord_tone_ratio(melody(60, 62, 64, 60), chords(C, C)) == 1.0
    # F# leaping to C over C: improper; 3 beats of chord tones, 1 of it: (3 + 0) / (3 + 1)
    assert chord_tone_ratio(melody(60, 66, 72, 67), chords(C, C)) == pytest.approx(0.75)
    # the next note of *another* pitch decides: F# F# G is proper
    assert chord_tone_ratio(melody(66, 66, 67, 67), chords(C, C)) == 1.0


def test_melody_metrics_weigh_notes_by_duration_and_split_them_at_chord_changes():
    # one 4-beat F# over two chords: 2 beats under C (non-chord tone), 2 under D (chord tone)
    tune = Melody((Note(66, 0, 4),))
    progression = chords(C, (2, "maj"))
    assert chord_tone_ratio(tune, progression) == pytest.approx(0.5)


def test_pitch_consonance_uses_the_interval_from_each_chord_tone_up_to_the_melody():
    # E over C major: from C a major third (+1), from E unison (+1), from G a major sixth (+1)
    assert pitch_consonance_score(melody(64), chords(C)) == 1.0
    # C over C major: unison +1, minor sixth above E +1, perfect fourth above G 0 -> 2/3
    assert pitch_consonance_score(melody(72), chords(C)) == pytest.approx(2 / 3)
    # F over C major: fourth above C 0, minor second above E -1, minor seventh above G -1 -> -2/3
    assert pitch_consonance_score(melody(65), chords(C)) == pytest.approx(-2 / 3)
    # duration weighted: 3 beats of E (1.0) and 1 beat of F (-2/3)
    tune = Melody((Note(64, 0, 3), Note(65, 3, 1)))
    assert pitch_consonance_score(tune, [TimedChord(0, 4, 0, "maj")]) == pytest.approx((3 - 2 / 3) / 4)


def test_melody_chord_tonal_distance_is_smaller_for_chord_tones():
    chord_tone, other = melody_chord_tonal_distance(melody(64), chords(C)), melody_chord_tonal_distance(
        melody(66), chords(C))
    assert chord_tone < other
    expected = tonal_distance([4], [0, 4, 7])
    assert melody_chord_tonal_distance(melody(64, 64), chords(C)) == pytest.approx(expected)


def test_notes_under_no_chord_are_left_out_like_rests():
    tune = melody(66, 60, 64)  # the F# sounds before the first chord
    late = [TimedChord(1.0, 2.0, 0, "maj")]
    assert chord_tone_ratio(tune, late) == 1.0
    early = [TimedChord(0, 2, 0, "maj")]
    assert pitch_consonance_score(tune, late) == pitch_consonance_score(melody(60, 64), early)


def test_all_metrics_names_and_an_unknown_quality_is_refused():
    values = all_metrics(melody(60, 64, 67), chords(C, G))
    assert list(values) == ["CHE", "CC", "CTD", "CTnCTR", "PCS", "MCTD"]
    with pytest.raises(ValueError, match="quality"):
        all_metrics(melody(60), [TimedChord(0, 1, 0, "power")])
