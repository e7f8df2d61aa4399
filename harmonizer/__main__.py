"""``python -m harmonizer``: the same as the ``harmonize-midi`` command."""

from .cli import main

raise SystemExit(main())
