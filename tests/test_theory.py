import pytest

from harmonizer.errors import OptionError
from harmonizer.theory import Degree, Key, degree_of, parse_degree, parse_key
from harmonizer.vocabulary import VOCABULARY, chord_index, map_to_vocabulary


@pytest.mark.parametrize(
    ("text", "tonic", "mode", "name"),
    [
        ("C", 0, "major", "C"),
        ("D minor", 2, "minor", "D"),
        ("Dm", 2, "minor", "D"),
        ("Bb major", 10, "major", "Bb"),
        ("F#m", 6, "minor", "F#"),
        ("c", 0, "minor", "C"),
        ("E-flat major", 3, "major", "Eb"),
        ("eb minor", 3, "minor", "Eb"),
    ],
)
def test_parse_key(text, tonic, mode, name):
    key = parse_key(text)
    assert (key.tonic, key.mode, key.tonic_name) == (tonic, mode, name)


@pytest.mark.parametrize("text", ["H major", "", "C lydian", "X", "C##"])
def test_impossible_keys_are_refused(text):
    with pytest.raises(OptionError, match="key"):
        parse_key(text)


def test_degrees_with_alterations():
    d_major = parse_key("D")
    assert str(degree_of(62, d_major)) == "1"
    assert str(degree_of(60, d_major)) == "b7"
    assert str(degree_of(68, d_major)) == "#4"
    a_minor = parse_key("A minor")
    assert str(degree_of(68, a_minor)) == "#7"  # G#: the raised leading tone
    assert str(degree_of(60, a_minor)) == "3"
    assert parse_degree("b3") == Degree(3, -1)
    assert parse_degree("♯4") == Degree(4, 1)
    with pytest.raises(OptionError):
        parse_degree(8)


@pytest.mark.parametrize(
    ("key", "root", "quality", "numeral", "symbol"),
    [
        ("G", 7, "dom7", "V7", "D7"),
        ("F", 10, "maj", "bVII", "Eb"),
        ("F", 2, "maj", "V/V", "G"),
        ("Eb", 5, "min", "iv", "Abm"),
        ("A minor", 7, "dom7", "V7", "E7"),
        ("A minor", 11, "dim", "vii°", "G#dim"),
        ("A minor", 10, "maj", "VII", "G"),
        ("C minor", 8, "maj", "VI", "Ab"),
        ("D", 11, "hdim7", "viiø7", "C#m7b5"),
        ("Bb", 6, "dim7", "vii°7/V", "Edim7"),
    ],
)
def test_vocabulary_numerals_and_symbols(key, root, quality, numeral, symbol):
    tonal = parse_key(key)
    chord = VOCABULARY[chord_index(root, quality)]
    assert chord.numeral(tonal.mode) == numeral
    assert chord.symbol(tonal) == symbol


def test_vocabulary_covers_the_required_families():
    major = {c.numeral("major") for c in VOCABULARY}
    minor = {c.numeral("minor") for c in VOCABULARY}
    assert {"I", "ii", "iii", "IV", "V", "vi", "vii°", "V7", "ii7", "Imaj7", "viiø7"} <= major
    assert {"V/V", "V7/V", "V/vi", "V/ii", "V7/IV", "bVII", "iv", "bVI"} <= major
    assert {"i", "ii°", "III", "iv", "V", "VI", "VII", "vii°", "V7", "vii°7"} <= minor


def test_a_blues_names_its_tonic_seventh_i7_where_other_styles_hear_a_secondary_dominant():
    tonic7 = VOCABULARY[chord_index(0, "dom7")]
    assert tonic7.numeral("major", "blues") == "I7"
    assert tonic7.numeral("major", "jazz") == tonic7.numeral("major") == "V7/IV"
    assert tonic7.numeral("minor", "blues") == "V7/iv"  # a minor blues sits on i7, not I7
    # every other chord keeps its one name in every style
    for chord in VOCABULARY:
        for mode in ("major", "minor"):
            if (chord.root, chord.quality, mode) != (0, "dom7", "major"):
                assert chord.numeral(mode, "blues") == chord.numeral(mode)


def test_labels_outside_the_vocabulary_are_reduced_not_dropped():
    assert map_to_vocabulary(0, "maj6") == chord_index(0, "maj")
    assert map_to_vocabulary(9, "min7") == chord_index(9, "min7")
    assert map_to_vocabulary(6, "min") is None  # #iv minor triad: counted as unmapped
    assert Key.from_tonic(6, "major").tonic_name == "F#"


def test_meter_bars_follow_time_signature_changes_in_time_order():
    from harmonizer.melody import Meter, TimeSignature

    # given out of order, and with a change in the middle of a bar (beat 6 of a 4/4 bar)
    meter = Meter((TimeSignature(6.0, 3, 4), TimeSignature(0.0, 4, 4)))
    bars = meter.bars(12.0)
    assert [(b.number, b.onset, b.length) for b in bars] == [
        (1, 0.0, 4.0), (2, 4.0, 2.0), (3, 6.0, 3.0), (4, 9.0, 3.0)]
    assert [b.time_signature.numerator for b in bars] == [4, 4, 3, 3]


def test_the_blues_sevenths_are_in_the_vocabulary_with_their_names():
    from harmonizer.theory import parse_key
    from harmonizer.vocabulary import VOCABULARY, chord_index, map_to_vocabulary

    four_seven, five_minor_seven = chord_index(5, "dom7"), chord_index(7, "min7")
    assert four_seven is not None and five_minor_seven is not None
    assert VOCABULARY[four_seven].numeral("major") == "IV7"
    assert VOCABULARY[four_seven].symbol(parse_key("F")) == "Bb7"
    assert VOCABULARY[five_minor_seven].numeral("minor") == "v7"
    assert VOCABULARY[five_minor_seven].symbol(parse_key("C minor")) == "Gm7"
    # a Bb7 in F is read as IV7 now, not reduced to its triad
    assert map_to_vocabulary(5, "dom7") == four_seven
    assert len({(c.root, c.quality) for c in VOCABULARY}) == len(VOCABULARY)


def test_an_unsorted_meter_gets_no_phantom_signature():
    from harmonizer.melody import Meter, TimeSignature

    meter = Meter((TimeSignature(4.0, 3, 4), TimeSignature(0.0, 4, 4)))
    assert [(ts.onset, ts.numerator) for ts in meter.time_signatures] == [(0.0, 4), (4.0, 3)]
