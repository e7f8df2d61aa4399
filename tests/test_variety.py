"""The variety "auto": each piece gets as many different chords as its style's music uses."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from harmonizer.decoder import Lattice, viterbi
from harmonizer.errors import ModelError, OptionError
from harmonizer.variety import (
    AUTO,
    AUTO_VARIETIES,
    COLOUR,
    BestPaths,
    ChordCoverage,
    apply_variety,
    auto_variety,
    check_variety,
    fit_coverage,
    with_variety,
)
from harmonizer.vocabulary import VOCABULARY

EXAMPLES = Path(__file__).parent.parent / "examples"


def _lattice(slots: int = 12, chords: int = 6, seed: int = 3) -> tuple[Lattice, np.ndarray]:
    """A lattice whose best path sticks to one chord unless pushed: chord 0 leads every slot by
    a little, the others trail by random small margins."""
    rng = np.random.default_rng(seed)
    emission = -rng.uniform(0.2, 1.5, size=(slots, chords))
    emission[:, 0] = 0.0
    ends = np.zeros(slots, dtype=bool)
    ends[slots // 2 - 1] = ends[-1] = True
    return Lattice(emission, np.zeros((chords, chords)), np.zeros(chords), np.zeros(chords)), ends


def test_check_variety_takes_numbers_auto_and_colour_only():
    assert check_variety(AUTO) == "auto" and check_variety(0) == 0.0 and check_variety(1) == 1.0
    assert check_variety(COLOUR) == "colour"
    # words in any case, and the American spelling, as the command line takes them
    assert check_variety(" Auto ") == "auto" and check_variety("COLOR") == check_variety("Colour") == "colour"
    for bad in ("automatic", "0.2", "", None, True, -0.1, 1.01, float("nan")):
        with pytest.raises(OptionError, match="'auto'"):
            check_variety(bad)


def test_chord_coverage_is_a_power_law_in_the_slots_and_checks_its_numbers():
    coverage = ChordCoverage(2.0, 0.5, share=0.9)
    assert coverage.target(16) == pytest.approx(0.9 * 2.0 * 4.0)
    assert coverage.target(0) == coverage.target(1) == pytest.approx(1.8)  # no piece asks for less
    assert ChordCoverage.from_dict(coverage.to_dict()) == coverage
    # below the shortest song fitted the law is not extrapolated: the target shrinks with the slots
    floored = ChordCoverage(2.0, 0.5, share=0.9, min_slots=16)
    assert floored.target(64) == coverage.target(64) and floored.target(16) == coverage.target(16)
    assert floored.target(4) == pytest.approx(coverage.target(16) / 4)  # 1.8 chords, not 3.6
    assert ChordCoverage.from_dict(floored.to_dict()) == floored
    assert ChordCoverage.from_dict({"scale": 2.0, "exponent": 0.5}).share == 1.0
    for bad in ({"scale": 0, "exponent": 0.5}, {"scale": 2, "exponent": 1.5}, {"scale": 2, "exponent": -1},
                {"scale": float("inf"), "exponent": 0.5}, {"scale": "2", "exponent": 0.5},
                {"scale": 2, "exponent": 0.5, "share": 0}, {"exponent": 0.5},
                {"scale": True, "exponent": 0.5}, {"scale": 2, "exponent": 0.5, "min_slots": 2.5},
                {"scale": 2, "exponent": 0.5, "min_slots": 0}):
        with pytest.raises(ValueError):
            ChordCoverage.from_dict(bad)


def test_fit_coverage_recovers_a_power_law_and_needs_two_lengths():
    slots = np.array([8, 16, 32, 64, 128, 0])
    chords = 1.5 * np.where(slots > 0, slots, 1) ** 0.4
    fitted = fit_coverage(slots, chords)  # the song without slots is left out
    assert fitted.scale == pytest.approx(1.5, abs=1e-3) and fitted.exponent == pytest.approx(0.4, abs=1e-3)
    assert fitted.min_slots == 8
    # longer songs with fewer chords would ask nothing sensible: the exponent stays positive
    assert fit_coverage([10, 100], [8, 4]).exponent > 0
    for slot_counts, chord_counts in (([16, 16], [3, 5]), ([16], [3]), ([], [])):
        with pytest.raises(ValueError, match="two lengths"):
            fit_coverage(slot_counts, chord_counts)


def test_auto_takes_the_smallest_bonus_that_reaches_the_target():
    lattice, ends = _lattice()
    plain = viterbi(lattice).chords
    assert len(set(plain)) == 1  # chord 0 throughout without a bonus
    # a target the plain path meets already costs nothing
    assert auto_variety(BestPaths(lattice, ends), ChordCoverage(0.9, 0.01)) == 0.0
    # ... as does one just over a whole number: a count is asked for, the nearest to the law's
    assert 1 < ChordCoverage(1.04, 0.01).target(len(lattice.emission)) < 1.5
    assert auto_variety(BestPaths(lattice, ends), ChordCoverage(1.04, 0.01)) == 0.0
    target = ChordCoverage(2.9, 0.01)  # about three chords for any length
    need = target.target(len(lattice.emission))
    assert 2 < need <= 3
    chosen = auto_variety(BestPaths(lattice, ends), target)
    assert chosen in AUTO_VARIETIES and chosen > 0
    reached = [len(set(viterbi(with_variety(lattice, v, ends)).chords)) for v in AUTO_VARIETIES]
    assert reached[AUTO_VARIETIES.index(chosen)] >= 3
    assert all(count < 3 for count in reached[:AUTO_VARIETIES.index(chosen)])
    # a target no bonus reaches gets the smallest bonus that gives the most chords
    unreachable = auto_variety(BestPaths(lattice, ends), ChordCoverage(50.0, 0.01))
    assert reached[AUTO_VARIETIES.index(unreachable)] == max(reached)
    assert all(count < max(reached) for count in reached[:AUTO_VARIETIES.index(unreachable)])
    # where every slot carries a cadence no bonus changes anything: none is reported
    assert auto_variety(BestPaths(lattice, np.ones(len(ends), dtype=bool)), ChordCoverage(50.0, 0.01)) == 0.0
    # apply_variety says which bonus it used and returns the lattice with it
    used, varied = apply_variety(lattice, AUTO, ends, target)
    assert used == chosen and np.array_equal(varied.emission, with_variety(lattice, chosen, ends).emission)
    assert apply_variety(lattice, 0.0, ends, None) == (0.0, lattice)
    for variety in (AUTO, COLOUR):
        with pytest.raises(OptionError, match="coverage"):
            apply_variety(lattice, variety, ends, None)
    # "colour" keeps the plain path's roots (chord 0's throughout here) and varies the qualities
    full, ends = _lattice(chords=len(VOCABULARY))
    used, coloured = apply_variety(full, COLOUR, ends, ChordCoverage(2.9, 0.01))
    roots = np.array([chord.root for chord in VOCABULARY])
    path = viterbi(coloured).chords
    assert used > 0 and all(roots[chord] == roots[0] for chord in path) and len(set(path)) >= 3


def test_the_engine_decodes_auto_per_piece_and_reports_the_bonus():
    from harmonizer.api import harmonize_degrees
    from harmonizer.engine import harmonize_melody
    from harmonizer.midi_in import read_midi
    from harmonizer.scorer import load_model

    melody, _ = read_midi(EXAMPLES / "ode_to_joy.mid").melody()
    bundle = load_model("classical")
    modest = dataclasses.replace(bundle, coverage=ChordCoverage(0.5, 0.01))
    wide = dataclasses.replace(bundle, coverage=ChordCoverage(1.0, 0.9))
    plain = harmonize_melody(melody, key="D", model=modest, variety=0.0)
    low = harmonize_melody(melody, key="D", model=modest, variety=AUTO)
    assert (low.variety, low.variety_mode) == (0.0, "auto") and low.symbols == plain.symbols
    assert low.to_dict()["variety_mode"] == "auto" and plain.to_dict()["variety_mode"] == "fixed"
    high = harmonize_melody(melody, key="D", model=wide, variety=AUTO)
    assert high.variety > 0 and len(set(high.symbols)) > len(set(plain.symbols))
    target = wide.coverage.target(len(high.chords))
    assert len(set(high.symbols)) >= target or high.variety > 0
    # "colour" keeps the likeliest progression's roots and varies the qualities on them
    coloured = harmonize_melody(melody, key="D", model=wide, variety="colour")
    assert coloured.variety_mode == "colour" and coloured.variety > 0
    assert [c.root for c in coloured.chords] == [c.root for c in plain.chords]
    assert len(set(coloured.symbols)) > len(set(plain.symbols))
    # a card that asks for "auto" decodes as a caller who asks for it
    implied = harmonize_melody(melody, key="D", model=dataclasses.replace(wide, variety=AUTO))
    assert implied.symbols == high.symbols and implied.variety == high.variety
    # a degree pattern reports its variety as a melody does
    pattern = harmonize_degrees([3, 2, 1, 7, 1, 5, 6, 5, 4, 3, 2, 1] * 4, "D", model=wide, variety=AUTO)
    assert pattern.variety_mode == "auto" and pattern.to_dict()["variety"] == pattern.variety > 0
    # without a coverage to aim at, "auto" is refused with a one-line reason
    with pytest.raises(OptionError, match="coverage"):
        harmonize_degrees([1, 4, 5, 1], "D", model=dataclasses.replace(bundle, coverage=None), variety=AUTO)


def test_a_card_asking_for_auto_needs_a_sound_coverage(tmp_path):
    from harmonizer.scorer import load_model

    source = Path(__file__).parent.parent / "models"
    card = json.loads((source / "classical.json").read_text())
    cases = (({"variety": "auto", "coverage": None}, "no decoding.coverage"),
             ({"coverage": {"scale": -1, "exponent": 0.5}}, "decoding.coverage"),
             ({"coverage": [1, 2]}, "decoding.coverage"),
             ({"variety": "lots"}, "decoding.variety"))
    for number, (decoding, message) in enumerate(cases):
        folder = tmp_path / str(number)  # a folder each: loaded bundles are kept per folder
        folder.mkdir()
        for name in ("classical.onnx", "key_model.json"):
            if (source / name).exists():
                (folder / name).write_bytes((source / name).read_bytes())
        broken = {**card, "decoding": {**card["decoding"], **decoding}}
        (folder / "classical.json").write_text(json.dumps(broken))
        with pytest.raises(ModelError, match=message):
            load_model("classical", directory=folder)


def test_batch_refuses_a_bad_variety_once_before_any_file(tmp_path):
    from harmonizer.batch import BatchOptions, run_batch

    source = tmp_path / "in"
    source.mkdir()
    (source / "ode.mid").write_bytes((EXAMPLES / "ode_to_joy.mid").read_bytes())
    for bad in ("sometimes", 2.0):
        with pytest.raises(OptionError, match="variety"):
            run_batch(source, tmp_path / "out", options=BatchOptions(variety=bad))
        assert not (tmp_path / "out").exists()  # nothing written


# Amazing Grace in G, 3/4 with a one-beat pickup: a half note in every bar, so every bar ends a
# "phrase" by the long-note rule; its phrases really end on the dotted halves (bars 7 and 15,
# the pickup being bar 0).
AMAZING_GRACE = [(62, 1), (67, 2), (71, 0.5), (67, 0.5), (71, 2), (69, 1), (67, 2), (64, 1), (62, 2),
                 (62, 1), (67, 2), (71, 0.5), (67, 0.5), (71, 2), (69, 1), (74, 3), (74, 2), (71, 1),
                 (74, 2), (71, 0.5), (67, 0.5), (71, 2), (69, 1), (67, 2), (64, 1), (62, 2), (62, 1),
                 (67, 2), (71, 0.5), (67, 0.5), (71, 2), (69, 1), (67, 3)]


def _hymn():
    from harmonizer.melody import Melody, Meter, Note, TimeSignature

    notes, onset = [], 0.0
    for pitch, beats in AMAZING_GRACE:
        notes.append(Note(pitch, onset, beats))
        onset += beats
    return Melody(tuple(notes), Meter((TimeSignature(0.0, 3, 4),), pickup=1.0))


def test_cadences_thin_the_phrase_ends_where_long_notes_are_everyday_rhythm():
    from harmonizer.slots import make_slots
    from harmonizer.theory import parse_key

    grid = make_slots(_hymn(), parse_key("G"), "bar")
    ends, cadences = grid.phrase_ends, grid.cadences
    assert ends.sum() >= 14  # nearly every bar by the long-note rule, the scorer's feature
    assert not (cadences & ~ends).any() and cadences[-1]
    bars = {slot.bar for slot, cadence in zip(grid.slots, cadences) if cadence}
    assert bars == {7, 15}  # the dotted halves, the last one the last note


def test_a_tune_whose_long_notes_are_rare_keeps_every_phrase_end_as_a_cadence():
    from harmonizer.midi_in import read_midi
    from harmonizer.slots import make_slots

    song = read_midi(EXAMPLES / "ode_to_joy.mid")
    melody, _ = song.melody()
    grid = make_slots(melody, song.key_signature, "auto")
    assert grid.phrase_ends.sum() >= 3 and np.array_equal(grid.cadences, grid.phrase_ends)


def test_variety_acts_on_a_hymn_with_a_long_note_in_every_bar():
    # Spared at every phrase end, the hymn got no bonus anywhere: --variety changed nothing.
    from harmonizer.engine import harmonize_melody

    melody = _hymn()
    plain = harmonize_melody(melody, key="G", style="folk", harmonic_rhythm="bar", variety=0.0)
    varied = harmonize_melody(melody, key="G", style="folk", harmonic_rhythm="bar", variety=1.0)
    assert len({c.symbol for c in varied.chords}) > len({c.symbol for c in plain.chords})
    assert varied.chords[-1].symbol == "G"


def test_colour_picks_only_qualities_the_melody_allows():
    from harmonizer.variety import COLOUR_MARGIN, same_roots

    # C and its seventh, C minor, and G: slot 0 allows C's seventh, slot 1 does not (it is far
    # less likely, as G minor under a held B is); neither allows C minor, however likely (a
    # colour keeps the triad), nor another root.
    index = {(c.root, c.quality): c.index for c in VOCABULARY}
    c, c7, cm, g = index[0, "maj"], index[0, "dom7"], index[0, "min"], index[7, "maj"]
    emission = np.full((2, len(VOCABULARY)), -20.0)
    emission[:, cm] = emission[:, g] = -0.5
    emission[0, c], emission[0, c7] = -1.0, -1.5
    emission[1, c], emission[1, c7] = -1.0, -1.0 - COLOUR_MARGIN - 0.5
    size = len(VOCABULARY)
    lattice = Lattice(emission, np.zeros((size, size)), np.zeros(size), np.zeros(size))
    open_to = np.isfinite(same_roots(lattice, [c, c]).emission)
    assert open_to[0, c] and open_to[0, c7] and not open_to[0, g] and not open_to[0, cm]
    assert open_to[1, c] and not open_to[1, c7] and not open_to[1, cm]
    # the path's own chord stays open even where another quality on its root is far likelier
    emission[1, cm] = 5.0
    assert np.isfinite(same_roots(lattice, [c, c]).emission[1, c])


def _sparse_lattice(rng: np.random.Generator, whole: bool) -> tuple[Lattice, np.ndarray, np.ndarray]:
    """A random lattice with about half its chords shut (-inf) in each slot, one at least open;
    ``whole`` scores are whole numbers, so that paths tie and the tie-breaking is tested."""
    slots, chords = int(rng.integers(1, 25)), int(rng.integers(1, 8))

    def scores(*shape: int) -> np.ndarray:
        return rng.integers(-3, 1, size=shape).astype(float) if whole else rng.normal(size=shape)

    open_chords = rng.random((slots, chords)) < 0.5
    open_chords[np.arange(slots), rng.integers(0, chords, slots)] = True
    transition = scores(chords, chords)
    transition[rng.random((chords, chords)) < 0.15] = -np.inf  # a few impossible steps
    # half the lattices hold a chord at a per-slot score, as a style's bar lines make it
    hold = scores(slots) if rng.random() < 0.5 else None
    lattice = Lattice(np.where(open_chords, scores(slots, chords), -np.inf), transition,
                      scores(chords), scores(chords), hold)
    return lattice, open_chords, rng.random(slots) < 0.3


def test_the_ladder_in_one_pass_finds_the_paths_one_viterbi_per_bonus_finds():
    from harmonizer.variety import COLOUR_VARIETIES, expected_histogram, ladder_paths

    rng = np.random.default_rng(11)
    compared = impossible = held = 0
    for trial in range(300):
        lattice, open_chords, cadences = _sparse_lattice(rng, whole=trial % 2 == 0)
        held += lattice.hold is not None
        try:
            histogram = expected_histogram(lattice)
        except OptionError:  # no path at all: both searches must say so
            histogram = np.full(lattice.emission.shape[1], 1.0 / lattice.emission.shape[1])
        try:
            dense = [viterbi(with_variety(lattice, v, cadences, histogram)).chords for v in COLOUR_VARIETIES]
        except OptionError:
            impossible += 1
            with pytest.raises(OptionError, match="impossible"):
                ladder_paths(lattice, open_chords, cadences, histogram, COLOUR_VARIETIES)
            continue
        assert ladder_paths(lattice, open_chords, cadences, histogram, COLOUR_VARIETIES) == dense
        compared += 1
    assert compared > 200 and impossible > 0 and held > 100  # every kind of lattice was met


def test_the_colour_lattice_without_a_bonus_decodes_to_the_plain_path():
    # coloured_paths takes this for granted and does not decode it again
    from harmonizer.variety import coloured_paths, same_roots

    rng = np.random.default_rng(5)
    size = len(VOCABULARY)
    for trial in range(200):
        slots = int(rng.integers(1, 12))
        whole = trial % 2 == 0  # whole numbers: ties
        emission = (rng.integers(-4, 1, (slots, size)).astype(float) if whole
                    else rng.normal(size=(slots, size)))
        transition = (rng.integers(-2, 1, (size, size)).astype(float) if whole
                      else rng.normal(size=(size, size)))
        lattice = Lattice(emission, transition, np.zeros(size), np.zeros(size))
        plain = viterbi(lattice).chords
        assert viterbi(same_roots(lattice, plain)).chords == plain
        assert coloured_paths(BestPaths(lattice, np.zeros(slots, dtype=bool)))(0.0) == plain


def test_best_paths_decodes_a_sparse_ladder_at_once_and_the_same():
    lattice, ends = _lattice()
    open_chords = np.ones(lattice.emission.shape, dtype=bool)
    open_chords[:, 3] = False
    shut = Lattice(np.where(open_chords, lattice.emission, -np.inf), lattice.transition,
                   lattice.start, lattice.end)
    batched = BestPaths(shut, ends, open_chords=open_chords)
    batched.prepare(AUTO_VARIETIES)
    assert set(batched._paths) == set(AUTO_VARIETIES)  # all found in the one pass
    one_by_one = BestPaths(shut, ends)
    one_by_one.prepare(AUTO_VARIETIES)  # a dense lattice: nothing decoded before it is asked
    assert not one_by_one._paths
    assert [batched(v) for v in AUTO_VARIETIES] == [one_by_one(v) for v in AUTO_VARIETIES]
    assert len({batched(v) for v in AUTO_VARIETIES}) > 1  # the bonus did change the path
    with pytest.raises(ValueError, match="shape"):
        from harmonizer.variety import ladder_paths
        ladder_paths(shut, open_chords[:-1], ends, None, [0.0])


def test_colour_never_puts_a_minor_chord_under_a_hymn_in_major():
    from harmonizer.engine import harmonize_melody

    result = harmonize_melody(_hymn(), key="G", style="jazz", harmonic_rhythm="bar", variety=COLOUR)
    assert result.variety_mode == "colour"
    assert not [c.symbol for c in result.chords if c.root == 7 and c.quality.startswith("min")]


def test_long_notes_that_all_tie_are_kept_two_bars_apart_counted_from_the_end():
    from harmonizer.melody import Note
    from harmonizer.slots import _cadence_notes, _phrase_ends

    # A half note and two quarters in each of 16 bars: every half note is a phrase end for the
    # scorer; none is longer than another, too many to be cadences all (one per bar), and
    # dropping them all (as before) left only the last note: every other bar's, counted back
    # from the end, is kept (bars 14, 12, ..., 2: the four-bar phrases' ends among them).
    notes, onset = [], 0.0
    for _ in range(16):
        notes += [Note(60, onset, 2.0), Note(62, onset + 2, 1.0), Note(64, onset + 3, 1.0)]
        onset += 4.0
    ends = _phrase_ends(notes, 1.0)
    cadences = _cadence_notes(notes, ends, 1.0, 4.0)
    assert sum(ends) == 17 and cadences[-1]
    bars = [notes[i].onset // 4 + 1 for i, kept in enumerate(cadences[:-1]) if kept]
    assert bars == [2, 4, 6, 8, 10, 12, 14]
    # a dotted half in bar 8 (one quarter after it) is longer than the rest: it alone is kept
    notes[21] = Note(60, notes[21].onset, 3.0)
    notes[22:24] = [Note(64, notes[21].onset + 3, 1.0)]
    cadences = _cadence_notes(notes, _phrase_ends(notes, 1.0), 1.0, 4.0)
    assert cadences[21] and sum(cadences) == 2


def test_a_cadence_note_is_spared_for_as_long_as_it_is_held():
    from harmonizer.engine import harmonize_melody
    from harmonizer.midi_in import read_midi
    from harmonizer.slots import make_slots

    # Ode to Joy's bar 8 ends its phrase on a D held over beats 3 and 4: with a chord per beat
    # the bonus used to reach the second beat of it, and the cadence went I then IV.
    song = read_midi(EXAMPLES / "ode_to_joy.mid")
    melody, _ = song.melody()
    grid = make_slots(melody, song.key_signature, "beat")
    held = [slot.index for slot in grid.slots if slot.bar == 8 and slot.position >= 2.0]
    assert len(held) == 2 and grid.phrase_ends[held].tolist() == [True, False]
    assert grid.cadences[held].all()
    # at a bonus the style's decoding tries the cadence holds as it does with none, and arrives
    # on I (a bonus of 1 on every other slot may still pull the held slot's neighbours, and with
    # them the slot, elsewhere)
    plain = harmonize_melody(melody, key="D", style="classical", harmonic_rhythm="beat", variety=0.0)
    assert plain.chords[held[0]].symbol == "D"
    for variety in (0.15, 0.3):
        result = harmonize_melody(melody, key="D", style="classical", harmonic_rhythm="beat",
                                  variety=variety)
        assert [result.chords[i].symbol for i in held] == [plain.chords[i].symbol for i in held]
