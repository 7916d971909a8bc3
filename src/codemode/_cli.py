"""The `codemode` command: `codemode demo`, `codemode mcp-serve module:attr`."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="codemode", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run a model-style program against example tools")
    mcp_serve = commands.add_parser(
        "mcp-serve", help="serve a Codemode over MCP (stdio) as one run_code tool"
    )
    mcp_serve.add_argument("target", metavar="module:attr", help="where the Codemode is")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import main as demo

        return demo()
    if args.command == "mcp-serve":
        from .adapters.mcp import serve_target

        return serve_target(args.target)
    return 2


if __name__ == "__main__":
    sys.exit(main())
