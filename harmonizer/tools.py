"""``harmonizer``: one command for the whole tool.

    harmonizer train --style folk --corpus nottingham=PATH ...   (python -m harmonizer.training)
    harmonizer evaluate --style folk --corpus nottingham=PATH    (python -m harmonizer.evaluation)
    harmonizer batch IN_DIR -o OUT_DIR ...                       (harmonize-midi batch)
    harmonizer song.mid ...                                      (harmonize-midi song.mid)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] == "train":
        from .training.train import main as train_main

        return train_main(arguments[1:])
    if arguments and arguments[0] == "evaluate":
        from .evaluation.evaluate import main as evaluate_main

        return evaluate_main(arguments[1:], prog="harmonizer evaluate")
    if arguments and arguments[0] in ("-h", "--help") and len(arguments) == 1:
        print(__doc__)
        return 0
    from .cli import main as harmonize_main

    return harmonize_main(arguments)
