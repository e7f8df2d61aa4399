"""Lead-sheet chord symbols -> (root, quality, bass)."""

from __future__ import annotations

import pytest

from harmonizer.chords import QUALITIES
from harmonizer.training.labels import LabelStats, is_no_chord, parse_chord_symbol

C, D, E, F, G, A, B = 0, 2, 4, 5, 7, 9, 11

SPELLINGS = [
    # triads and the usual sevenths
    ("C", (C, "maj", None)),
    ("Cm", (C, "min", None)),
    ("Cmin", (C, "min", None)),
    ("Cmi", (C, "min", None)),
    ("C-", (C, "min", None)),
    ("C7", (C, "dom7", None)),
    ("Cmaj7", (C, "maj7", None)),
    ("CM7", (C, "maj7", None)),
    ("Cma7", (C, "maj7", None)),
    ("Cj7", (C, "maj7", None)),
    ("C^7", (C, "maj7", None)),
    ("CΔ", (C, "maj7", None)),
    ("Cm7", (C, "min7", None)),
    ("C-7", (C, "min7", None)),
    ("Cdim", (C, "dim", None)),
    ("C°", (C, "dim", None)),
    ("Co", (C, "dim", None)),
    ("Cdim7", (C, "dim7", None)),
    ("C°7", (C, "dim7", None)),
    ("Co7", (C, "dim7", None)),
    ("Cm7b5", (C, "hdim7", None)),
    ("C-7b5", (C, "hdim7", None)),
    ("Cø", (C, "hdim7", None)),
    ("Cø7", (C, "hdim7", None)),
    ("Caug", (C, "aug", None)),
    ("C+", (C, "aug", None)),
    ("Csus", (C, "sus4", None)),
    ("Csus4", (C, "sus4", None)),
    ("Csus2", (C, "sus2", None)),
    ("C7sus4", (C, "dom7sus4", None)),
    ("C9sus4", (C, "dom7sus4", None)),
    ("C6", (C, "maj6", None)),
    ("C6/9", (C, "maj6", None)),
    ("C69", (C, "maj6", None)),
    ("Cm6", (C, "min6", None)),
    ("Cm(maj7)", (C, "minmaj7", None)),
    ("CmMaj7", (C, "minmaj7", None)),
    ("C-j7", (C, "minmaj7", None)),
    # extensions and alterations reduce to the seventh chord
    ("C9", (C, "dom7", None)),
    ("C11", (C, "dom7", None)),
    ("C13", (C, "dom7", None)),
    ("Cmaj9", (C, "maj7", None)),
    ("Cm9", (C, "min7", None)),
    ("C-9", (C, "min7", None)),
    ("C7b9", (C, "dom7", None)),
    ("C7#9", (C, "dom7", None)),
    ("C7(#9,b13)", (C, "dom7", None)),
    ("C7alt", (C, "dom7", None)),
    ("C7+", (C, "dom7", None)),
    ("C+7", (C, "dom7", None)),
    ("Cadd9", (C, "maj", None)),
    ("C(add9)", (C, "maj", None)),
    ("Cmadd9", (C, "min", None)),
    # roots and slash basses
    ("Bb", (10, "maj", None)),
    ("B♭m", (10, "min", None)),
    ("F#", (6, "maj", None)),
    ("F#m7", (6, "min7", None)),
    ("Cb", (B, "maj", None)),
    ("C/E", (C, "maj", E)),
    ("C/G", (C, "maj", G)),
    ("Eb/G", (3, "maj", G)),
    ("Ab-6/Eb", (8, "min6", 3)),
    ("C/C", (C, "maj", None)),
    ("C-/Bb", (C, "min", 10)),
    # Nottingham (jukedeck) spellings
    ("Ed", (E, "dim", None)),
    ("Cd", (C, "dim", None)),
    ("D#d", (3, "dim", None)),
    ("Bbd", (10, "dim", None)),
    ("Ca", (C, "aug", None)),
    ("Ea", (E, "aug", None)),
    ("Fa7", (F, "dom7", None)),
    ("D/f+", (D, "maj", 6)),
    ("G/b", (G, "maj", B)),
    ("A7/c+", (A, "dom7", 1)),
    ("Em/d+", (E, "min", 3)),
    ("Gm/bb", (G, "min", 10)),
    ("Gm/b-", (G, "min", 10)),
    ("C/c", (C, "maj", None)),
    ("(E7)", (E, "dom7", None)),
    (" Em", (E, "min", None)),
    # Weimar Jazz Database spellings
    ("D-7", (D, "min7", None)),
    ("B-", (B, "min", None)),
    ("Bb-7", (10, "min7", None)),
    ("Ebj7911#", (3, "maj7", None)),
    ("F79b", (F, "dom7", None)),
    ("C79#11#", (C, "dom7", None)),
    ("Bb79b13b", (10, "dom7", None)),
    ("Fsus7913", (F, "dom7sus4", None)),
    ("Bbsus", (10, "sus4", None)),
    ("E6911#", (E, "maj6", None)),
    ("C-69", (C, "min6", None)),
    ("G+/Ab", (G, "aug", 8)),
]


@pytest.mark.parametrize(("text", "expected"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_spellings(text: str, expected: tuple[int, str, int | None]) -> None:
    assert parse_chord_symbol(text) == expected
    assert expected[1] in QUALITIES


UNKNOWN = [
    "",
    "X",
    "H7",
    "c",  # lower-case root: only basses are lower case
    "C5",  # power chord: no third
    "C2",
    "C7sus2",
    "Cm#5",
    "Cdimmaj7",
    "Cmaj7sus4",
    "C76",
    "C(b5)",
    "Comit3",
    "C/",
    "C/x",
    "C/9/E",
    "C/f+-",
    "Cmm",
    "Cdimm",
    "N.C.",
    "NC",
]


@pytest.mark.parametrize("text", UNKNOWN)
def test_unknown_labels_give_none(text: str) -> None:
    assert parse_chord_symbol(text) is None


@pytest.mark.parametrize("text", ["N", "NC", "N.C.", "n.c.", "(N.C.)", "No Chord", "none"])
def test_no_chord(text: str) -> None:
    assert is_no_chord(text)


@pytest.mark.parametrize("text", ["C", "Nm", "Em", "X"])
def test_not_no_chord(text: str) -> None:
    assert not is_no_chord(text)


def test_label_stats_counts_and_reports() -> None:
    stats = LabelStats()
    for text in ["G", "G", "D7", "Q7", "Q7", "C5", "NC"]:
        stats.parse(text)
    stats.add("It6", False)
    assert stats.mapped_count == 3
    assert stats.unknown_count == 4
    assert stats.no_chord_count == 1
    assert stats.total == 8
    assert stats.most_common_unknown(1) == [("Q7", 2)]
    summary = stats.summary()
    assert "3 mapped" in summary and "4 unknown" in summary and "'Q7' x2" in summary

    other = LabelStats()
    other.parse("G")
    other.merge(stats)
    assert other.mapped["G"] == 3
