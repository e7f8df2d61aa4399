"""``python -m harmonizer.evaluation``: evaluate a style on its corpora (see :mod:`.evaluate`)."""

from .evaluate import main

raise SystemExit(main())
