"""The feature rows: what each column block holds, checked against the slots themselves."""

import numpy as np

from harmonizer.features import FEATURE_NAMES, VOCABULARY_ARRAYS, build_features
from harmonizer.melody import Melody, Note
from harmonizer.slots import make_slots
from harmonizer.theory import parse_key
from harmonizer.vocabulary import VOCABULARY


def _block(prefix: str) -> slice:
    columns = [i for i, name in enumerate(FEATURE_NAMES) if name.rsplit("_", 1)[0] == prefix]
    assert len(columns) == 12 and columns == list(range(columns[0], columns[0] + 12))
    return slice(columns[0], columns[-1] + 1)


def test_neighbour_columns_hold_the_previous_and_next_slots_melody_above_each_root():
    key = parse_key("C major")
    # C for a bar, E G for a bar, F for a bar: three half-bar pairs of slots with distinct melody
    notes = [Note(pitch=60, onset=0.0, duration=4.0), Note(pitch=64, onset=4.0, duration=2.0),
             Note(pitch=67, onset=6.0, duration=2.0), Note(pitch=65, onset=8.0, duration=4.0)]
    grid = make_slots(Melody(notes=tuple(notes)), key, "half")
    features, _ = build_features(grid, key.mode, np.zeros(VOCABULARY_ARRAYS.size))
    rows = features.reshape(len(grid), VOCABULARY_ARRAYS.size, len(FEATURE_NAMES))
    here, before, after = (_block("melody_above_root"), _block("previous_melody_above_root"),
                           _block("next_melody_above_root"))
    assert len(grid) >= 3
    assert np.array_equal(rows[1:, :, before], rows[:-1, :, here])
    assert np.array_equal(rows[:-1, :, after], rows[1:, :, here])
    assert not rows[0, :, before].any() and not rows[-1, :, after].any()
    # relative to each candidate's root: E (4 above C) sits 0 above the root of E minor
    e_minor = next(c.index for c in VOCABULARY if c.root == 4 and c.quality == "min")
    e_slot = next(t for t, s in enumerate(grid.slots) if s.onset == 4.0)
    assert rows[e_slot + 1, e_minor, before][0] > 0



def test_the_slot_before_a_phrase_end_is_marked_for_cadences():
    key = parse_key("G major")
    notes = [Note(pitch=67 - 2 * i, onset=4.0 * i, duration=4.0) for i in range(4)]
    grid = make_slots(Melody(notes=tuple(notes)), key, "bar")
    features, _ = build_features(grid, key.mode, np.zeros(VOCABULARY_ARRAYS.size))
    rows = features.reshape(len(grid), VOCABULARY_ARRAYS.size, len(FEATURE_NAMES))
    before = FEATURE_NAMES.index("before_phrase_end")
    ends = [s.phrase_end for s in grid.slots]
    assert ends[-1]
    expected = [float(ends[t + 1]) if t + 1 < len(ends) else 0.0 for t in range(len(ends))]
    assert rows[:, 0, before].tolist() == expected
    assert (rows[:, :, before] == rows[:, :1, before]).all()  # the same for every candidate
