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
#: Most events (messages) in one MIDI file, over all its tracks.
MAX_MIDI_EVENTS = 2_000_000
#: Most bars in a piece (every bar holds at least one harmonic slot).
MAX_BARS = MAX_SLOTS
#: Most time-signature changes in a piece.
MAX_TIME_SIGNATURES = 1_000
#: Most measures in a MusicXML score, over all its parts.
MAX_MEASURES = 50_000
#: Most bars music21 is asked to notate or read in one part (MusicXML output of a MIDI file,
#: MusicXML input): its time grows with the square of the bars (an audit's MIDI file of one
#: note 33,000 bars in took minutes as MusicXML output); far past any song, hymn or movement.
MAX_NOTATION_BARS = 3_000
#: Most notes in a MusicXML score, over all its parts.
MAX_SCORE_NOTES = 500_000
