"""The command line the trial scripts share: a style, a corpus name and the corpus's path."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from harmonizer.training.corpora import load_corpus
from harmonizer.training.dataset import SongSlots, prepare_song, split_of
from harmonizer.training.train import SEED


def style_corpus_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser with the positional ``style``, ``corpus`` and ``path``, ``doc`` as its help."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("style", help="the style whose shipped model and card are used")
    parser.add_argument("corpus", help="the corpus's loader name, e.g. pop909")
    parser.add_argument("path", help="the corpus's folder, e.g. ../shared/data/pop909")
    return parser


def split_songs(corpus: str, path: str, per_beat: bool, splits: Sequence[str]) -> dict[str, list[SongSlots]]:
    """The corpus's songs of each of ``splits`` (the training split, seed :data:`SEED`), cut into
    slots as the style cuts them (``per_beat``: its card's ``chord_per_beat``); a melody that
    cannot be cut is left out, as training leaves it out."""
    chosen: dict[str, list[SongSlots]] = {split: [] for split in splits}
    for song in load_corpus(corpus, path):
        split = split_of(song, SEED)
        if split in chosen:
            try:
                chosen[split].append(prepare_song(song, per_beat=per_beat))
            except ValueError:
                continue
    return chosen
