"""Harmonize a music21 stream from a script: a Score (the melody part is found or chosen),
a Part, or any Stream of notes (which is the melody itself).

::

    from music21 import corpus
    from harmonizer.stream import harmonize_stream

    soprano = corpus.parse("bach/bwv66.6").parts[0]
    result = harmonize_stream(soprano, style="classical")
    result.stream.show("text")            # a copy of the part, with ChordSymbols
    result.harmonization.numerals         # ['i', 'V', ...]
    result.to_dict()                      # JSON-ready

The input is never changed; ``result.stream`` is a new stream.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from . import limits
from .engine import Harmonization, Weights, harmonize_melody
from .errors import InputError, InputWarning, NoMelodyError, OptionError
from .mask import create_scale_degree_mask
from .melody import Melody, skyline
from .midi_in import rank_melody_candidates
from .midi_out import DEFAULT_PROGRAM
from .musicxml_in import PartCandidate, part_key_signature, part_meter, part_notes, song_from_score
from .musicxml_out import (
    accompaniment_staves,
    add_chord_symbols,
    chord_symbols_of,
    drop_chord_symbols,
    kept_chord_symbols,
    place_chord_symbols,
    written_transposition,
)
from .theory import Key

if TYPE_CHECKING:
    from .variety import Variety

__all__ = ["StreamHarmonization", "harmonize_stream"]


@dataclass(frozen=True)
class StreamHarmonization:
    """What :func:`harmonize_stream` produced.

    ``stream`` is a new music21 stream with a ChordSymbol at every chord
    change (a Score when the input was a Score or when an accompaniment was
    asked for); ``harmonization`` holds the chords, Roman numerals, the three
    factors, confidence and alternative progressions; ``melody`` is what the
    engine heard; ``melody_part`` the index of the melody part in a Score input
    (``None`` for a Part or Stream input), ``candidates`` the ranked parts.
    """

    stream: Any  # music21.stream.Stream
    harmonization: Harmonization
    melody: Melody
    melody_part: int | None
    candidates: tuple[PartCandidate, ...] = ()

    @property
    def chords(self) -> tuple[Any, ...]:
        return self.harmonization.chords

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the harmonization (README schema) plus the melody part."""
        return {
            "melody_part": self.melody_part,
            "melody_source": self.melody.source,
            "melody_candidates": [asdict(c) for c in self.candidates],
            **self.harmonization.to_dict(),
        }


def _weights(weights: Weights | Sequence[float] | str | None) -> Weights | None:
    if weights is None or isinstance(weights, Weights):
        return weights
    if isinstance(weights, str):
        return Weights.parse(weights)
    values = list(weights)
    if len(values) != 3:
        raise OptionError(f"The weights must be three numbers (harmonic, voice leading, context). "
                          f"Got {weights!r}.")
    return Weights(*(float(v) for v in values))


def harmonize_stream(
    stream: Any,
    *,
    style: str = "classical",
    key: Key | str | None = None,
    harmonic_rhythm: str = "auto",
    target_degrees: Sequence[int | str] | None = None,
    accompaniment: bool = False,
    melody_part: int | None = None,
    weights: Weights | Sequence[float] | str | None = None,
    alternatives: int = 3,
    program: int = DEFAULT_PROGRAM,
    variety: Variety | None = None,
    replace_chords: bool = False,
) -> StreamHarmonization:
    """Harmonize a music21 Score, Part or Stream; the input is left untouched.

    A Score's melody part is the best-ranked one (the same ranking as MIDI
    tracks) unless ``melody_part`` (its index in ``score.parts``) is given.  A
    Part or Stream is the melody itself (several voices or chords are reduced
    to the top line).  Pitches are read at concert pitch; offsets are quarter
    notes from the start, pickup included.

    ``accompaniment`` adds a two-staff piano part playing the voiced chords (a
    Part or Stream input then comes back inside a new Score).  The other
    options are those of :func:`harmonizer.engine.harmonize_melody`;
    ``target_degrees`` like ``[1, 4, 5]`` or ``["1", "b3"]``; ``weights`` a
    :class:`~harmonizer.engine.Weights`, three numbers or ``"0.5,0.3,0.2"`` (default: the
    style's own, from its model card); ``variety`` 0..1, ``"auto"`` or ``"colour"`` (default: the
    style's own).  Chord symbols the melody already has (a lead sheet's) are kept beside ours,
    with an :class:`~harmonizer.errors.InputWarning` saying so, unless ``replace_chords``.

    Raises :class:`OptionError` for a bad option or a non-stream input,
    :class:`NoMelodyError` when there are no pitched notes, and the engine's
    errors.
    """
    from music21 import stream as m21stream

    if not isinstance(stream, m21stream.Stream) or isinstance(stream, m21stream.Opus):
        raise OptionError(f"harmonize_stream takes a music21 Score, Part or Stream. "
                          f"Got {type(stream).__name__}.")
    mask = create_scale_degree_mask(target_degrees) if target_degrees else None
    chosen_weights = _weights(weights)

    def harmonize(melody: Melody, key_signature: Key | None) -> Harmonization:
        return harmonize_melody(melody, key=key, key_signature=key_signature, style=style,
                                harmonic_rhythm=harmonic_rhythm, target_mask=mask,
                                weights=chosen_weights, alternatives=alternatives, variety=variety)

    if isinstance(stream, m21stream.Score):
        song = song_from_score(stream, "<music21 score>")
        melody, chosen = song.melody(melody_part)
        harmonization = harmonize(melody, song.key_signature)
        if not replace_chords:
            _warn_of_chords(len(chord_symbols_of(list(stream.parts)[chosen.track])), f"part {chosen.track}")
        result = add_chord_symbols(stream, chosen.track, harmonization.chords, accompaniment, program,
                                   replace_existing=replace_chords)
        return StreamHarmonization(result, harmonization, melody, chosen.track, song.candidates)
    if melody_part is not None:
        raise OptionError("melody_part chooses a part of a Score; this input is a "
                          f"{type(stream).__name__}, which is the melody itself.")
    notes = skyline(part_notes(stream))
    if not notes:
        raise NoMelodyError(f"the {type(stream).__name__} holds no pitched notes")
    if len(notes) > limits.MAX_MELODY_NOTES or notes[-1].end > limits.MAX_BEATS:
        raise InputError(f"the {type(stream).__name__} holds {len(notes)} notes over "
                         f"{notes[-1].end:.0f} beats; the limits are {limits.MAX_MELODY_NOTES} notes "
                         f"and {limits.MAX_BEATS:.0f} beats")
    name = str(getattr(stream, "partName", None) or "")
    ranked = rank_melody_candidates({(0, 0): notes}, {0: name})
    candidates = tuple(PartCandidate(**asdict(c)) for c in ranked)
    source = f"{type(stream).__name__.lower()}" + (f" '{name}'" if name else "")
    melody = Melody(tuple(notes), part_meter(stream), source=source)
    harmonization = harmonize(melody, part_key_signature(stream))
    copied = copy.deepcopy(stream)
    if replace_chords:
        drop_chord_symbols(copied)
    else:
        _warn_of_chords(len(chord_symbols_of(copied)), f"the {source}")
    place_chord_symbols(copied, harmonization.chords, written_transposition(copied))
    if accompaniment:
        score = m21stream.Score()
        score.insert(0, copied)
        treble, bass, group = accompaniment_staves(copied, harmonization.chords, program)
        score.insert(0, treble)
        score.insert(0, bass)
        score.insert(0, group)
        copied = score
    return StreamHarmonization(copied, harmonization, melody, None, candidates)


def _warn_of_chords(count: int, where: str) -> None:
    """Two sets of chord symbols in one part read as one progression: say when theirs are kept."""
    if count:
        warnings.warn(InputWarning(f"{where} {kept_chord_symbols(count)} (replace_chords=True writes "
                                   "ours alone)"), stacklevel=3)
