"""The six objective harmonization metrics of Yeh et al. (2021), implemented once.

Every metric reads our own types: a :class:`~harmonizer.melody.Melody` and a chord sequence of
:class:`TimedChord` (onset, duration, root pitch class, quality), times in quarter-note beats;
the quality is one of :data:`harmonizer.chords.QUALITIES`.  The same functions score our
output, the baselines and the human chords, so the numbers compare with each other; they do
**not** compare with the numbers printed in the paper or computed by other code (different
data, chord vocabularies, time grids and implementation choices).

Chord progression metrics
    * :func:`chord_histogram_entropy` (CHE): entropy of the chord-label histogram, **natural
      log** (nats).  Each chord counts by its duration in beats, so a chord written twice in a
      row counts like the same chord written once for the same time; on a sequence of equal
      slots (what :mod:`~harmonizer.evaluation.evaluate` passes: one chord per bar, half bar or,
      for the classical style, beat) this is the paper's count per slot.
    * :func:`chord_coverage` (CC): the number of distinct chord labels (root and quality).
    * :func:`chord_tonal_distance` (CTD): the mean tonal distance between consecutive entries
      of the sequence (a repeated chord adds a distance of 0, as in the paper's per-half-bar
      sequences), so it depends on the grid the caller uses: pass every system's chords on
      the same grid.

Chord/melody harmonicity metrics, duration weighted: each melody note is cut where the chords
change, and each piece counts by its length in beats (the paper counts 16th-note frames; for
notes on a 16th grid this is the same, without quantizing triplets).  Melody time under no
chord (before the first chord, under "no chord") is left out, like rests.

    * :func:`chord_tone_ratio` (CTnCTR): ``(n_c + n_p) / (n_c + n_n)``: chord-tone time
      ``n_c``, non-chord-tone time ``n_n``, of which ``n_p`` is "proper": the next melody note
      of another pitch is at most two semitones away.  (The authors' code also requires that
      next note to be a tone of the same chord; we follow the paper's text.)
    * :func:`pitch_consonance_score` (PCS): for each melody piece and each tone of its chord,
      the interval from the chord tone up to the melody note, folded into an octave, scores +1
      for unison, minor and major thirds, perfect fifth, minor and major sixths, 0 for a perfect
      fourth and -1 otherwise; the score is the duration-weighted mean over all (piece, chord
      tone) pairs.  The chord is taken to sound below the melody, so a melody note a fourth
      above a chord tone scores 0 even when it is a fifth below another octave of it.
    * :func:`melody_chord_tonal_distance` (MCTD): the duration-weighted mean tonal distance
      between each melody note and its chord.

Tonal distance is the Euclidean distance between the 6-dimensional tonal centroids of Harte
et al. (2006) of two pitch-class sets (circle of fifths, of minor thirds and of major thirds,
radii 1, 1 and 0.5; each set weighted uniformly).

References
----------
Yeh, Y.-C., Hsiao, W.-Y., Fukayama, S., Kitahara, T., Genchel, B., Liu, H.-M., Dong, H.-W.,
Chen, Y., Leong, T., & Yang, Y.-H. (2021). Automatic melody harmonization with triad chords:
A comparative study. *Journal of New Music Research* 50(1), 37-51 (arXiv:2001.02360).

Harte, C., Sandler, M., & Gasser, M. (2006). Detecting harmonic change in musical audio.
*Proc. 1st ACM Workshop on Audio and Music Computing Multimedia*, 21-26.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ..chords import QUALITIES
from ..melody import Melody

__all__ = [
    "TimedChord",
    "tonal_centroid",
    "tonal_distance",
    "chord_histogram_entropy",
    "chord_coverage",
    "chord_tonal_distance",
    "chord_tone_ratio",
    "pitch_consonance_score",
    "melody_chord_tonal_distance",
    "all_metrics",
    "METRIC_NAMES",
]

_EPS = 1e-9
#: Score of the interval (semitones, folded) from a chord tone up to the melody note.
CONSONANCE: tuple[int, ...] = (1, -1, -1, 1, 1, 0, -1, 1, 1, 1, -1, -1)
METRIC_NAMES: tuple[str, ...] = ("CHE", "CC", "CTD", "CTnCTR", "PCS", "MCTD")


class TimedChord(NamedTuple):
    """A chord over time: onset and duration in beats, root pitch class (0 = C), quality."""

    onset: float
    duration: float
    root: int
    quality: str

    @property
    def end(self) -> float:
        return self.onset + self.duration

    @property
    def pitch_classes(self) -> frozenset[int]:
        return _pitch_classes(self.root % 12, self.quality)


@lru_cache(maxsize=512)
def _pitch_classes(root: int, quality: str) -> frozenset[int]:
    try:
        intervals = QUALITIES[quality]
    except KeyError:
        raise ValueError(f"The chord quality must be one of {sorted(QUALITIES)}. Got {quality!r}.") from None
    return frozenset((root + i) % 12 for i in intervals)


# Harte et al. (2006): angles of the circle of fifths, minor thirds and major thirds, radii.
_ANGLES = (7 * math.pi / 6, 3 * math.pi / 2, 2 * math.pi / 3)
_RADII = (1.0, 1.0, 0.5)
_PHI = np.array([
    [r * f(pc * a) for a, r in zip(_ANGLES, _RADII) for f in (math.sin, math.cos)]
    for pc in range(12)
])  # (12, 6)


@lru_cache(maxsize=4096)
def _centroid(pitch_classes: frozenset[int]) -> tuple[float, ...]:
    if not pitch_classes:
        raise ValueError("A tonal centroid needs at least one pitch class.")
    rows = _PHI[sorted(pitch_classes)]
    return tuple(rows.mean(axis=0).tolist())


def tonal_centroid(pitch_classes: Iterable[int]) -> np.ndarray:
    """The 6-D tonal centroid (Harte et al. 2006) of a pitch-class set, each class weighted 1."""
    return np.array(_centroid(frozenset(p % 12 for p in pitch_classes)))


def tonal_distance(a: Iterable[int], b: Iterable[int]) -> float:
    """Euclidean distance between the tonal centroids of two pitch-class sets."""
    return float(np.linalg.norm(tonal_centroid(a) - tonal_centroid(b)))


def _sorted_chords(chords: Iterable[Sequence]) -> list[TimedChord]:
    timed = [TimedChord(float(c[0]), float(c[1]), int(c[2]) % 12, str(c[3])) for c in chords]
    for chord in timed:
        if chord.duration < 0:
            raise ValueError(f"A chord's duration must be >= 0. Got {chord.duration} at {chord.onset}.")
        _pitch_classes(chord.root, chord.quality)  # refuse an unknown quality early
    return sorted(timed, key=lambda c: c.onset)


def chord_histogram_entropy(chords: Iterable[Sequence]) -> float:
    """CHE in nats: entropy of the duration-weighted histogram of (root, quality) labels.

    0 for one chord throughout; ``log(k)`` for ``k`` chords of equal total time.  NaN for no
    chord time at all.
    """
    weights: defaultdict[tuple[int, str], float] = defaultdict(float)
    for chord in _sorted_chords(chords):
        weights[(chord.root, chord.quality)] += chord.duration
    total = sum(weights.values())
    if total <= _EPS:
        return math.nan
    entropy = -sum((w / total) * math.log(w / total) for w in weights.values() if w > 0)
    return max(entropy, 0.0)


def chord_coverage(chords: Iterable[Sequence]) -> int:
    """CC: how many distinct (root, quality) labels sound for some time."""
    return len({(c.root, c.quality) for c in _sorted_chords(chords) if c.duration > _EPS})


def chord_tonal_distance(chords: Iterable[Sequence]) -> float:
    """CTD: mean tonal distance between consecutive chords of the sequence (0 for one chord)."""
    timed = _sorted_chords(chords)
    if len(timed) < 2:
        return 0.0 if timed else math.nan
    distances = [tonal_distance(a.pitch_classes, b.pitch_classes) for a, b in zip(timed, timed[1:])]
    return float(np.mean(distances))


def _pieces(melody: Melody, chords: Sequence[TimedChord]) -> list[tuple[int, int, float, TimedChord]]:
    """(note index, pitch, overlap in beats, chord) for every stretch of a note under a chord."""
    onsets = [c.onset for c in chords]
    pieces = []
    for index, note in enumerate(melody.notes):
        position = max(bisect.bisect_right(onsets, note.onset + _EPS) - 1, 0)
        while position < len(chords) and chords[position].onset < note.end - _EPS:
            chord = chords[position]
            overlap = min(note.end, chord.end) - max(note.onset, chord.onset)
            if overlap > _EPS:
                pieces.append((index, note.pitch, overlap, chord))
            position += 1
    return pieces


def _next_other_pitch(melody: Melody) -> list[int | None]:
    """For each note, the pitch of the next note of another pitch (None at the end)."""
    notes = melody.notes
    following: list[int | None] = [None] * len(notes)
    for index in range(len(notes) - 2, -1, -1):
        after = notes[index + 1].pitch
        following[index] = after if after != notes[index].pitch else following[index + 1]
    return following


def chord_tone_ratio(melody: Melody, chords: Iterable[Sequence]) -> float:
    """CTnCTR in [0, 1]: 1 when every note is a chord tone or a proper non-chord tone.

    NaN when no melody note sounds under a chord.
    """
    timed = _sorted_chords(chords)
    following = _next_other_pitch(melody)
    chord_time = other_time = proper_time = 0.0
    for index, pitch, overlap, chord in _pieces(melody, timed):
        if pitch % 12 in chord.pitch_classes:
            chord_time += overlap
            continue
        other_time += overlap
        nxt = following[index]
        if nxt is not None and abs(nxt - pitch) <= 2:
            proper_time += overlap
    if chord_time + other_time <= _EPS:
        return math.nan
    return (chord_time + proper_time) / (chord_time + other_time)


def pitch_consonance_score(melody: Melody, chords: Iterable[Sequence]) -> float:
    """PCS in [-1, 1]: duration-weighted mean consonance of melody notes with their chord tones.

    NaN when no melody note sounds under a chord.
    """
    timed = _sorted_chords(chords)
    total = weight = 0.0
    for _, pitch, overlap, chord in _pieces(melody, timed):
        for tone in chord.pitch_classes:
            total += overlap * CONSONANCE[(pitch - tone) % 12]
            weight += overlap
    return total / weight if weight > _EPS else math.nan


def melody_chord_tonal_distance(melody: Melody, chords: Iterable[Sequence]) -> float:
    """MCTD: duration-weighted mean tonal distance between each melody note and its chord.

    NaN when no melody note sounds under a chord.
    """
    timed = _sorted_chords(chords)
    total = weight = 0.0
    for _, pitch, overlap, chord in _pieces(melody, timed):
        total += overlap * tonal_distance((pitch,), chord.pitch_classes)
        weight += overlap
    return total / weight if weight > _EPS else math.nan


def all_metrics(melody: Melody, chords: Iterable[Sequence]) -> dict[str, float]:
    """The six metrics of one song, keyed by :data:`METRIC_NAMES`."""
    timed = _sorted_chords(chords)
    return {
        "CHE": chord_histogram_entropy(timed),
        "CC": float(chord_coverage(timed)),
        "CTD": chord_tonal_distance(timed),
        "CTnCTR": chord_tone_ratio(melody, timed),
        "PCS": pitch_consonance_score(melody, timed),
        "MCTD": melody_chord_tonal_distance(melody, timed),
    }
