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
    commands.add_parser(
        "server", help="run the backend (Opik REST API) in the foreground", add_help=False
    )
    commands.add_parser(
        "api-key", help="create, list or revoke API keys of a server", add_help=False
    )
    args, _ = parser.parse_known_args(argv[:1])
    # Imported only when used: each command loads what it needs.
    if args.command == "server":
        from opik_backend.server import main as server_main  # noqa: PLC0415

        return server_main(argv[1:], prog="opik-jupyter server")
    if args.command == "api-key":
        from opik_backend.keys_cli import main as keys_main  # noqa: PLC0415

        return keys_main(argv[1:], prog="opik-jupyter api-key")
    parser.print_help()
    return 2
