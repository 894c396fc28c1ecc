"""``python -m opik_backend``: run the backend server (same flags as ``opik-jupyter server``)."""

from .server import main

raise SystemExit(main())
