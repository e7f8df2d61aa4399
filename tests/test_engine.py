"""The engine checked musically on the notebook's validation melodies and beyond."""


import numpy as np
import pytest

from harmonizer import harmonize_degrees
from harmonizer.errors import ModelError, OptionError
from harmonizer.mask import create_scale_degree_mask
from harmonizer.theory import parse_key
from harmonizer.vocabulary import VOCABULARY

TONIC_NUMERALS = {"I", "i", "Imaj7", "i7"}


def _contains(chord_index, degree_pc):
    return degree_pc in VOCABULARY[chord_index].pitch_classes


@pytest.mark.parametrize(
    "pattern", [[1, 3, 5, 1], [5, 4, 3, 2, 1], [1, 6, 4, 5]], ids=["arpeggio", "descent", "1-6-4-5"]
)
@pytest.mark.parametrize("style", ["classical", "folk"])
def test_notebook_validation_melodies_are_harmonized_musically(pattern, style):
    result = harmonize_degrees(pattern, key="C", style=style)
    assert len(result.harmonization) == len(pattern)
    # Every melody note is a tone of its chord: unlike the notebook's 2 -> IV and 7 -> I.
    for degree, chord in zip(pattern, result.chords):
        semitones = (0, 2, 4, 5, 7, 9, 11)[degree - 1]
        assert _contains(chord.chord_index, semitones), (pattern, result.harmonization)
    if pattern[-1] == 1:
        assert result.harmonization[-1] in TONIC_NUMERALS
    if pattern[0] == 1:
        assert result.harmonization[0] in TONIC_NUMERALS
    assert 0.0 <= result.confidence <= 1.0
    assert all(0.0 <= s <= 1.0 for s in result.position_scores)
    assert result.mask_coverage == 1.0 and result.harmonization_priorities == (1.0,) * len(pattern)


def test_descending_line_ends_with_an_authentic_cadence():
    result = harmonize_degrees([5, 4, 3, 2, 1], key="G")
    assert result.harmonization[-1] == "I"
    assert result.harmonization[-2].startswith(("V", "vii"))
    assert result.symbols[-1] == "G"


def test_minor_key_uses_the_harmonic_minor_dominant():
    result = harmonize_degrees([1, 2, "#7", 1], key="A", is_minor=True)
    assert result.harmonization[-1] in {"i", "I"}
    assert result.chords[2].numeral.startswith(("V", "vii"))  # G# wants E or G#dim
    assert result.is_minor and result.key == "A"


def test_the_target_mask_changes_which_chord_wins():
    pattern = [1, 2, 3, 4, 5, 6, 7, 1]
    none = harmonize_degrees(pattern, key="C", target_mask=create_scale_degree_mask(range(1, 8)))
    masked = harmonize_degrees(pattern, key="C", target_mask=create_scale_degree_mask([1, 4, 5]))
    assert masked.mask_coverage == pytest.approx(4 / 8)
    assert masked.harmonization_priorities == (1.0, 0.5, 0.5, 1.0, 1.0, 0.5, 0.5, 1.0)
    assert none.mask_coverage == 1.0


@pytest.mark.parametrize("style", ["classical", "folk"])
def test_mask_changes_chords_inside_a_slot(style):
    from harmonizer.engine import harmonize_melody
    from harmonizer.melody import Melody, Note

    # Bar 2 holds F (degree 4) and G (degree 5) for a beat pair each, under one chord:
    # the mask decides which of them the chord must contain.
    melody = Melody((Note(60, 0, 2), Note(64, 2, 2), Note(65, 4, 2), Note(67, 6, 2),
                     Note(64, 8, 2), Note(62, 10, 2), Note(60, 12, 4)))
    four = harmonize_melody(melody, key="C", harmonic_rhythm="bar", style=style,
                            target_mask=create_scale_degree_mask([4]))
    five = harmonize_melody(melody, key="C", harmonic_rhythm="bar", style=style,
                            target_mask=create_scale_degree_mask([5]))
    assert _contains(four.chords[1].chord_index, 5)
    assert _contains(five.chords[1].chord_index, 7)
    assert four.chords[1].symbol != five.chords[1].symbol
    assert four.mask_coverage == pytest.approx(1 / 7, abs=1e-4) == five.mask_coverage


def test_alternatives_are_distinct_and_ranked():
    result = harmonize_degrees([1, 2, 3, 4, 5, 6, 7, 1], key="D", alternatives=5)
    assert len(result.alternatives) == 5
    assert len({p.numerals for p in result.alternatives}) == 5
    scores = [p.score for p in result.alternatives]
    assert scores == sorted(scores, reverse=True)
    assert result.alternatives[0].numerals == result.harmonization
    assert sum(p.probability for p in result.alternatives) <= 1.0 + 1e-6


def test_chord_confidence_is_a_posterior_probability():
    result = harmonize_degrees([3, 2, 1], key="F")
    for chord in result.chords:
        assert 0.0 <= chord.confidence <= 1.0
        probabilities = [a.probability for a in chord.alternatives]
        assert probabilities == sorted(probabilities, reverse=True)
        assert sum(probabilities) <= 1.0 + 1e-6


def test_styles_differ_and_unknown_styles_are_refused():
    pattern = [5, 5, 6, 5, 1, 7, 5, 5, 6, 5, 2, 1]
    classical = harmonize_degrees(pattern, key="C", style="classical")
    folk = harmonize_degrees(pattern, key="C", style="folk")
    assert classical.chords != folk.chords
    with pytest.raises(OptionError, match="style"):
        harmonize_degrees(pattern, style="rokc")


@pytest.mark.parametrize("pattern", [[], [1, 8], [0], ["x"]])
def test_bad_degree_patterns_are_refused(pattern):
    with pytest.raises(OptionError):
        harmonize_degrees(pattern)


def test_transposing_the_key_transposes_the_symbols():
    in_c = harmonize_degrees([1, 4, 5, 1], key="C")
    in_e = harmonize_degrees([1, 4, 5, 1], key="E")
    assert in_c.harmonization == in_e.harmonization
    for a, b in zip(in_c.chords, in_e.chords):
        assert (b.root - a.root) % 12 == 4 and a.quality == b.quality


def test_weights_change_the_result_and_are_validated():
    from harmonizer.engine import Weights

    with pytest.raises(OptionError):
        Weights(-1, 0, 0)
    with pytest.raises(OptionError):
        Weights.parse("1,2")
    result = harmonize_degrees([1, 1, 1, 1], weights=Weights(0.0, 1.0, 0.0))
    assert len(set(result.harmonization)) == 1  # voice leading alone: never move


def test_missing_model_is_a_clear_error(tmp_path):
    from harmonizer.scorer import load_model

    with pytest.raises(ModelError, match="no model for style 'pop'"):
        load_model("pop", directory=tmp_path)


def test_key_spelling_in_symbols():
    result = harmonize_degrees([1, 5, 1], key=parse_key("Eb"))
    assert result.symbols[0] == "Eb"


@pytest.mark.parametrize("seed", range(6))
def test_degree_patterns_take_a_shortcut_to_the_same_answer(seed):
    # harmonize_degrees builds its slots directly; the general path must agree on every number.
    from harmonizer.engine import harmonize_melody
    from harmonizer.melody import Melody, Meter, Note, TimeSignature
    from harmonizer.slots import make_slots, whole_bar_slots
    from harmonizer.theory import parse_degree, parse_key

    rng = np.random.default_rng(seed)
    pattern = [int(d) for d in rng.integers(1, 8, size=int(rng.integers(1, 9)))]
    key = ["C", "F# minor", "Eb", "B minor", "G", "Db minor"][seed]
    mask = None if seed % 2 else int(rng.integers(1, 128))
    shortcut = harmonize_degrees(pattern, key, target_mask=mask)
    tonal = parse_key(key)
    assert len(shortcut.chords) == len(pattern)  # one chord per degree
    notes = []
    previous = 60 + tonal.tonic
    for bar, degree in enumerate(pattern):
        pc = (tonal.tonic + parse_degree(degree).semitones(tonal.mode)) % 12
        pitch = min((p for p in range(60, 80) if p % 12 == pc), key=lambda p: abs(p - previous))
        notes.append(Note(pitch, bar * 4.0, 4.0))
        previous = pitch
    melody = Melody(tuple(notes), Meter((TimeSignature(0.0, 4, 4),)), source="degree pattern")
    assert whole_bar_slots([n.pitch for n in notes], tonal).slots == make_slots(melody, tonal, "bar").slots
    general = harmonize_melody(melody, key=tonal, harmonic_rhythm="bar", target_mask=mask)
    assert general.chords == shortcut.chords
    assert general.alternatives == shortcut.alternatives
    assert (general.overall_score, general.confidence) == (shortcut.overall_score, shortcut.confidence)


def test_dividing_out_the_chord_prior_widens_the_chords_used():
    # The card's decoding.prior_correction divides P(chord)**beta out of the scorer's output; more
    # of it must give rarer chords a chance (and none keeps the plain model).  No variety bonus:
    # the card's own ("colour") would aim both at the same number of chords.
    import dataclasses
    from pathlib import Path

    from harmonizer.engine import harmonize_melody
    from harmonizer.midi_in import read_midi
    from harmonizer.scorer import load_model

    melody, _ = read_midi(Path(__file__).parent.parent / "examples" / "greensleeves.mid").melody()
    bundle = load_model("classical")
    used = {}
    for beta in (0.0, 0.8):
        model = dataclasses.replace(bundle, prior_correction=beta, variety=0.0)
        result = harmonize_melody(melody, key="A minor", harmonic_rhythm="beat", model=model)
        used[beta] = {c.symbol for c in result.chords}
    assert len(used[0.8]) > len(used[0.0])


def test_variety_widens_the_chords_of_a_piece_and_leaves_its_cadences_alone():
    # The variety bonus (the card's decoding.variety, or the caller's) favours the chords the
    # piece would use least; a phrase's last two slots keep their scores, the rest gain most
    # where the lattice expects a chord least.
    import dataclasses
    from pathlib import Path

    from harmonizer.decoder import Lattice, posteriors
    from harmonizer.engine import harmonize_melody, with_variety
    from harmonizer.midi_in import read_midi
    from harmonizer.scorer import load_model

    melody, _ = read_midi(Path(__file__).parent.parent / "examples" / "ode_to_joy.mid").melody()
    bundle = dataclasses.replace(load_model("classical"), variety=0.0)
    used = {}
    for variety in (0.0, 0.6):
        result = harmonize_melody(melody, key="D", model=bundle, variety=variety)
        assert result.variety == variety and result.to_dict()["variety"] == variety
        used[variety] = {c.symbol for c in result.chords}
    assert len(used[0.6]) > len(used[0.0])
    # a model whose card asks for variety decodes as a caller who asks for it
    implied = harmonize_melody(melody, key="D", model=dataclasses.replace(bundle, variety=0.6))
    assert {c.symbol for c in implied.chords} == used[0.6]

    rng = np.random.default_rng(7)
    lattice = Lattice(rng.normal(size=(6, 4)), rng.normal(size=(4, 4)), np.zeros(4), np.zeros(4))
    ends = np.array([False, False, True, False, False, True])
    bonus = with_variety(lattice, 0.2, ends).emission - lattice.emission
    assert np.all(bonus[[1, 2, 4, 5]] == 0)  # the phrase ends and the slots before them
    expected = posteriors(lattice)[0].mean(axis=0)
    assert np.all(bonus[[0, 3]] > 0)
    assert np.argmax(bonus[0]) == np.argmin(expected) and np.argmin(bonus[0]) == np.argmax(expected)
    assert with_variety(lattice, 0.0, ends) is lattice
    # a caller that has the expected histogram already (the decoding trials) gets the same bonus
    from harmonizer.engine import expected_histogram

    given = with_variety(lattice, 0.2, ends, expected_histogram(lattice)).emission - lattice.emission
    assert np.array_equal(given, bonus)
    for bad in (-0.1, 1.5, True, "0.2", float("nan")):
        with pytest.raises(OptionError, match="variety"):
            harmonize_melody(melody, key="D", model=bundle, variety=bad)
        with pytest.raises(OptionError, match="variety"):
            harmonize_degrees([1, 4, 5, 1], "D", model=bundle, variety=bad)
    pattern = [3, 2, 1, 7, 1, 5, 6, 5, 4, 3, 2, 1, 3, 4, 5, 1]
    # Fixed weights, not the card's: whether the likeliest ending is V-I or iii-I is the card's
    # choice; what is tested is that the bonus leaves the cadence as it was.
    from harmonizer.engine import Weights

    fixed = Weights(0.4, 0.2, 0.4)
    plain, varied = (harmonize_degrees(pattern, "D", model=bundle, variety=v, weights=fixed)
                     for v in (0.0, 0.5))
    assert len(set(varied.harmonization)) > len(set(plain.harmonization))
    # the cadence's two chords carry no bonus: the piece still ends V-I
    assert varied.harmonization[-2:] == plain.harmonization[-2:] == ("V", "I")


def test_a_style_decodes_with_its_own_weights_unless_told_otherwise():
    # The card's decoding.weights (chosen on validation songs) are the default; any given weights
    # win over them.
    import dataclasses

    from harmonizer.engine import Weights, style_weights
    from harmonizer.scorer import load_model

    pattern = [3, 2, 1, 7, 1, 5, 6, 5, 4, 3, 2, 1]
    bundle = load_model("classical")
    assert style_weights(bundle) == Weights(**bundle.card["decoding"]["weights"])
    # weights of another split than the card's (whichever it is)
    given = next(w for w in (Weights(0.6, 0.2, 0.2), Weights(0.5, 0.3, 0.2)) if w != style_weights(bundle))
    other = dataclasses.replace(bundle, weights=(given.harmonic, given.voice_leading, given.contextual))
    implied = harmonize_degrees(pattern, "Bb", model=other)
    told = harmonize_degrees(pattern, "Bb", model=bundle, weights=given)
    assert implied == told
    own = harmonize_degrees(pattern, "Bb", model=bundle)
    assert [c.score for c in own.chords] != [c.score for c in implied.chords]
    overridden = harmonize_degrees(pattern, "Bb", model=other, weights=style_weights(bundle))
    assert overridden == own


def test_only_the_proportions_of_the_weights_matter():
    from harmonizer.engine import Weights

    pattern = [3, 2, 1, 7, 1, 5, 6, 5, 4, 3, 2, 1]
    plain = harmonize_degrees(pattern, "Bb", weights=Weights(0.6, 0.25, 0.15))
    scaled = harmonize_degrees(pattern, "Bb", weights=Weights(6e200, 2.5e200, 1.5e200))
    assert scaled.harmonization == plain.harmonization
    assert scaled.confidence == pytest.approx(plain.confidence, abs=1e-4)
    with pytest.raises(OptionError, match="finite sum"):
        Weights(1e308, 1e308, 1e308)


def test_degree_patterns_respect_the_slot_limit(monkeypatch):
    from harmonizer import limits
    from harmonizer.errors import InputError

    monkeypatch.setattr(limits, "MAX_SLOTS", 5)
    with pytest.raises(InputError, match="the limit is 5"):
        harmonize_degrees([1, 2, 3, 4, 5, 6, 7, 1])


def test_a_model_with_writeable_tables_is_never_served_a_stale_chain():
    import dataclasses

    from harmonizer.engine import Weights, _chain
    from harmonizer.scorer import load_model

    shipped = load_model("folk")
    training = dataclasses.replace(shipped, transition={m: t.copy() for m, t in shipped.transition.items()})
    first = _chain(training, "major", Weights())[0].copy()
    training.transition["major"][0, :] -= 5.0  # a trainer changing its tables in place
    second = _chain(training, "major", Weights())[0]
    assert np.allclose(second[0] - first[0], -5.0 * Weights().contextual)
    # a loaded model's read-only tables are cached: the same arrays come back
    assert _chain(shipped, "major", Weights())[0] is _chain(shipped, "major", Weights())[0]


def _walking(meter_beats: int, note_beats: float, bars: int):
    from harmonizer.melody import Melody, Meter, Note, TimeSignature

    count = int(bars * meter_beats / note_beats)
    line = (0, 2, 4, 5, 7, 5, 4, 2)
    notes = tuple(Note(60 + line[i % 8], i * note_beats, note_beats) for i in range(count))
    return Melody(notes, Meter((TimeSignature(0.0, meter_beats, 4),)))


def test_a_style_that_changes_chord_on_the_beat_cuts_beats_only_where_the_melody_moves_on_them():
    from harmonizer.slots import choose_harmonic_rhythm, make_slots

    quarters, halves, wholes = _walking(4, 1.0, 4), _walking(4, 2.0, 4), _walking(4, 4.0, 4)
    waltz, slow_waltz = _walking(3, 1.0, 4), _walking(3, 3.0, 4)
    assert choose_harmonic_rhythm(quarters) == "half"
    assert choose_harmonic_rhythm(waltz) == choose_harmonic_rhythm(halves) == "bar"
    # a melody that moves at least every other beat, as a chorale's half notes do: a chord a beat
    for moving in (quarters, halves, waltz):
        assert choose_harmonic_rhythm(moving, per_beat=True) == "beat"
    # a slower one keeps the usual rule: a chord per beat under whole notes would be restless
    for slow in (wholes, slow_waltz):
        assert choose_harmonic_rhythm(slow, per_beat=True) == choose_harmonic_rhythm(slow) == "bar"
    key = parse_key("C")
    assert len(make_slots(quarters, key, per_beat=True)) == 16
    assert len(make_slots(quarters, key)) == 8
    # a rhythm the user names is kept whatever the style's pace
    assert len(make_slots(quarters, key, "half", per_beat=True)) == 8


def test_bars_of_four_and_three_notes_are_cut_in_half_as_bars_of_four_are():
    from harmonizer.melody import Melody, Meter, Note, TimeSignature
    from harmonizer.slots import choose_harmonic_rhythm, median_onsets_per_bar

    # Twinkle Twinkle: "C C G G | A A G- | F F E E | D D C-", a median of 3.5 onsets a bar.
    pitches_and_beats = [(60, 1), (60, 1), (67, 1), (67, 1), (69, 1), (69, 1), (67, 2),
                         (65, 1), (65, 1), (64, 1), (64, 1), (62, 1), (62, 1), (60, 2)]
    onsets = np.cumsum([0] + [beats for _, beats in pitches_and_beats])
    twinkle = Melody(tuple(Note(p, float(t), float(b)) for (p, b), t in zip(pitches_and_beats, onsets)),
                     Meter((TimeSignature(0.0, 4, 4),)))
    assert median_onsets_per_bar(twinkle) == 3.5
    assert choose_harmonic_rhythm(twinkle) == "half"
    # Three a bar stays a chord a bar, as does 3.5 in 3/4, which has no half.
    threes = Melody(tuple(Note(60 + i % 5, i * 4 / 3, 4 / 3) for i in range(12)),
                    Meter((TimeSignature(0.0, 4, 4),)))
    assert median_onsets_per_bar(threes) == 3 and choose_harmonic_rhythm(threes) == "bar"
    waltz = Melody(twinkle.notes, Meter((TimeSignature(0.0, 3, 4),)))
    assert choose_harmonic_rhythm(waltz) == "bar"


TWINKLE = "C C G G A A G- F F E E D D C- G G F F E E D- G G F F E E D- C C G G A A G- F F E E D D C-"


@pytest.mark.parametrize("style", ["classical", "folk", "pop", "jazz", "blues"])
def test_twinkle_twinkle_closes_its_phrases_on_the_dominant_and_tonic_in_every_style(style):
    from harmonizer.engine import harmonize_melody
    from harmonizer.melody import Melody, Meter, Note, TimeSignature

    pitch = {"C": 60, "D": 62, "E": 64, "F": 65, "G": 67, "A": 69}
    notes, onset = [], 0.0
    for word in TWINKLE.split():
        beats = 2.0 if word.endswith("-") else 1.0
        notes.append(Note(pitch[word.rstrip("-")], onset, beats))
        onset += beats
    result = harmonize_melody(Melody(tuple(notes), Meter((TimeSignature(0.0, 4, 4),))), style=style)
    assert (result.key.key.tonic, result.key.key.mode) == (0, "major")

    def root_at(beat: float) -> int:
        return next(c.root for c in result.chords if c.onset <= beat < c.onset + c.duration)

    # "D D C-" ends the first and the last phrase: the tune closes on I (the first phrase may
    # take the deceptive vi), after V but in the blues, which may hold I7 under the D, its ninth.
    # Cut a bar at a time (before bars of four and three notes were halved) pop ended the tune on
    # V and folk on IV.
    assert root_at(46.0) == 0 and root_at(14.0) in (0, 9), result.symbols
    if style != "blues":
        assert root_at(45.0) == root_at(13.0) == 7, result.symbols


def test_a_jig_in_six_eight_changes_chord_on_its_two_beats_as_folk_tunes_do():
    from harmonizer.melody import Melody, Meter, Note, TimeSignature
    from harmonizer.slots import choose_harmonic_rhythm, make_slots

    def tune(note_beats: float, numerator: int = 6, denominator: int = 8, pickup: float = 0.0,
             bars: int = 4) -> Melody:
        """A scale line in even notes of ``note_beats`` quarters, after an optional pickup note."""
        bar = numerator * 4.0 / denominator
        count = int(bars * bar / note_beats)
        line = (0, 2, 4, 5, 7, 5)
        notes = tuple(Note(60 + line[i % 6], pickup + i * note_beats, note_beats) for i in range(count))
        if pickup:
            notes = (Note(55, 0.0, pickup),) + notes
        return Melody(notes, Meter((TimeSignature(0.0, numerator, denominator),), pickup=pickup))

    # six running eighths a bar: a dotted-quarter beat each half, as Nottingham's jigs change chord
    jig = tune(0.5)
    assert choose_harmonic_rhythm(jig) == "half"
    grid = make_slots(jig, parse_key("C"))
    assert len(grid) == 8
    assert [slot.onset for slot in grid.slots[:3]] == [0.0, 1.5, 3.0]
    # after an eighth-note pickup: the pickup is one slot, then the dotted-quarter beats
    lifted = make_slots(tune(0.5, pickup=0.5), parse_key("C"))
    assert [(slot.onset, slot.duration) for slot in lifted.slots[:3]] == [(0.0, 0.5), (0.5, 1.5), (2.0, 1.5)]
    # 6/16 is the same compound duple, written in shorter notes
    assert choose_harmonic_rhythm(tune(0.25, 6, 16)) == "half"
    # a slow 6/8 (a dotted quarter per beat) keeps a chord a bar, as a fast 2/4 does
    assert choose_harmonic_rhythm(tune(1.5)) == "bar"
    assert choose_harmonic_rhythm(tune(0.5, 2, 4)) == "bar"
    # as before: two long beats (2/2 in quarters), and 3/8 or 9/8 (odd beats) a chord a bar
    assert choose_harmonic_rhythm(tune(1.0, 2, 2)) == "half"
    assert choose_harmonic_rhythm(tune(0.5, 9, 8)) == choose_harmonic_rhythm(tune(0.25, 3, 8)) == "bar"


def test_the_classical_style_harmonizes_a_chorale_pace_melody_per_beat():
    from harmonizer.engine import harmonize_melody
    from harmonizer.scorer import load_model

    # The classical card says so (its chorales change chord on nearly every beat); folk's does not.
    assert load_model("classical").chord_per_beat is True
    assert load_model("folk").chord_per_beat is False
    quarters = _walking(4, 1.0, 4)
    classical = harmonize_melody(quarters, key="C", style="classical", alternatives=1)
    folk = harmonize_melody(quarters, key="C", style="folk", alternatives=1)
    assert (classical.harmonic_rhythm, len(classical.chords)) == ("beat", 16)
    assert (folk.harmonic_rhythm, len(folk.chords)) == ("half", 8)
    told = harmonize_melody(quarters, key="C", style="classical", harmonic_rhythm="half", alternatives=1)
    assert (told.harmonic_rhythm, len(told.chords)) == ("half", 8)
