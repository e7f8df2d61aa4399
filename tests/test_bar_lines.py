"""Chord changes by place in the bar: counted as the training songs show them, turned into the
lattice's hold term, loaded from the card and heard in the engine's choices."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from harmonizer.bar_lines import BarChange, bar_starts, count_bar_changes
from harmonizer.errors import ModelError
from harmonizer.melody import Melody, Meter, Note, TimeSignature
from harmonizer.slots import make_slots
from harmonizer.theory import parse_key

MODELS = Path(__file__).resolve().parents[1] / "models"


def _melody(pitches: list[int], beats: float = 1.0, numerator: int = 4) -> Melody:
    notes = tuple(Note(pitch, i * beats, beats) for i, pitch in enumerate(pitches))
    return Melody(notes, Meter((TimeSignature(0.0, numerator, 4),)))


def test_bar_starts_tell_a_bar_s_first_slot_from_its_later_ones():
    grid = make_slots(_melody([60, 62, 64, 65] * 3), parse_key("C"), "half")
    assert len(grid) == 6
    assert bar_starts(grid).tolist() == [True, False, True, False, True, False]
    assert bar_starts(make_slots(_melody([60, 62, 64, 65] * 3), parse_key("C"), "bar")).all()


def test_changes_are_counted_per_place_smoothed_and_never_across_a_slot_without_a_chord():
    grid = make_slots(_melody([60, 62, 64, 65] * 4), parse_key("C"), "half")  # 8 slots
    # slot:     0  1  2  3     4  5  6  7   (even slots start a bar)
    labels = [0, 0, 3, 3, None, 5, 0, 0]
    rates = count_bar_changes([(grid, labels)])
    # at bar starts: slot 2 changes, slot 4 has no chord, slot 6 changes: 2 of 2
    # later in a bar: slot 1 holds, 3 holds, 5 comes after no chord, 7 holds: 0 of 3
    assert (rates.first_slots, rates.later_slots) == (2, 3)
    assert rates.first == pytest.approx(3 / 4) and rates.later == pytest.approx(1 / 5)
    assert rates.average == pytest.approx(3 / 7, abs=1e-5)  # the card keeps five decimals
    with pytest.raises(ValueError, match="bar lines"):
        count_bar_changes([(make_slots(_melody([60] * 8), parse_key("C"), "bar"), [0, 1])])


def test_the_hold_term_keeps_chords_inside_a_bar_and_moves_them_on_the_bar_line():
    grid = make_slots(_melody([60, 62, 64, 65] * 3), parse_key("C"), "half")
    rates = BarChange(first=0.6, later=0.2, average=0.4, first_slots=10, later_slots=10)
    hold = rates.hold_scores(grid, weight=0.5)
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    assert hold[0] == 0.0
    assert hold[2] == pytest.approx(-0.5 * (logit(0.6) - logit(0.4))) and hold[2] < 0  # move on
    assert hold[1] == pytest.approx(-0.5 * (logit(0.2) - logit(0.4))) and hold[1] > 0  # stay
    for bad in ({"first": 1.0}, {"later": 0.0}, {"average": True}, {"first_slots": -1}):
        with pytest.raises(ValueError):
            dataclasses.replace(rates, **bad)
    assert BarChange.from_dict(rates.to_dict()) == rates


def test_the_engine_changes_chord_where_the_style_s_bar_lines_say():
    from harmonizer.engine import harmonize_melody
    from harmonizer.scorer import load_model

    bundle = load_model("folk")
    # a tune whose melody moves every half bar, harmonized a chord per half bar
    melody = _melody([60, 64, 67, 65, 64, 62, 60, 59, 57, 60, 65, 69, 67, 65, 64, 62,
                      64, 67, 72, 71, 69, 67, 65, 62, 60, 64, 62, 59, 60, 60, 60, 60])
    starts = bar_starts(make_slots(melody, parse_key("C"), "half"))
    rates = {"none": None,
             "bar line": BarChange(first=0.999, later=0.001, average=0.3, first_slots=1, later_slots=1),
             "inside": BarChange(first=0.001, later=0.999, average=0.3, first_slots=1, later_slots=1)}
    places = {}
    for name, bar_change in rates.items():
        model = dataclasses.replace(bundle, bar_change=bar_change)
        result = harmonize_melody(melody, key="C", model=model, harmonic_rhythm="half", variety=0.0)
        chords = [(c.root, c.quality) for c in result.chords]
        assert len(chords) == len(starts) == 16
        changes = [t for t in range(1, len(chords)) if chords[t] != chords[t - 1]]
        places[name] = (sum(bool(starts[t]) for t in changes), sum(not starts[t] for t in changes))
    # (changes on a bar line, changes inside a bar): told that musicians change on the bar line,
    # the engine changes inside a bar less than with no rates at all; told the opposite, more
    # inside a bar and less on the bar line
    assert places["bar line"][1] < places["none"][1] < places["inside"][1]
    assert places["inside"][0] < places["none"][0] <= places["bar line"][0]


def test_a_card_s_bar_change_loads_and_a_broken_one_is_refused(tmp_path):
    from harmonizer.scorer import load_model

    card = json.loads((MODELS / "folk.json").read_text())
    cases = (({"first": 0.6, "later": 0.2, "average": 0.4, "first_slots": 5, "later_slots": 5}, None),
             ({"first": 1.5, "later": 0.2, "average": 0.4, "first_slots": 5, "later_slots": 5},
              "decoding.bar_change"),
             ({"first": 0.6}, "decoding.bar_change"),
             ([0.6, 0.2], "decoding.bar_change"))
    for number, (entry, message) in enumerate(cases):
        folder = tmp_path / str(number)  # a folder each: loaded bundles are kept per folder
        folder.mkdir()
        for name in ("folk.onnx", "key_model.json"):
            (folder / name).write_bytes((MODELS / name).read_bytes())
        (folder / "folk.json").write_text(json.dumps({**card, "decoding": {**card["decoding"],
                                                                           "bar_change": entry}}))
        if message is None:
            assert load_model("folk", directory=folder).bar_change == BarChange.from_dict(entry)
        else:
            with pytest.raises(ModelError, match=message):
                load_model("folk", directory=folder)
