#!/usr/bin/env python3
"""Write the example melodies used to try out harmonizer.

Run from the repository root:

    python examples/make_examples.py

It needs only mido and writes three Standard MIDI Files next to this script:

    ode_to_joy.mid      Beethoven, "Ode to Joy" theme  (D major, 4/4, 16 bars)
    greensleeves.mid    "Greensleeves", verse + refrain (A minor, 6/8, 1/8 pickup bar)
    saints_band.mid     "When the Saints Go Marching In" for a small band
                        (F major, 4/4; the melody is track 3, "Lead Trumpet")

All three tunes are in the public domain (see README.md in this folder).

Notes are written as (name, beats) pairs, one list per bar. A beat is a
quarter note, also in 6/8. Note names use scientific pitch notation
(middle C = "C4" = MIDI 60; sharps "#", flats "b"). "r" is a rest, and a
trailing "~" ties a note to the next note of the same pitch.
"""

from pathlib import Path

import mido

OUT_DIR = Path(__file__).resolve().parent
PPQ = 480  # ticks per quarter note

# Durations in quarter-note beats.
W = 4        # whole
DH = 3       # dotted half
H = 2        # half
DQ = 1.5     # dotted quarter
Q = 1        # quarter
DE = 0.75    # dotted eighth
E = 0.5      # eighth
S = 0.25     # sixteenth

STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def note_number(name):
    """'F#4' -> 66, 'Bb1' -> 34, 'C4' -> 60 (middle C)."""
    letter, rest = name[0].upper(), name[1:]
    alter = 0
    while rest and rest[0] in "#b":
        alter += 1 if rest[0] == "#" else -1
        rest = rest[1:]
    return 12 * (int(rest) + 1) + STEPS[letter] + alter


def bar_lengths(meter):
    """meter: [(numerator, denominator, number_of_bars), ...] -> beats per bar."""
    lengths = []
    for num, den, count in meter:
        lengths += [num * 4 / den] * count
    return lengths


def bars_to_notes(bars, meter):
    """Turn per-bar (name, beats) lists into (start_beat, beats, midi_note) notes.

    Checks that every bar is exactly as long as its time signature says, and
    joins tied notes ("Bb4~" followed by "Bb4") into one long note.
    """
    lengths = bar_lengths(meter)
    assert len(bars) == len(lengths), f"{len(bars)} bars of music, {len(lengths)} in the meter"
    notes, beat, tie_open = [], 0.0, False
    for number, (bar, length) in enumerate(zip(bars, lengths)):
        total = sum(beats for _, beats in bar)
        assert abs(total - length) < 1e-9, f"bar {number}: {total} beats, expected {length}"
        for name, beats in bar:
            tied = name.endswith("~")
            name = name.rstrip("~")
            if name != "r":
                pitch = note_number(name)
                if tie_open:
                    assert notes[-1][2] == pitch, f"bar {number}: tie to a different pitch"
                    start, held, _ = notes[-1]
                    notes[-1] = (start, held + beats, pitch)
                else:
                    notes.append((beat, beats, pitch))
            tie_open = tied
            beat += beats
    return notes


def ticks(beats):
    return round(beats * PPQ)


def to_track(events):
    """events: (abs_tick, order, message) -> MidiTrack with delta times."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def conductor_track(title, bpm, meter, key):
    """Track 0: name, tempo, key signature and one time signature per meter change."""
    events = [
        (0, 0, mido.MetaMessage("track_name", name=title)),
        (0, 1, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))),
        (0, 2, mido.MetaMessage("key_signature", key=key)),
    ]
    beat = 0.0
    for num, den, count in meter:
        compound = den == 8 and num % 3 == 0 and num > 3
        click = 24 * 4 // den * (3 if compound else 1)  # MIDI clocks per metronome click
        events.append((ticks(beat), 3, mido.MetaMessage(
            "time_signature", numerator=num, denominator=den,
            clocks_per_click=click, notated_32nd_notes_per_beat=8)))
        beat += count * num * 4 / den
    return to_track(events)


def note_track(name, notes, channel, program=None, velocity=90):
    """notes: (start_beat, beats, midi_note[, velocity]) -> MidiTrack."""
    events = [(0, 0, mido.MetaMessage("track_name", name=name))]
    if program is not None:
        events.append((0, 1, mido.Message("program_change", channel=channel, program=program)))
    for note in notes:
        start, beats, pitch = note[:3]
        vel = note[3] if len(note) > 3 else velocity
        # order: note_off (2) sorts before note_on (3) at the same tick
        events.append((ticks(start), 3, mido.Message(
            "note_on", channel=channel, note=pitch, velocity=vel)))
        events.append((ticks(start + beats), 2, mido.Message(
            "note_off", channel=channel, note=pitch, velocity=0)))
    return to_track(events)


def save(filename, tracks):
    mid = mido.MidiFile(type=1, ticks_per_beat=PPQ)
    mid.tracks.extend(tracks)
    path = OUT_DIR / filename
    mid.save(path)
    print(f"wrote {path}")


# ---------------------------------------------------------------------------
# 1. Ode to Joy -- Ludwig van Beethoven, Symphony No. 9, finale (1824).
#    The 16-bar theme in D major, as it is usually played and taught
#    (A A' B A'). Beethoven's own score brings the last phrase in one beat
#    early (an F#4 tied over the bar line 12|13); this is the on-the-beat form.
# ---------------------------------------------------------------------------
ODE_PHRASE_A = [
    [("F#4", Q), ("F#4", Q), ("G4", Q), ("A4", Q)],
    [("A4", Q), ("G4", Q), ("F#4", Q), ("E4", Q)],
    [("D4", Q), ("D4", Q), ("E4", Q), ("F#4", Q)],
]
ODE_TO_JOY = (
    # bars 1-4: A, ending on the dominant (E = 2nd degree, over A major)
    ODE_PHRASE_A + [[("F#4", DQ), ("E4", E), ("E4", H)]]
    # bars 5-8: A', ending on the tonic
    + ODE_PHRASE_A + [[("E4", DQ), ("D4", E), ("D4", H)]]
    # bars 9-12: B
    + [
        [("E4", Q), ("E4", Q), ("F#4", Q), ("D4", Q)],            # 9
        [("E4", Q), ("F#4", E), ("G4", E), ("F#4", Q), ("D4", Q)],  # 10
        [("E4", Q), ("F#4", E), ("G4", E), ("F#4", Q), ("E4", Q)],  # 11
        [("D4", Q), ("E4", Q), ("A3", H)],                        # 12
    ]
    # bars 13-16: A' again
    + ODE_PHRASE_A + [[("E4", DQ), ("D4", E), ("D4", H)]]
)


def make_ode_to_joy():
    meter = [(4, 4, 16)]
    melody = bars_to_notes(ODE_TO_JOY, meter)
    save("ode_to_joy.mid", [
        conductor_track("Ode to Joy", bpm=120, meter=meter, key="D"),
        # A3 (bar 12) is below the flute's range, so: acoustic grand piano.
        note_track("Melody", melody, channel=0, program=0),
    ])


# ---------------------------------------------------------------------------
# 2. Greensleeves -- English traditional, 16th century.
#    Common 6/8 lead-sheet version in A minor: one-eighth pickup, then
#    8 bars of verse and 8 bars of refrain ("Greensleeves was all my joy").
#    The pickup is written as notation programs export it: a 1/8 bar,
#    then 6/8 from the first full bar on.
# ---------------------------------------------------------------------------
GREENSLEEVES = [
    [("A4", E)],                                                          # pickup (1/8)
    # verse
    [("C5", Q), ("D5", E), ("E5", DE), ("F5", S), ("E5", E)],             # 1
    [("D5", Q), ("B4", E), ("G4", DE), ("A4", S), ("B4", E)],             # 2
    [("C5", Q), ("A4", E), ("A4", DE), ("G#4", S), ("A4", E)],            # 3
    [("B4", Q), ("G#4", E), ("E4", Q), ("A4", E)],                        # 4
    [("C5", Q), ("D5", E), ("E5", DE), ("F5", S), ("E5", E)],             # 5
    [("D5", Q), ("B4", E), ("G4", DE), ("A4", S), ("B4", E)],             # 6
    [("C5", DE), ("B4", S), ("A4", E), ("G#4", DE), ("F#4", S), ("G#4", E)],  # 7
    [("A4", DQ), ("A4", DQ)],                                             # 8
    # refrain
    [("G5", DQ), ("G5", DE), ("F#5", S), ("E5", E)],                      # 9
    [("D5", Q), ("B4", E), ("G4", DE), ("A4", S), ("B4", E)],             # 10
    [("C5", Q), ("A4", E), ("A4", DE), ("G#4", S), ("A4", E)],            # 11
    [("B4", Q), ("G#4", E), ("E4", DQ)],                                  # 12
    [("G5", DQ), ("G5", DE), ("F#5", S), ("E5", E)],                      # 13
    [("D5", Q), ("B4", E), ("G4", DE), ("A4", S), ("B4", E)],             # 14
    [("C5", DE), ("B4", S), ("A4", E), ("G#4", DE), ("F#4", S), ("G#4", E)],  # 15
    [("A4", DQ), ("A4", DQ)],                                             # 16
]


def make_greensleeves():
    meter = [(1, 8, 1), (6, 8, 16)]
    melody = bars_to_notes(GREENSLEEVES, meter)
    save("greensleeves.mid", [
        # dotted quarter = 100, i.e. quarter = 150
        conductor_track("Greensleeves (traditional)", bpm=150, meter=meter, key="Am"),
        note_track("Greensleeves", melody, channel=0, program=73),  # flute
    ])


# ---------------------------------------------------------------------------
# 3. When the Saints Go Marching In -- African-American spiritual, trad.
#    F major, 4/4, 16 bars. The three pickup notes are written inside a
#    full first bar that starts with a quarter rest.
#    Changes: F (bars 1-7) | C7 | F | F | F7 | Bb | Bb | F | F C7 | F
# ---------------------------------------------------------------------------
SAINTS_MELODY = [
    [("r", Q), ("F4", Q), ("A4", Q), ("Bb4", Q)],   # 1  Oh when the
    [("C5", W)],                                    # 2  saints
    [("r", Q), ("F4", Q), ("A4", Q), ("Bb4", Q)],   # 3  go march-ing
    [("C5", W)],                                    # 4  in,
    [("r", Q), ("F4", Q), ("A4", Q), ("Bb4", Q)],   # 5  Oh when the
    [("C5", H), ("A4", H)],                         # 6  saints go
    [("F4", H), ("A4", H)],                         # 7  march-ing
    [("G4", W)],                                    # 8  in,
    [("r", Q), ("A4", Q), ("A4", Q), ("G4", Q)],    # 9  Oh Lord I
    [("F4", DH), ("F4", Q)],                        # 10 want to
    [("A4", H), ("C5", H)],                         # 11 be in
    [("C5", Q), ("Bb4~", DH)],                      # 12 that num-
    [("Bb4", H), ("A4", Q), ("Bb4", Q)],            # 13 -ber, when the
    [("C5", H), ("A4", H)],                         # 14 saints go
    [("F4", H), ("G4", H)],                         # 15 march-ing
    [("F4", W)],                                    # 16 in.
]

SAINTS_BASS = [  # root-fifth two-beat, walking into the chord changes
    [("F2", H), ("C2", H)],                         # 1  F
    [("F2", H), ("C2", H)],                         # 2  F
    [("F2", H), ("C2", H)],                         # 3  F
    [("F2", H), ("C2", H)],                         # 4  F
    [("F2", H), ("C2", H)],                         # 5  F
    [("F2", H), ("C2", H)],                         # 6  F
    [("F2", Q), ("A2", Q), ("Bb2", Q), ("B2", Q)],  # 7  F (walk up to C)
    [("C3", H), ("G2", H)],                         # 8  C7
    [("F2", H), ("C2", H)],                         # 9  F
    [("F2", H), ("C2", H)],                         # 10 F
    [("F2", Q), ("Eb2", Q), ("D2", Q), ("C2", Q)],  # 11 F7 (walk down to Bb)
    [("Bb1", H), ("F2", H)],                        # 12 Bb
    [("Bb1", Q), ("C2", Q), ("D2", Q), ("E2", Q)],  # 13 Bb (walk up to F)
    [("F2", H), ("C2", H)],                         # 14 F
    [("F2", H), ("C2", Q), ("E2", Q)],              # 15 F | C7
    [("F2", H), ("F1", H)],                         # 16 F
]

SAINTS_PIANO_LH = [  # chord roots on beats 1 and 3
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 1  F
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 2  F
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 3  F
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 4  F
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 5  F
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 6  F
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 7  F
    [("C3", Q), ("r", Q), ("C3", Q), ("r", Q)],     # 8  C7
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 9  F
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 10 F
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 11 F7
    [("Bb2", Q), ("r", Q), ("Bb2", Q), ("r", Q)],   # 12 Bb
    [("Bb2", Q), ("r", Q), ("Bb2", Q), ("r", Q)],   # 13 Bb
    [("F3", Q), ("r", Q), ("F3", Q), ("r", Q)],     # 14 F
    [("F3", Q), ("r", Q), ("C3", Q), ("r", Q)],     # 15 F | C7
    [("F3", W)],                                    # 16 F
]

KICK, SNARE, HIHAT = 36, 38, 42  # General MIDI drum map (channel 10)


def saints_drums(bars):
    """Kick on 1 and 3, snare on 2 and 4, closed hi-hat eighths; a snare
    fill at the end of bar 8 and a single hit to finish on bar 16."""
    hits = []  # (start_beat, beats, note, velocity)
    for bar in range(bars):
        start = bar * 4
        if bar == bars - 1:  # last bar: one hit on the downbeat
            hits += [(start, E, KICK, 110), (start, E, HIHAT, 90)]
            continue
        for eighth in range(8):
            hits.append((start + eighth * E, S, HIHAT, 80 if eighth % 2 == 0 else 60))
        hits += [(start + 0, S, KICK, 100), (start + 2, S, KICK, 95)]
        if bar == 7:  # fill: snare on 2, then eighths on 3 and 4
            hits += [(start + 1, S, SNARE, 90)]
            hits += [(start + 2 + i * E, S, SNARE, 70 + 8 * i) for i in range(4)]
        else:
            hits += [(start + 1, S, SNARE, 90), (start + 3, S, SNARE, 90)]
    return hits


def make_saints():
    meter = [(4, 4, 16)]
    save("saints_band.mid", [
        conductor_track("When the Saints Go Marching In", bpm=132, meter=meter, key="F"),
        note_track("Bass", bars_to_notes(SAINTS_BASS, meter), channel=1, program=33, velocity=95),
        note_track("Drums", saints_drums(16), channel=9),
        note_track("Lead Trumpet", bars_to_notes(SAINTS_MELODY, meter), channel=3, program=56, velocity=100),
        note_track("Piano LH", bars_to_notes(SAINTS_PIANO_LH, meter), channel=4, program=0, velocity=70),
    ])


if __name__ == "__main__":
    make_ode_to_joy()
    make_greensleeves()
    make_saints()
