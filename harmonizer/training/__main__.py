"""``python -m harmonizer.training``: train a style's model (see :mod:`harmonizer.training.train`)."""

from .train import main

raise SystemExit(main())
