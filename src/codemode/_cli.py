"""The `codemode` command: `codemode demo`, `codemode mcp-serve module:attr`, `codemode --version`."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from . import __version__

    parser = argparse.ArgumentParser(prog="codemode", description=__doc__)
    parser.add_argument("--version", action="version", version=f"codemode {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
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
        try:
            from .adapters.mcp import serve_target
        except ImportError as exc:  # the mcp extra is not installed
            print(f"codemode mcp-serve: {exc}", file=sys.stderr)
            return 2
        return serve_target(args.target)
    parser.print_help()  # a bare `codemode`: say what there is rather than fail
    return 0


if __name__ == "__main__":
    sys.exit(main())
