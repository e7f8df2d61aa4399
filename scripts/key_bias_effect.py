"""What a style's minor bias changes: keys found, and chord agreement with the keys found.

    python scripts/key_bias_effect.py classical bach ../shared/data/when_in_rome
    python scripts/key_bias_effect.py jazz openewld ../shared/data/openewld --split test
    python scripts/key_bias_effect.py jazz wjd ../shared/data/wjd --split test
    python scripts/key_bias_effect.py pop pop909 ../shared/data/pop909

Finds every song's key (melody and key signature, as the command line does) with the shipped key
model twice: its shared weights alone (what every style used before the biases; the weights are
fitted as before, so they are the same) and with the style's ``minor_bias``.  Prints the share of
the corpus's training songs in minor, the keys found exactly, each song whose key differs (with
its number of notes: agreement counts slots, so a long song weighs more), and the same-root
agreement with the human chords when the style's model harmonizes the songs in the key found.
The songs are split as training splits them (same seed); ``--split`` picks which (default:
validation).
"""

from __future__ import annotations

import dataclasses

from _style_corpus import style_corpus_parser

from harmonizer.engine import harmonize_melody
from harmonizer.key_finding import KeyModel, estimate_key
from harmonizer.scorer import load_model
from harmonizer.training.corpora import load_corpus
from harmonizer.training.dataset import prepare_song, split_of
from harmonizer.training.train import SEED
from harmonizer.vocabulary import VOCABULARY


def main() -> None:
    parser = style_corpus_parser(__doc__)
    parser.add_argument("--split", choices=("validation", "test"), default="validation")
    options = parser.parse_args()
    bundle = load_model(options.style)
    if bundle.key_model is None:
        raise SystemExit(f"{options.style} finds keys with the profiles alone: no bias to compare")
    models = {"shared": dataclasses.replace(bundle.key_model, minor_bias=0.0), "with bias": bundle.key_model}
    songs = {"train": [], "validation": [], "test": []}
    for song in load_corpus(options.corpus, options.path):
        songs[split_of(song, SEED)].append(song)
    minor = sum(song.key.mode == "minor" for song in songs["train"])
    print(f"{options.corpus}: {minor} of {len(songs['train'])} training songs in minor "
          f"({100 * minor / max(len(songs['train']), 1):.1f} %); {options.style}'s minor bias "
          f"{bundle.key_model.minor_bias:+.3f}")
    chosen = songs[options.split]
    found = {name: [_key(song, model) for song in chosen] for name, model in models.items()}
    for song, before, after in zip(chosen, found["shared"], found["with bias"]):
        if before != after:
            print(f"  {song.key.name:<10} shared {before.name:<10} with bias {after.name:<10} "
                  f"{len(song.melody.notes)} notes")
    for name, model in models.items():
        right = sum((k.tonic, k.mode) == (s.key.tonic, s.key.mode) for k, s in zip(found[name], chosen))
        print(f"{name:<10} keys found {right} of {len(chosen)} {options.split} songs; same root, keys found, "
              f"{100 * _root_agreement(chosen, dataclasses.replace(bundle, key_model=model)):.2f} %")


def _key(song, model: KeyModel):
    return estimate_key(song.melody.notes, song.key_signature, model=model, meter=song.melody.meter).key


def _root_agreement(songs, bundle) -> float:
    """Same-root agreement with the human chords over the labelled slots, keys found."""
    slots = same = 0
    for song in songs:
        prepared = prepare_song(song, per_beat=bundle.chord_per_beat)
        result = harmonize_melody(song.melody, key_signature=song.key_signature, style=bundle.style,
                                  harmonic_rhythm=prepared.grid.harmonic_rhythm, alternatives=1, model=bundle)
        for chord, label in zip(result.chords, prepared.labels):
            if label is not None:
                slots += 1
                same += chord.root == VOCABULARY[label].root_pitch_class(song.key)
    return same / max(slots, 1)


if __name__ == "__main__":
    main()
