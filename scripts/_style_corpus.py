"""The command line the trial scripts share: a style, a corpus name and the corpus's path."""

from __future__ import annotations

import argparse


def style_corpus_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser with the positional ``style``, ``corpus`` and ``path``, ``doc`` as its help."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("style", help="the style whose shipped model and card are used")
    parser.add_argument("corpus", help="the corpus's loader name, e.g. pop909")
    parser.add_argument("path", help="the corpus's folder, e.g. ../shared/data/pop909")
    return parser

