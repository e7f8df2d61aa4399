"""harmonizer: give a melody its chords.

Cheat sheet::

    from harmonizer import harmonize_file, harmonize_degrees

    result = harmonize_file("song.mid")            # writes song.harmonized.mid
    print(result.harmonization.symbols)            # ['D', 'A7', 'D', ...]

    degrees = harmonize_degrees([1, 6, 4, 5], key="G", style="classical")
    degrees.harmonization                          # ('I', 'vi', 'IV', 'V')

    from harmonizer import read_midi, estimate_key, harmonize_melody
    song = read_midi("song.mid")
    melody, track = song.melody()
    harmonize_melody(melody, key="D minor", harmonic_rhythm="half")

    from music21 import corpus                     # music21 scripts (music21 loaded lazily)
    result = harmonize_stream(corpus.parse("bach/bwv66.6").parts[0], style="classical")
    result.stream.show("text"); result.harmonization.numerals

Errors are in :mod:`harmonizer.errors`; every one names the file and the problem.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import DegreeHarmonization, FileResult, harmonize_degrees, harmonize_file
from .engine import ChordChoice, Harmonization, Progression, Weights, harmonize_melody
from .errors import (
    HarmonizerError,
    InputError,
    InputWarning,
    ModelError,
    NoMelodyError,
    OptionError,
    OutputError,
    UnsupportedInputError,
)
from .key_finding import KeyEstimate, estimate_key
from .mask import (
    create_scale_degree_mask,
    extract_target_degrees,
    harmonization_priorities,
    mask_coverage,
    match_pattern_to_mask,
)
from .melody import Melody, Meter, Note, TimeSignature
from .midi_in import MidiSong, read_midi
from .stream import StreamHarmonization, harmonize_stream
from .theory import Degree, Key, parse_key

__all__ = [
    "__version__",
    "harmonize_file",
    "harmonize_degrees",
    "harmonize_melody",
    "harmonize_stream",
    "StreamHarmonization",
    "read_midi",
    "estimate_key",
    "parse_key",
    "FileResult",
    "DegreeHarmonization",
    "Harmonization",
    "ChordChoice",
    "Progression",
    "Weights",
    "KeyEstimate",
    "Key",
    "Degree",
    "Note",
    "Melody",
    "Meter",
    "TimeSignature",
    "MidiSong",
    "create_scale_degree_mask",
    "extract_target_degrees",
    "match_pattern_to_mask",
    "mask_coverage",
    "harmonization_priorities",
    "HarmonizerError",
    "InputError",
    "InputWarning",
    "UnsupportedInputError",
    "NoMelodyError",
    "OptionError",
    "OutputError",
    "ModelError",
]
