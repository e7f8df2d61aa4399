"""Human-readable output: the chord chart a musician reads in the terminal."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from .engine import ChordChoice, Harmonization
from .midi_in import MelodyCandidate

__all__ = ["chord_chart", "summary"]

BARS_PER_LINE = 4


def chord_chart(chords: Sequence[ChordChoice], bars_per_line: int = BARS_PER_LINE) -> str:
    """Bars in rows of four: bar numbers, chord symbols, Roman numerals.

    A chord held over from the previous slot is shown as ``-`` so changes stand out.
    """
    bars: OrderedDict[int, list[ChordChoice]] = OrderedDict()
    for chord in chords:
        bars.setdefault(chord.bar, []).append(chord)
    cells = []
    previous = None
    for number, bar_chords in bars.items():
        symbols, numerals = [], []
        for chord in bar_chords:
            held = chord.symbol == previous
            symbols.append("-" if held else chord.symbol)
            numerals.append("" if held else chord.numeral)
            previous = chord.symbol
        width = max(max(len(s) for s in symbols + numerals) + 2, 6)
        label = "pickup" if number == 0 else str(number)
        cells.append((label, "".join(s.ljust(width) for s in symbols),
                      "".join(n.ljust(width) for n in numerals)))
    lines: list[str] = []
    for start in range(0, len(cells), bars_per_line):
        row = cells[start:start + bars_per_line]
        widths = [max(len(c[1]), len(c[2]), len(c[0]) + 1) for c in row]
        lines.append("  " + " ".join(c[0].ljust(w) for c, w in zip(row, widths)))
        lines.append("| " + "| ".join(c[1].ljust(w) for c, w in zip(row, widths)) + "|")
        lines.append("| " + "| ".join(c[2].ljust(w) for c, w in zip(row, widths)) + "|")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def summary(path: str, harmonization: Harmonization, melody: MelodyCandidate | None = None,
            candidates: Sequence[MelodyCandidate] = (), output: str | None = None) -> str:
    """What the terminal shows after harmonizing a file."""
    key = harmonization.key
    lines = [f"File:    {path}"]
    if melody is not None:
        lines.append(f"Melody:  {melody.describe()}, {melody.note_count} notes")
        if len(candidates) > 1:
            ranking = ", ".join(f"{c.track}:{c.name or '-'} ({c.score:+.2f})" for c in candidates[:5])
            lines.append(f"         ranking (track:name (score)): {ranking}")
    if key.from_user:
        lines.append(f"Key:     {key.key.name} (given)")
    else:
        lines.append(f"Key:     {key.key.name} (confidence {key.confidence:.2f}; runner-up "
                     f"{key.runner_up.name}, margin {key.margin:.3f}, {key.profile} profiles"
                     + (f" + {key.key_model} key model)" if key.key_model else ")"))
        signature = key.key_signature
        if signature is not None and key.overrules_signature:  # the file said otherwise: say so
            lines.append(f"         the file's key signature says {signature.name}; "
                         "the melody outweighed it (give --key to choose)")
    variety = f"{harmonization.variety:g}"
    if harmonization.variety_mode != "fixed":  # chosen for this piece: say how
        variety = f"{harmonization.variety_mode}, a bonus of {variety}"
    lines.append(f"Style:   {harmonization.style}; harmonic rhythm: {harmonization.harmonic_rhythm}; "
                 f"variety {variety}")
    if harmonization.mask_coverage is not None:
        lines.append(f"Mask:    target degrees cover {harmonization.mask_coverage:.0%} of the melody notes")
    lines.append("")
    lines.append(chord_chart(harmonization.chords))
    lines.append(f"Score:   {harmonization.overall_score:.3f}   Confidence: {harmonization.confidence:.3f}")
    if len(harmonization.alternatives) > 1:
        best = harmonization.alternatives[0]
        lines.append("Best progressions (probability of the whole progression; "
                     "slots that differ from the best shown):")
        for rank, progression in enumerate(harmonization.alternatives, 1):
            if rank == 1:
                text = " ".join(progression.numerals)
            else:
                text = " ".join(n if n != b else "." for n, b in zip(progression.numerals, best.numerals))
            if len(text) > 100:
                text = text[:97] + "..."
            lines.append(f"  {rank}. {progression.probability:.2e}  {text}")
    if output:
        lines.append(f"Wrote:   {output}")
    return "\n".join(lines)
