"""Why the key model is one model for every style: fit it on each corpus alone and on all of
them together, and print what each finds on its validation songs (and openings) and in the
first phrase of "Ode to Joy" (which ends on the second degree).

    python scripts/key_model_trials.py bach=../shared/data/when_in_rome nottingham=../shared/data/nottingham \
        pop909=../shared/data/pop909 openewld=../shared/data/openewld

The songs are split as the models split them (same seed); nothing is written.
"""

from __future__ import annotations

import sys

from harmonizer.key_finding import estimate_key
from harmonizer.melody import Meter, Note
from harmonizer.training.corpora import corpus_pairs, load_corpus
from harmonizer.training.dataset import split_of
from harmonizer.training.song_keys import fit_key_model
from harmonizer.training.train import SEED

# Ode to Joy's first phrase in D major, in 4/4 from a downbeat (as tests/test_notation_script.py).
ODE = [(66, 1), (66, 1), (67, 1), (69, 1), (69, 1), (67, 1), (66, 1), (64, 1),
       (62, 1), (62, 1), (64, 1), (66, 1), (66, 1.5), (64, 0.5), (64, 2)]


def ode_notes() -> list[Note]:
    notes, onset = [], 0.0
    for pitch, beats in ODE:
        notes.append(Note(pitch, onset, beats))
        onset += beats
    return notes


def main(specs: list[str]) -> int:
    corpora = corpus_pairs(specs, lambda message: sys.exit(message))
    splits = {}
    for name, path in corpora:
        songs: dict[str, list] = {"train": [], "validation": [], "test": []}
        for song in load_corpus(name, path):
            songs[split_of(song, SEED)].append(song)
        splits[name] = songs
    fits = {name: [name] for name in splits}
    if len(splits) > 1:
        fits["all together"] = list(splits)
    print("fitted on | kept by its validation | validation songs + openings, profiles -> model | "
          "Ode to Joy's first phrase (p)")
    for label, names in fits.items():
        train = [s for n in names for s in splits[n]["train"]]
        validation = [s for n in names for s in splits[n]["validation"]]
        model, report = fit_key_model(train, validation)
        found = report["accuracy"]["validation_with_openings"]
        # Not kept, the engine finds keys with the profiles alone: that is what is shown then.
        ode = estimate_key(ode_notes(), model=model, meter=Meter())
        phrase = f"{ode.key.name} ({ode.confidence:.2f})" + ("" if model is not None else ", profiles")
        print(f"{label} | {report['kept']} | {100 * found['profiles']:.1f} -> {100 * found['learned']:.1f} % "
              f"| {phrase}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
