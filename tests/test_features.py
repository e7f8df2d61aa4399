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
    # two phrases of whole-bar notes with a bar's rest between them: the note before the rest
    # ends the first phrase, so the slot before it (not only the piece's penultimate) is marked
    pitches = [67, 65, 64, 62, None, 67, 64, 62, 67]
    notes = [Note(pitch=p, onset=4.0 * i, duration=4.0) for i, p in enumerate(pitches) if p]
    grid = make_slots(Melody(notes=tuple(notes)), key, "bar")
    features, _ = build_features(grid, key.mode, np.zeros(VOCABULARY_ARRAYS.size))
    rows = features.reshape(len(grid), VOCABULARY_ARRAYS.size, len(FEATURE_NAMES))
    marked = rows[:, 0, FEATURE_NAMES.index("before_phrase_end")]
    ends = [t for t, s in enumerate(grid.slots) if s.phrase_end]
    first_end = next(t for t, s in enumerate(grid.slots) if s.onset == 12.0)
    assert first_end in ends and ends[-1] == len(grid) - 1
    assert marked[first_end - 1] == 1.0 and marked[len(grid) - 2] == 1.0
    assert marked.sum() == len([t for t in ends if t > 0])
    assert (rows[:, :, FEATURE_NAMES.index("before_phrase_end")] == marked[:, None]).all()


def test_training_rows_are_the_engines_features_even_around_unlabelled_slots():
    """Training keeps only labelled slots, but computes the features on the whole song first:
    a neighbour column next to an unlabelled slot must still hold that slot's melody."""
    from harmonizer.chords import ChordLabel
    from harmonizer.training.corpora import HarmonizedSong
    from harmonizer.training.dataset import build_rows, count_sequences, prepare_song

    key = parse_key("C major")
    notes = tuple(Note(pitch=p, onset=4.0 * i, duration=4.0) for i, p in enumerate([60, 64, 65, 67, 60]))
    chords = (ChordLabel(onset=0.0, duration=4.0, root=0, quality="maj", text="C"),
              ChordLabel(onset=8.0, duration=4.0, root=5, quality="maj", text="F"),
              ChordLabel(onset=12.0, duration=4.0, root=7, quality="maj", text="G"),
              ChordLabel(onset=16.0, duration=4.0, root=0, quality="maj", text="C"))
    song = HarmonizedSong(corpus="test", song_id="s", melody=Melody(notes=notes), key=key, chords=chords)
    prepared = prepare_song(song, "bar")
    assert prepared.labels[1] is None  # bar 2 has no chord: unlabelled
    tables = count_sequences([("major", prepared.labels)])
    x, _, _, _ = build_rows([prepared], tables)
    engine, _ = build_features(prepared.grid, key.mode, tables.unigram["major"])
    engine = engine.reshape(len(prepared.grid), VOCABULARY_ARRAYS.size, len(FEATURE_NAMES))
    kept = [t for t, label in enumerate(prepared.labels) if label is not None]
    assert np.array_equal(x.reshape(len(kept), VOCABULARY_ARRAYS.size, -1), engine[kept])
    before = _block("previous_melody_above_root")
    assert engine[2, :, before].any()  # bar 3 sees bar 2's E although bar 2 is not a training row
