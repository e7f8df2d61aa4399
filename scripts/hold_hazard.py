"""Would a decoder that knows how long a chord has lasted, and where in the bar it stands, agree
more with the human chords?  A measurement, not a feature of the engine.

    python scripts/hold_hazard.py pop pop909 ../shared/data/pop909
    python scripts/hold_hazard.py folk nottingham ../shared/data/nottingham

Stop 23 found that our harmonizations hold one root longer than musicians do (``root_runs.py``)
and named a duration- or metre-aware decoder as the next step.  This script tries it on the
validation songs (corpus key, the style's shipped scorer, factor weights and prior correction,
variety 0 so that only the chain differs).  From the training songs' human chords it counts the
*hazard*: the chance that the chord changes at a slot, given how many slots it has been held
(1, 2, 3, 4 or more) and the slot's place in its bar (its first slot, or a later one).  The
decoder's chain then adds, to every change of chord, ``gamma * w_c`` times the hazard's log odds
against the style's average chance of a change (``gamma`` 1 is the hazard taken at its word,
like the learned transitions; 0 is the shipped decoder), and keeps each chord's run length in
its state (chords x 4 states, Viterbi).  Three hazards are tried: by run length alone, by run
length and place in the bar, and by place in the bar alone (one run length: a bonus per slot on
changing chord, with no state added).

Prints, per hazard and ``gamma``: exact and same-root agreement, the longest run on one root as a
share of the song (ours / human, as ``root_runs.py``), and chord histogram entropy and coverage
per slot (ours / human).  At stop 24 the place in the bar alone, at ``gamma`` 1, raised same-root
agreement in every style (by 0.14 to 0.59 points); the full hazard helped jazz alone, and
brought the runs closer to the human's elsewhere only as agreement fell (docs/models.md, *A
duration-aware decoder*).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
from _style_corpus import style_corpus_parser
from root_runs import longest_run

from harmonizer.decoder import viterbi
from harmonizer.engine import Weights, build_lattice
from harmonizer.scorer import load_model
from harmonizer.training.dataset import SongSlots, prepared_splits
from harmonizer.training.decoding import path_agreement, song_fits
from harmonizer.training.train import SEED
from harmonizer.vocabulary import VOCABULARY

#: Run lengths counted: held 1, 2, 3 slots, and 4 or more.
RUNS = 4
GAMMAS = (0.0, 0.5, 1.0, 2.0)
#: The hazards tried: (name, run lengths told apart, by place in the bar).  With one run length
#: the hazard is the place's alone: a per-slot bonus on changing chord, no state added.
HAZARDS = (("run length", RUNS, False), ("run length and place in the bar", RUNS, True),
           ("place in the bar alone", 1, True))


def places(song: SongSlots) -> list[int]:
    """Each slot's place in its bar: 0 for the bar's first slot, 1 for any later one."""
    slots = song.grid.slots
    return [int(t > 0 and slots[t - 1].bar == slot.bar) for t, slot in enumerate(slots)]


def hazard(songs: list[SongSlots], runs: int, by_place: bool
           ) -> tuple[dict[tuple[int, int], float], float]:
    """P(the human chord changes | held ``run`` slots, place) over ``songs`` (add-one smoothed),
    and the average chance of a change; a slot without a human chord ends the run."""
    changed: Counter[tuple[int, int]] = Counter()
    seen: Counter[tuple[int, int]] = Counter()
    for song in songs:
        place, run = places(song), 0
        for t in range(1, len(song.labels)):
            before, after = song.labels[t - 1], song.labels[t]
            if before is None or after is None:
                run = 0
                continue
            run = min(run + 1, runs)
            cell = (run, place[t] if by_place else 0)
            seen[cell] += 1
            changed[cell] += before != after
            if before != after:
                run = 0
    average = sum(changed.values()) / max(sum(seen.values()), 1)
    return {cell: (changed[cell] + 1) / (seen[cell] + 2) for cell in seen}, average


def _log_odds(p: float) -> float:
    return float(np.log(p) - np.log1p(-p))


def decode(song: SongSlots, lattice, table, average: float, bonus_weight: float, runs: int,
           by_place: bool) -> list[int]:
    """The best path when every change of chord gains ``bonus_weight`` times the hazard's log odds
    against ``average``; states are (run length, chord), ``runs`` run lengths."""
    if bonus_weight == 0:
        return list(viterbi(lattice).chords)
    place = places(song)
    chords = lattice.transition.shape[0]
    stay = np.diag(lattice.transition).copy()
    move = lattice.transition.copy()
    np.fill_diagonal(move, -np.inf)
    scores = np.full((runs, chords), -np.inf)
    scores[0] = lattice.start + lattice.emission[0]
    pointers = []
    for t in range(1, len(song.grid)):
        new = np.full((runs, chords), -np.inf)
        back = np.zeros((runs, chords, 2), dtype=int)
        for run in range(runs):  # the chord goes on: its run grows
            longer = min(run + 1, runs - 1)
            candidate = scores[run] + stay
            better = candidate > new[longer]
            new[longer] = np.where(better, candidate, new[longer])
            back[longer][better] = np.stack([np.full(better.sum(), run), np.nonzero(better)[0]], axis=1)
        # the chord changes after ``run + 1`` slots: a run of 1 starts (with one run length, in
        # competition with the chord that goes on, which stays in that state)
        best, from_run, from_chord = new[0].copy(), back[0][:, 0].copy(), back[0][:, 1].copy()
        for run in range(runs):
            p = table.get((run + 1, place[t] if by_place else 0), average)
            gain = bonus_weight * (_log_odds(p) - _log_odds(average))
            moves = scores[run][:, None] + move + gain
            previous = moves.argmax(axis=0)
            value = moves[previous, np.arange(chords)]
            better = value > best
            best = np.where(better, value, best)
            from_run[better], from_chord[better] = run, previous[better]
        new[0] = best
        back[0] = np.stack([from_run, from_chord], axis=1)
        scores = new + lattice.emission[t][None, :]
        pointers.append(back)
    final = scores + lattice.end[None, :]
    run, chord = np.unravel_index(int(final.argmax()), final.shape)
    path = [int(chord)]
    for back in reversed(pointers):
        run, chord = back[run, chord]
        path.append(int(chord))
    return path[::-1]


def main() -> None:
    options = style_corpus_parser(__doc__).parse_args()
    bundle = load_model(options.style)
    splits = prepared_splits(options.corpus, options.path, SEED, bundle.chord_per_beat,
                             ("train", "validation"))
    songs = splits["validation"]
    weights = Weights(*bundle.weights).normalised()
    plain = dataclasses.replace(bundle, bar_change=None)  # the chain alone: the hazards replace it
    lattices = [build_lattice(fit, plain, song.mode, weights, song.grid)
                for fit, song in zip(song_fits(songs, bundle), songs)]
    print(f"{options.style} on {options.corpus}: {len(splits['train'])} training, {len(songs)} validation "
          f"songs; weights {bundle.weights}, prior correction {bundle.prior_correction}, variety 0")
    for number, (name, runs, by_place) in enumerate(HAZARDS):
        table, average = hazard(splits["train"], runs, by_place)
        cells = ", ".join(f"{run}{'' if not by_place else ('/first' if place == 0 else '/later')}: "
                          f"{p:.2f}" for (run, place), p in sorted(table.items()))
        print(f"hazard by {name} (average {average:.3f}): {cells}")
        for gamma in GAMMAS:
            if gamma == 0 and number:
                continue  # the same shipped decoder as the first hazard's
            paths = [decode(song, lattice, table, average, gamma * weights.contextual, runs, by_place)
                     for song, lattice in zip(songs, lattices)]
            figures = path_agreement(songs, paths)
            ours, human = [], []
            for song, path in zip(songs, paths):
                truth = [VOCABULARY[label].root for label in song.labels if label is not None]
                if len(truth) >= 4:
                    ours.append(longest_run([VOCABULARY[i].root for i in path]) / len(path))
                    human.append(longest_run(truth) / len(truth))
            print(f"  gamma {gamma:<4g} exact {figures['exact']:.2%}  same root {figures['root']:.2%}  "
                  f"longest root run {np.mean(ours):.3f} / {np.mean(human):.3f}  "
                  f"CHE {figures['che_ours']:.3f} / {figures['che_human']:.3f}  "
                  f"CC {figures['cc_ours']:.2f} / {figures['cc_human']:.2f}", flush=True)


if __name__ == "__main__":
    main()
