"""Turn harmonized songs into the engine's own training rows.

Every song is cut into slots exactly as the engine cuts a melody at run time
(same key, same harmonic rhythm rule, same features); each slot's human
chord is the one that sounds longest in it, mapped into the vocabulary.
Slots whose human chord has no vocabulary match are counted, not hidden.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..chords import ChordLabel
from ..features import FEATURE_NAMES, build_features
from ..slots import SlotGrid, make_slots
from ..theory import Key, Mode
from ..vocabulary import VOCABULARY, map_to_vocabulary
from .corpora import HarmonizedSong, load_corpus

__all__ = ["SongSlots", "prepare_song", "prepared_splits", "label_for", "split_of", "melody_fingerprint",
           "ContextTables", "count_context", "count_sequences", "build_rows"]

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class SongSlots:
    """One song cut into slots, with the human chord index per slot (None = unmapped)."""

    song: HarmonizedSong
    grid: SlotGrid
    labels: tuple[int | None, ...]
    unmapped: tuple[str, ...]

    @property
    def mode(self) -> Mode:
        return self.song.key.mode


def melody_fingerprint(song: HarmonizedSong, length: int = 24) -> str:
    """The melody's first ``length`` intervals: the same tune (in any key, in any corpus
    file) gets the same fingerprint, so duplicates never straddle the split."""
    pitches = [n.pitch for n in song.melody.notes[: length + 1]]
    return ",".join(str(b - a) for a, b in zip(pitches, pitches[1:]))


def split_of(song: HarmonizedSong | str, seed: int = 0) -> str:
    """Song-level split, 80 / 10 / 10, fixed by a hash of the melody fingerprint and the seed."""
    identity = song if isinstance(song, str) else melody_fingerprint(song)
    digest = hashlib.sha256(f"{seed}:{identity}".encode()).digest()
    bucket = int.from_bytes(digest[:4], "big") % 10
    return "train" if bucket < 8 else ("validation" if bucket == 8 else "test")


def label_for(start: float, stop: float, chords: Sequence[ChordLabel]) -> ChordLabel | None:
    """The chord that sounds longest between ``start`` and ``stop`` (the first of equals): a
    slot's human chord, as training labels it; None where no chord sounds."""
    best, best_overlap = None, 0.0
    for chord in chords:
        if chord.end <= start or chord.onset >= stop:
            continue
        overlap = min(stop, chord.end) - max(start, chord.onset)
        if overlap > best_overlap + 1e-9:
            best, best_overlap = chord, overlap
    return best


def vocabulary_index(chord: ChordLabel | None, key: Key) -> int | None:
    if chord is None or chord.root is None:
        return None
    return map_to_vocabulary((chord.root - key.tonic) % 12, chord.quality)


def prepare_song(song: HarmonizedSong, harmonic_rhythm: str = "auto", per_beat: bool = False) -> SongSlots:
    """``song`` cut into slots as the engine cuts it for a style (``per_beat``: the style's
    ``chord_per_beat``), each slot labelled with its human chord."""
    grid = make_slots(song.melody, song.key, harmonic_rhythm, per_beat=per_beat)
    labels: list[int | None] = []
    unmapped: list[str] = []
    for slot in grid.slots:
        chord = label_for(slot.onset, slot.end, song.chords)
        index = vocabulary_index(chord, song.key)
        labels.append(index)
        if index is None:
            unmapped.append(chord.text if chord is not None else "<none>")
    return SongSlots(song, grid, tuple(labels), tuple(unmapped))


@dataclass
class ContextTables:
    """Counted chord statistics per mode, smoothed into log probabilities."""

    unigram: dict[str, np.ndarray] = field(default_factory=dict)
    transition: dict[str, np.ndarray] = field(default_factory=dict)
    start: dict[str, np.ndarray] = field(default_factory=dict)
    end: dict[str, np.ndarray] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def as_card(self) -> dict[str, dict[str, list | int]]:
        return {
            mode: {
                "log_prior": np.round(self.unigram[mode], 5).tolist(),
                "log_transition": np.round(self.transition[mode], 5).tolist(),
                "log_start": np.round(self.start[mode], 5).tolist(),
                "log_end": np.round(self.end[mode], 5).tolist(),
                "slots_counted": self.counts[mode],
            }
            for mode in ("major", "minor")
        }


def prepared_splits(corpus: str, path: str, seed: int, per_beat: bool,
                    splits: Sequence[str]) -> dict[str, list[SongSlots]]:
    """The songs of corpus ``corpus`` at ``path`` in each of ``splits`` (:func:`split_of` under
    ``seed``), cut into slots as a style cuts them (``per_beat``: its card's ``chord_per_beat``).
    A melody that cannot be cut is left out, as training leaves it out."""
    chosen: dict[str, list[SongSlots]] = {split: [] for split in splits}
    for song in load_corpus(corpus, path):
        split = split_of(song, seed)
        if split in chosen:
            try:
                chosen[split].append(prepare_song(song, per_beat=per_beat))
            except ValueError:
                continue
    return chosen


def count_context(songs: Iterable[SongSlots], smoothing: float = 0.1,
                  prior_strength: float = 5.0) -> ContextTables:
    """Unigram, bigram, start and end statistics per mode of the songs' slot labels.

    Transitions are smoothed towards the unigram (``prior_strength`` pseudo
    counts spread by chord frequency) so that a chord pair never seen still
    has a small, sensible probability.
    """
    return count_sequences(((song.mode, song.labels) for song in songs), smoothing, prior_strength)


def count_sequences(sequences: Iterable[tuple[Mode, Sequence[int | None]]], smoothing: float = 0.1,
                    prior_strength: float = 5.0) -> ContextTables:
    """:func:`count_context` of bare label sequences, one ``(mode, labels)`` per song: the same
    tables for anything that reads as chords per slot (a song's human chords, a blues form)."""
    size = len(VOCABULARY)
    tables = ContextTables()
    unigram = {m: np.full(size, smoothing) for m in ("major", "minor")}
    bigram = {m: np.zeros((size, size)) for m in ("major", "minor")}
    start = {m: np.full(size, smoothing) for m in ("major", "minor")}
    end = {m: np.zeros(size) for m in ("major", "minor")}  # smoothed below, towards the mode's rate
    for mode, labels in sequences:
        known = [label for label in labels if label is not None]
        for label in known:
            unigram[mode][label] += 1
        for previous, current in zip(labels, labels[1:]):
            if previous is not None and current is not None:
                bigram[mode][previous, current] += 1
        if known:
            start[mode][known[0]] += 1
            end[mode][known[-1]] += 1
    for mode in ("major", "minor"):
        prior = unigram[mode] / unigram[mode].sum()
        tables.unigram[mode] = np.log(prior)
        smoothed = bigram[mode] + prior_strength * prior[None, :]
        tables.transition[mode] = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
        tables.start[mode] = np.log(start[mode] / start[mode].sum())
        counted = unigram[mode].sum() - smoothing * size  # the chords counted, without smoothing
        # P(end | chord): how often a song's last chord is this one, per occurrence of it,
        # smoothed towards the mode's rate of ends per chord: smoothed by the same pseudo count
        # above and below, a chord never seen ended every piece (0.1 / 0.1), the likeliest last
        # chord of all
        rate = end[mode].sum() / max(counted, 1.0)
        tables.end[mode] = np.log(np.clip((end[mode] + smoothing * rate) / unigram[mode], 1e-4, 1.0))
        tables.counts[mode] = round(counted)  # round: float sums
    return tables


def build_rows(songs: Sequence[SongSlots], tables: ContextTables
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(features, is-human-chord, slot id, song id) for every labelled slot's candidates."""
    size = len(VOCABULARY)
    feature_blocks, target_blocks, slot_blocks, song_blocks = [], [], [], []
    slot_counter = 0
    for song_number, song in enumerate(songs):
        features, _ = build_features(song.grid, song.mode, tables.unigram[song.mode])
        features = features.reshape(len(song.grid), size, len(FEATURE_NAMES))
        keep = [t for t, label in enumerate(song.labels) if label is not None]
        if not keep:
            continue
        block = features[keep].reshape(-1, len(FEATURE_NAMES))
        targets = np.zeros((len(keep), size), dtype=np.int8)
        for row, t in enumerate(keep):
            targets[row, song.labels[t]] = 1
        feature_blocks.append(block)
        target_blocks.append(targets.reshape(-1))
        slot_blocks.append(np.repeat(np.arange(slot_counter, slot_counter + len(keep)), size))
        song_blocks.append(np.full(len(keep) * size, song_number))
        slot_counter += len(keep)
    if not feature_blocks:
        width = len(FEATURE_NAMES)
        return np.zeros((0, width), np.float32), np.zeros(0, np.int8), np.zeros(0, int), np.zeros(0, int)
    return (np.concatenate(feature_blocks), np.concatenate(target_blocks),
            np.concatenate(slot_blocks), np.concatenate(song_blocks))


def unmapped_counts(songs: Iterable[SongSlots]) -> Counter[str]:
    counter: Counter[str] = Counter()
    for song in songs:
        counter.update(song.unmapped)
    return counter
