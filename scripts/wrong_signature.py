"""How much a wrong key signature misleads key finding: a measurement for README's *Key*.

    python scripts/wrong_signature.py folk nottingham ../shared/data/nottingham
    python scripts/wrong_signature.py jazz openewld ../shared/data/openewld

Some programs write a C-major key signature into every MIDI file, whatever the music.  For each
song of a split (``--split``, default validation) that is not in C major or A minor, this finds the
key from the melody with the style's key model three times: with the song's own signature, with
none, and with a C-major one.  Prints how many keys each finds exactly.  The corpora's own
signatures are nearly all right; the key model learns how far to trust a blank one from the training songs
given it in place of their own (``fit.blank_share`` in ``models/key_model.json``).
"""

from __future__ import annotations

from _style_corpus import style_corpus_parser

from harmonizer.key_finding import estimate_key
from harmonizer.scorer import load_model
from harmonizer.theory import Key
from harmonizer.training.corpora import load_corpus
from harmonizer.training.dataset import split_of
from harmonizer.training.train import SEED

C_MAJOR = Key.from_tonic(0, "major")


def main() -> None:
    parser = style_corpus_parser(__doc__)
    parser.add_argument("--split", choices=("validation", "test"), default="validation")
    options = parser.parse_args()
    model = load_model(options.style).key_model
    songs = 0
    found = {"own signature": 0, "no signature": 0, "C-major signature": 0}
    for song in load_corpus(options.corpus, options.path):
        truth = song.key
        if split_of(song, SEED) != options.split or (truth.tonic, truth.mode) in ((0, "major"), (9, "minor")):
            continue  # C major's signature is right for C major and A minor
        songs += 1
        for name, signature in zip(found, (song.key_signature, None, C_MAJOR)):
            key = estimate_key(song.melody.notes, signature, model=model, meter=song.melody.meter).key
            found[name] += (key.tonic, key.mode) == (truth.tonic, truth.mode)
    print(f"{options.style} on {options.corpus} ({options.split}): {songs} songs not in C major or A minor")
    for name, count in found.items():
        print(f"  {name:<18} {count} / {songs} keys found exactly")


if __name__ == "__main__":
    main()
