"""Limits on what the harmonizer accepts, in one place.

They keep a hostile file from making us allocate or loop without bound; each is
checked before any work proportional to it is done.
"""

from __future__ import annotations

#: Largest input file we read, in bytes.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Most tracks in a MIDI file.
MAX_TRACKS = 1024
#: Most notes in one melody.
MAX_MELODY_NOTES = 200_000
#: Longest piece, in quarter-note beats (about 14 hours at 120 bpm).
MAX_BEATS = 100_000.0
#: Most harmonic slots one decoding handles.
MAX_SLOTS = 50_000
#: Most alternative progressions one may ask for.
MAX_ALTERNATIVES = 20
