"""Chord qualities: one documented set of names and their intervals.

These names are the ``quality`` field of the JSON output and the target of
every corpus label mapper.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["QUALITIES", "QUALITY_SUFFIX", "TRIAD_CLASS", "ChordLabel", "quality_from_pitch_classes"]

#: Intervals above the root, in semitones, of each quality.
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus4": (0, 5, 7),
    "sus2": (0, 2, 7),
    "dom7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "hdim7": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "minmaj7": (0, 3, 7, 11),
    "maj6": (0, 4, 7, 9),
    "min6": (0, 3, 7, 9),
    "dom7sus4": (0, 5, 7, 10),
}

#: The triad each quality sounds with its sevenths and sixths left out (sus chords apart): what
#: "same root and triad" compares, and what :data:`harmonizer.variety.COLOUR` may not change.
TRIAD_CLASS: dict[str, str] = {"maj": "maj", "dom7": "maj", "maj7": "maj", "maj6": "maj", "aug": "aug",
                               "min": "min", "min7": "min", "min6": "min", "minmaj7": "min",
                               "dim": "dim", "hdim7": "dim", "dim7": "dim",
                               "sus4": "sus", "sus2": "sus", "dom7sus4": "sus"}

#: How a lead sheet writes each quality after the root name.
QUALITY_SUFFIX: dict[str, str] = {
    "maj": "",
    "min": "m",
    "dim": "dim",
    "aug": "aug",
    "sus4": "sus4",
    "sus2": "sus2",
    "dom7": "7",
    "maj7": "maj7",
    "min7": "m7",
    "hdim7": "m7b5",
    "dim7": "dim7",
    "minmaj7": "m(maj7)",
    "maj6": "6",
    "min6": "m6",
    "dom7sus4": "7sus4",
}


@dataclass(frozen=True, slots=True)
class ChordLabel:
    """A chord as written by a person in a corpus, in absolute terms.

    ``root`` and ``bass`` are pitch classes (0 = C); ``root`` is ``None`` for
    "no chord".  ``quality`` is one of :data:`QUALITIES`.  ``text`` keeps the
    label as the corpus wrote it, for reports about unmapped labels.
    """

    onset: float
    duration: float
    root: int | None
    quality: str
    bass: int | None = None
    text: str = ""

    @property
    def end(self) -> float:
        return self.onset + self.duration


def quality_from_pitch_classes(
    pitch_classes: set[int] | frozenset[int], bass: int | None = None
) -> tuple[int, str] | None:
    """Name a set of pitch classes as (root, quality), or ``None`` if it is no known chord.

    Some sets have two readings (A C E G is Am7 or C6).  When ``bass`` is given
    the reading whose root is the bass wins; otherwise the first quality in
    :data:`QUALITIES` order that fits (so Am7 before C6).
    """
    pcs = frozenset(p % 12 for p in pitch_classes)
    readings: list[tuple[int, str]] = []
    for quality, intervals in QUALITIES.items():
        if len(intervals) != len(pcs):
            continue
        for root in range(12):
            if frozenset((root + i) % 12 for i in intervals) == pcs:
                readings.append((root, quality))
    if not readings:
        return None
    if bass is not None:
        for root, quality in readings:
            if root == bass % 12:
                return root, quality
    return readings[0]
