"""``opik-jupyter api-key create|list|revoke``: manage the API keys of a server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import ConfigError, load_settings
from .errors import ApiError
from .storage.api_keys import ApiKeys
from .storage.metadata import MetadataDB
from .storage.migrations import migrate_metadata


def parse_args(argv: Sequence[str], prog: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="the server's data directory")
    parser.add_argument("--metadata-url", help="the server's metadata database")
    parser.add_argument("--config", type=Path, help="the server's TOML settings file")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--workspace", required=True, help="the workspace the key opens")
    create.add_argument("--name", default="", help="a label to tell keys apart")
    listing = actions.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--workspace", help="only this workspace's keys")
    revoke = actions.add_parser("revoke", help="delete a key by its id")
    revoke.add_argument("id", help="the key id shown by `list`")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, prog: str = "opik-jupyter api-key") -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv, prog)
    cli = {"data_dir": args.data_dir, "metadata_url": args.metadata_url}
    try:
        settings = load_settings(cli=cli, config_file=args.config)
        db = MetadataDB(settings.resolved_metadata_url)
        migrate_metadata(db)
        keys = ApiKeys(db)
        if args.action == "create":
            record, key = keys.create(args.workspace, args.name)
            print(f"created key {record.id} for workspace {record.workspace!r}:\n{key}")
        elif args.action == "list":
            for record in keys.list(args.workspace):
                print(f"{record.id}  {record.prefix}...  {record.workspace}  {record.name}")
        else:
            keys.revoke(args.id)
            print(f"revoked {args.id}")
    except (ConfigError, ApiError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    return 0
