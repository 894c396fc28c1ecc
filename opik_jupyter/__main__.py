"""``python -m opik_jupyter``: the ``opik-jupyter`` command."""

from .cli import main

raise SystemExit(main())
