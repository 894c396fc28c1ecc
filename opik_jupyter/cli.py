"""The ``opik-jupyter`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``opik-jupyter <command> ...``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="opik-jupyter", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("server", help="run the backend (Opik REST API) in the foreground",
                        add_help=False)
    args, _ = parser.parse_known_args(argv[:1])
    if args.command == "server":
        from opik_backend.server import main as server_main  # noqa: PLC0415 - only when used

        return server_main(argv[1:], prog="opik-jupyter server")
    parser.print_help()
    return 2
