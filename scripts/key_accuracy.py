"""Key-finding accuracy on the training corpora, per key profile (prints a table).

    python scripts/key_accuracy.py ../shared/data

Compares the estimated key of each melody with the key the corpus gives
(the K: field of the Nottingham ABC, the first key of the Bach analyses), from the melody
alone and with the source file's key signature as evidence (as the command line uses it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from harmonizer.key_finding import PROFILES, estimate_key
from harmonizer.training.corpora import load_corpus


def main(data: Path) -> None:
    corpora = {"nottingham": data / "nottingham", "bach": data / "when_in_rome"}
    print(f"{'corpus':<12}{'profile':<20}{'songs':>7}{'exact':>8}{'relative':>10}{'exact, signature':>18}")
    for name, path in corpora.items():
        songs = list(load_corpus(name, path))
        for profile in PROFILES:
            exact = relative = signed = 0
            for song in songs:
                found = estimate_key(song.melody.notes, profile=profile).key
                truth = song.key
                exact += (found.tonic, found.mode) == (truth.tonic, truth.mode)
                with_signature = estimate_key(song.melody.notes, song.key_signature, profile=profile).key
                signed += (with_signature.tonic, with_signature.mode) == (truth.tonic, truth.mode)
                major_of = lambda k: k.tonic if k.mode == "major" else (k.tonic + 3) % 12  # noqa: E731
                relative += major_of(found) == major_of(truth)
            print(f"{name:<12}{profile:<20}{len(songs):>7}{exact / len(songs):>8.3f}"
                  f"{relative / len(songs):>10.3f}{signed / len(songs):>18.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
