"""Write docs/images/ode_to_joy_{before,after}.png: the melody alone, and with the chords
harmonizer gives it (run from the repository root; needs the [preview] extra).

    python scripts/make_docs_images.py
"""

from __future__ import annotations

from pathlib import Path

from harmonizer import harmonize_file, read_midi
from harmonizer.preview import render_preview
from harmonizer.render import lead_sheet_musicxml

SOURCE = Path("examples/ode_to_joy.mid")
OUT = Path("docs/images")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    melody, _ = read_midi(SOURCE).melody()
    result = harmonize_file(SOURCE, write=False)
    before = lead_sheet_musicxml(melody, None, title="Ode to Joy: the melody",
                                 tonal=result.harmonization.key.key)
    after = lead_sheet_musicxml(melody, result.harmonization, title="Ode to Joy: harmonized")
    print(render_preview(before, OUT / "ode_to_joy_before.png"))
    print(render_preview(after, OUT / "ode_to_joy_after.png"))


if __name__ == "__main__":
    main()
