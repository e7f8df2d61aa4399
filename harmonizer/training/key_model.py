"""Learn the key model the styles share, from every corpus's training songs.

``python -m harmonizer.training.key_model --corpus bach=../shared/data/when_in_rome
--corpus nottingham=../shared/data/nottingham --corpus pop909=../shared/data/pop909
--corpus openewld=../shared/data/openewld --check-corpus wjd-blues=../shared/data/wjd
--check-corpus openewld-blues=../shared/data/openewld --out models`` fits one
:class:`~harmonizer.key_finding.KeyModel` (:func:`~harmonizer.training.song_keys.fit_key_model`)
to the keys of the training songs of all the corpora together, and their openings, and
writes ``models/key_model.json``: the weights, their sha256, the command, the data, and the
keys found on each corpus's validation and test songs, by the profiles alone and with the
model.

One model for every style, not one per style: fitted on the 257 training chorales alone, the
classical model learned the chorales' habit of modal minor melodies that sound like the relative
major, and put the first phrase of "Ode to Joy" in B minor (``scripts/key_model_trials.py``
fits each corpus alone and all together and shows this).  Pooled, the corpora keep each other
honest.  Each training song is learned from twice, with its own key signature and with the
blank one (C major) that programs write by default, so that the model learns how little a blank
signature proves; the share of blank ones (:data:`BLANK_SHARES`) is chosen on validation songs
read both ways (:func:`~harmonizer.training.song_keys.fit_key_model`).
One number is each style's own: its ``minor_bias``, the log odds of minor it adds to
the shared model's, fitted to its corpora's training songs with the shared weights fixed
(:func:`~harmonizer.training.song_keys.fit_minor_bias`): nearly half the chorales and POP909
songs are in minor, under a tenth of the Nottingham tunes and OpenEWLD lead sheets, and a
melody that could be in either of two relative keys is better read with that in mind.  Each
style then uses the model, with its bias, only if it finds at least as many keys as the profiles
alone on its own corpora's validation songs and their openings (``styles`` in the card).  Blues
has no corpus to learn keys from (its solos' keys are estimated from their chords), so
``--check-corpus wjd-blues=... --check-corpus openewld-blues=...`` only decide for it (without
them it would follow jazz), and its ``minor_bias`` stays 0.  The songs are split exactly as the
style models split them
(:func:`~harmonizer.training.dataset.split_of`, same seed), so no style's test song is ever
learned from or decides anything.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import __version__
from ..errors import HarmonizerError, exit_code_for
from ..key_finding import KEY_MODEL_FEATURES, KeyModel
from ..midi_out import write_atomic
from ..scorer import KEY_MODEL_FILE, STYLES, key_model_digest
from .corpora import HarmonizedSong, LoadStats, corpus_pairs, load_corpus
from .dataset import split_of
from .song_keys import (
    KEY_MODEL_L2,
    KEY_MODEL_OPENINGS,
    KEY_MODEL_SHARED,
    accuracy,
    fit_key_models,
    fit_minor_bias,
    openings_of,
    with_openings,
)
from .train import SEED

__all__ = ["BLANK_SHARES", "CORPUS_STYLE", "STYLE_FOLLOWS", "main", "train_key_model"]

#: The shares of files with a default (blank) key signature the model is fitted for
#: (:func:`~harmonizer.training.song_keys.fit_key_model`'s ``blank_share``); validation chooses.
BLANK_SHARES: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)

#: The style each corpus is the training corpus of (its validation songs decide that style).
CORPUS_STYLE: dict[str, str] = {"bach": "classical", "nottingham": "folk", "pop909": "pop",
                                "openewld": "jazz", "wjd-blues": "blues", "openewld-blues": "blues"}
#: Styles with no corpus given, and the style whose decision they then follow.
STYLE_FOLLOWS: dict[str, str] = {"blues": "jazz"}


def _split(name: str, path: str, limit: int | None, seed: int, log: Callable[[str], None]
           ) -> dict[str, list[HarmonizedSong]]:
    stats = LoadStats(corpus=name)
    songs: dict[str, list[HarmonizedSong]] = {"train": [], "validation": [], "test": []}
    for song in load_corpus(name, path, limit=limit, stats=stats):
        songs[split_of(song, seed)].append(song)
    log(stats.summary())
    return songs


def train_key_model(corpora: Sequence[tuple[str, str]], out_dir: Path, *, limit: int | None = None,
                    seed: int = SEED, check_corpora: Sequence[tuple[str, str]] = (), command: str = "",
                    blank_shares: Sequence[float] = BLANK_SHARES, log: Callable[[str], None] = print) -> dict:
    """Fit, check and write the shared key model; returns its card.  ``check_corpora`` are
    not learned from: their validation songs only decide whether their style uses the model.
    ``blank_shares``: the shares of default signatures to fit for (validation picks one).
    Raises ``SystemExit`` when a corpus has no training or validation song."""
    started = time.perf_counter()
    splits: dict[str, dict[str, list[HarmonizedSong]]] = {}
    data: dict[str, dict[str, object]] = {}
    for name, path in [*corpora, *check_corpora]:
        songs = _split(name, path, limit, seed, log)
        learned_from = (name, path) in corpora
        if learned_from and (not songs["train"] or not songs["validation"]):
            raise SystemExit(f"{name}: no songs in its train or validation split: give more data "
                             "(or a larger --limit)")
        splits[name] = songs
        data[name] = {"path": str(path), "style": CORPUS_STYLE.get(name), "learned_from": learned_from,
                      **{split: len(songs[split]) for split in songs}}
    train = [song for name, _ in corpora for song in splits[name]["train"]]
    validation = [song for name, _ in corpora for song in splits[name]["validation"]]
    log(f"fitting the key model on {len(train)} training songs and their openings")
    model, report = _fit_for_blank_signatures(train, validation, blank_shares, log)
    if model is None:  # it lost to the profiles on the pooled validation songs: no style uses it
        log("the key model finds fewer keys than the profiles alone: every style keeps the profiles")
    # Each style's own share of minor keys, from its corpora's training songs; a style with no
    # corpus to learn from (blues) has nothing to set it by and keeps the shared model's balance.
    biases: dict[str, float] = {}
    if model is not None:
        for style in dict.fromkeys(CORPUS_STYLE[name] for name, _ in corpora if name in CORPUS_STYLE):
            songs_of_style = [song for name, _ in corpora if CORPUS_STYLE.get(name) == style
                              for song in splits[name]["train"]]
            biases[style] = fit_minor_bias(model, songs_of_style)
        for style in STYLES:
            biases.setdefault(style, 0.0)
        log(f"minor bias per style: { {s: round(b, 3) for s, b in biases.items()} }")

    def of_style(style: str | None) -> KeyModel | None:
        return None if model is None else dataclasses.replace(
            model, name=style or "", minor_bias=biases.get(style or "", 0.0))

    def found(examples: list, style: str | None) -> dict[str, float]:
        # "blank_signature": the style's model with every file's signature blank (C major), as
        # programs write by default, where the corpora's own are nearly all right.
        return {"profiles": accuracy(examples, None), "shared": accuracy(examples, model),
                "learned": accuracy(examples, of_style(style)),
                "learned_blank_signature": accuracy(examples, of_style(style), blank=True)}

    by_corpus: dict[str, dict[str, dict[str, float]]] = {}
    deciding: dict[str, list] = {}
    for name, songs in splits.items():
        corpus_style = CORPUS_STYLE.get(name)
        rows = {}
        for split in ("validation", "test"):
            for part, examples in ((split, songs[split]), (f"{split}_openings", openings_of(songs[split]))):
                rows[part] = found(examples, corpus_style)
        both = songs["validation"] + openings_of(songs["validation"])
        rows["validation_with_openings"] = found(both, corpus_style)
        by_corpus[name] = rows
        if corpus_style is not None:
            deciding.setdefault(corpus_style, []).extend(both)
        log(f"{name}: {rows}")
    # A style decides on the validation songs (and openings) of all its corpora together.
    decisions = {style: {"profiles": accuracy(examples, None), "learned": accuracy(examples, of_style(style))}
                 for style, examples in deciding.items()}
    styles = {style: model is not None and found["learned"] >= found["profiles"]
              for style, found in decisions.items()}
    for style in STYLES:
        styles.setdefault(style, styles.get(STYLE_FOLLOWS.get(style, ""), False))
    entry = None if model is None else model.as_card(biases)
    card = {
        "kind": "key model",
        "harmonizer_version": __version__,
        "command": command,
        "seconds": round(time.perf_counter() - started, 1),
        "model": entry,
        "sha256": key_model_digest(entry),
        "styles": styles,
        "rule": "multinomial logistic regression over the 24 keys on, for each key, "
                + ", ".join(KEY_MODEL_FEATURES)
                + f"; {', '.join(KEY_MODEL_SHARED)} weigh the same in both modes, the rest have a weight "
                  "per mode; weights shared by the 12 tonics of a mode; fitted by L-BFGS from zero "
                  f"(L2 {KEY_MODEL_L2}) to the keys of every corpus's training songs and of their openings "
                  f"(the first {' and '.join(f'{b:g}' for b in KEY_MODEL_OPENINGS)} beats, labelled with "
                  "the song's key), each of them twice: with its own key signature (weight 1 - blank_share) "
                  "and with a blank one, C major, as programs write by default whatever the music "
                  "(weight blank_share); blank_share is the one of "
                  f"{sorted(blank_shares)} whose model finds the most keys exactly among the validation "
                  "songs and their openings, with their own signatures and with blank ones, the two counted "
                  "alike (fit.blank_share_trials); then, the shared weights fixed, each style's minor_bias "
                  "(its own log odds of minor) fitted by maximum likelihood to its corpora's training songs "
                  "and openings. "
                  "A style uses it, with its minor_bias, where it finds at least as many keys exactly as the "
                  "profiles alone among its corpora's validation songs and their openings (corpora "
                  "given with --check-corpus only decide, and their style's minor_bias stays 0); a style "
                  "with no corpus given at all follows "
                  + ", ".join(f"{b} ({a})" for a, b in STYLE_FOLLOWS.items()),
        "data": {"seed": seed, "split": "song-level 80/10/10 by melody fingerprint (as the style models)",
                 "corpora": data},
        "metrics": {"pooled": report["accuracy"], "by_corpus": by_corpus,
                    "by_style_validation_with_openings": decisions},
        "fit": {k: v for k, v in report.items() if k != "accuracy"},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / KEY_MODEL_FILE
    write_atomic(target, lambda stream: stream.write((json.dumps(card, indent=1) + "\n").encode()))
    log(f"wrote {target}: styles {styles}")
    return card


def _fit_for_blank_signatures(train: list[HarmonizedSong], validation: list[HarmonizedSong],
                              shares: Sequence[float], log: Callable[[str], None]
                              ) -> tuple[KeyModel | None, dict[str, object]]:
    """The key model fitted for each of ``shares`` of default signatures, and the one that finds
    the most keys among the validation songs and their openings, counted twice: with their own
    signatures, and with every file's signature blank.  How many real files carry a default
    signature nobody knows; the two worlds weigh the same.  Equal counts: the smaller share (the
    fewer songs learned with a signature they do not have).  The report lists every fit."""
    if not shares:
        raise ValueError("Give at least one blank-signature share to fit the key model for.")
    examples = with_openings(validation)
    best: tuple[float, KeyModel | None, dict[str, object]] | None = None
    trials = []
    fits = fit_key_models(train, validation, sorted(shares), "shared")
    for share, (model, report) in zip(sorted(shares), fits):
        pooled = report["accuracy"]["validation_with_openings"]  # type: ignore[index]
        own = pooled["learned"] if model is not None else pooled["profiles"]
        blank = accuracy(examples, model, blank=True)
        trials.append({"blank_share": share, "own_signature": own, "blank_signature": blank,
                       "kept": report["kept"]})
        log(f"blank share {share:g}: validation with openings {own:.4f} with their own signatures, "
            f"{blank:.4f} with blank ones")
        score = round(own + blank, 4)  # shares of 4 decimals: equal counts compare equal
        if model is not None and (best is None or score > best[0]):
            best = (score, model, report)
    if best is None:  # no share beats the profiles: report the plain fit
        model, report = fits[0]
    else:
        _, model, report = best
    return model, {**report, "blank_share_trials": trials}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harmonizer.training.key_model",
        description="Learn the key model the styles share from the keys of real songs "
                    f"(writes {KEY_MODEL_FILE}).",
    )
    parser.add_argument("--corpus", action="append", required=True, metavar="NAME=PATH",
                        help="a corpus to learn from (repeatable); "
                             + ", ".join(f"{c} decides {s}" for c, s in CORPUS_STYLE.items()))
    parser.add_argument("--check-corpus", action="append", default=[], metavar="NAME=PATH",
                        help="a corpus not learned from, whose validation songs decide whether its style "
                             "uses the model (repeatable), e.g. wjd-blues=../shared/data/wjd")
    parser.add_argument("--out", type=Path, default=Path("models"),
                        help="folder for the card (default: models)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many songs per corpus")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    corpora = corpus_pairs(args.corpus, parser.error)
    command = "python -m harmonizer.training.key_model " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        train_key_model(corpora, args.out, limit=args.limit, seed=args.seed,
                        check_corpora=corpus_pairs(args.check_corpus, parser.error), command=command)
    except HarmonizerError as error:
        print(f"key_model: {error}", file=sys.stderr)
        return exit_code_for(error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
