"""A lead sheet of the result: the melody on one staff, the chord symbols above it.

Used by ``--preview`` (and ``scripts/make_docs_images.py``): the picture shows what a
musician reads, whatever else the input file holds.  Needs music21 (imported lazily).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .engine import Harmonization
from .melody import Melody
from .theory import Key

__all__ = ["lead_sheet", "lead_sheet_musicxml"]


def _spelled(midi_pitch: int, scale_names: dict[int, str], flats: bool) -> Any:
    """``midi_pitch`` spelled from the key's scale; other notes as sharps, or flats in flat keys."""
    from music21 import pitch

    name = scale_names.get(midi_pitch % 12)
    if name is None:
        result = pitch.Pitch(midi=midi_pitch)
        if flats and result.accidental is not None and result.accidental.alter > 0:
            return result.getEnharmonic() or result
    for octave in range(-1, 10):  # B#3 is MIDI 60: find the octave that gives this pitch
        candidate = pitch.Pitch(name, octave=octave)
        if candidate.midi == midi_pitch:
            return candidate
    return pitch.Pitch(midi=midi_pitch)


def _exact(beats: float) -> Fraction:
    return Fraction(beats).limit_denominator(48)


def lead_sheet(melody: Melody, harmonization: Harmonization | None = None, title: str = "",
               tonal: Key | None = None) -> Any:
    """A music21 Score: ``melody`` in the key found (or ``tonal``), with ``harmonization``'s
    symbols at each chord change."""
    from music21 import clef, key, metadata, meter, note, stream

    from .musicxml_out import _fraction_of_quarters, chord_symbol

    part = stream.Part()
    if harmonization is not None:
        tonal = harmonization.key.key
    if tonal is not None:
        the_key = key.Key(tonal.tonic_name.replace("b", "-"), tonal.mode)
        part.insert(0, the_key)
        names = {p.pitchClass: p.name for p in the_key.getPitches()}
        flats = the_key.sharps < 0
    else:
        names, flats = {}, False
    signatures = melody.meter.time_signatures
    pickup = melody.meter.pickup
    if pickup > 0:
        # The pickup as its own short bar, the way notation programs write it in MIDI.
        numerator, denominator = _fraction_of_quarters(pickup)
        if numerator is not None:
            part.insert(0, meter.TimeSignature(f"{numerator}/{denominator}"))
            signatures = tuple(ts if ts.onset > 0 else type(ts)(pickup, ts.numerator, ts.denominator)
                               for ts in signatures)
    for signature in signatures:
        part.insert(signature.onset, meter.TimeSignature(f"{signature.numerator}/{signature.denominator}"))
    for item in melody.notes:
        # Exact fractions: float thirds would come out as strings of tiny rests and ties.
        written = note.Note(_spelled(item.pitch, names, flats), quarterLength=_exact(item.duration))
        part.insert(_exact(item.onset), written)
    # Chosen from the melody alone: the symbols' low pitches would pull it to the bass clef.
    part.insert(0, clef.bestClef(part.flatten().notes.stream(), recurse=False))
    previous = None
    for chord in harmonization.chords if harmonization is not None else ():
        if chord.symbol != previous:  # a lead sheet names a chord when it changes
            part.insert(_exact(chord.onset), chord_symbol(chord))
            previous = chord.symbol
    score = stream.Score()
    score.metadata = metadata.Metadata(title=title or None)
    score.insert(0, part.makeNotation())
    return score


def lead_sheet_musicxml(melody: Melody, harmonization: Harmonization | None = None, title: str = "",
                        tonal: Key | None = None) -> bytes:
    """The lead sheet as MusicXML bytes."""
    from .musicxml_out import score_to_musicxml

    return score_to_musicxml(lead_sheet(melody, harmonization, title, tonal))
