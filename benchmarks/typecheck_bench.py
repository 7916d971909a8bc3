"""Which type checker for `Codemode(typecheck=True)`: latency and memory per check.

A 30-line model program against the stubs of 50 tools (TypedDict results, lists of rows,
optional strings, integers, untyped), checked the way `_typecheck` checks it (stubs as a module,
a one-line header binding `codemode`), by each candidate:

- cold: a new checker process per check (the CLI), as `_typecheck.TypeChecker` runs ty;
- warm: a long-lived checker answering each check: ty and pyright as language servers (the
  program changed and its diagnostics pulled over LSP), mypy as its daemon (`dmypy check`).

Memory is the peak resident set of the checker process (and its children). Each check changes
the program slightly (a new name on its last line) so that nothing answers from a cache of the
same text. CPython's own `compile()` of the program is the floor.

    python benchmarks/typecheck_bench.py [--runs 20] [--only ty,mypy,pyright]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codemode import Codemode, Tool
from codemode._typecheck import _ERROR_CLASSES, _HEADER, STUB_MODULE

PROGRAM = """\
import json

def score(row):
    total = 0
    for key, value in row.items():
        if isinstance(value, (int, float)):
            total += value
    return total

async def main():
    cities = ["Paris", "Lisbon", "Oslo"]
    results = await asyncio.gather(*[codemode.tool_0(city=c) for c in cities])
    hottest = max(results, key=lambda r: r["temp"])
    rows = await codemode.tool_1(city=hottest["city"], limit=5)
    best = sorted(rows, key=lambda r: r["score"] or 0.0)[-1]
    note = await codemode.tool_2(city="Paris", units="f")
    if note is not None:
        print(note.upper())
    count = await codemode.tool_3(city="Oslo")
    try:
        await codemode.tool_4(city="Rome")
    except ToolError as e:
        print("failed:", e)
    summary: dict = {r["city"]: r["temp"] for r in results}
    summary["best"] = best["name"]
    summary["count"] = count + 1
    summary["tags"] = ", ".join(t for r in results for t in r.get("tags", []))
    print(json.dumps(summary))
    print(score(summary))
    return summary
"""


def make_tools(n: int = 50) -> list[Tool]:
    tools = []
    for i in range(n):
        kind = i % 5
        output: dict[str, Any] | None
        if kind == 0:
            output = {
                "type": "object",
                "title": f"Reading{i}",
                "properties": {
                    "city": {"type": "string"},
                    "temp": {"type": "number"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["city", "temp"],
            }
        elif kind == 1:
            output = {
                "type": "array",
                "items": {
                    "type": "object",
                    "title": f"Row{i}",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "score": {"type": ["number", "null"]},
                    },
                    "required": ["id", "name", "score"],
                },
            }
        elif kind == 2:
            output = {"type": ["string", "null"]}
        elif kind == 3:
            output = {"type": "integer"}
        else:
            output = None
        tools.append(
            Tool.from_schema(
                name=f"tool_{i}",
                description=f"Tool number {i}: looks something up for a city.",
                input_schema={
                    "type": "object",
                    "properties": {
                        "city": {"type": "string", "description": "City name."},
                        "limit": {"type": "integer", "minimum": 0},
                        "units": {"enum": ["c", "f"]},
                    },
                    "required": ["city"],
                    "additionalProperties": False,
                },
                fn=lambda **kwargs: None,
                output_schema=output,
            )
        )
    return tools


def program_text(n: int, wrong: bool = False) -> str:
    """The program, changed on its last line; `wrong` misspells a key the stub declares."""
    header = _HEADER.format(module=STUB_MODULE)
    program = PROGRAM.replace('r["temp"])', 'r["tmp"])') if wrong else PROGRAM
    return f"{header}\n{program}variant_{n} = {n}\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- cold: one process per check ---------------------------------------------------------------


def run_measured(command: list[str], cwd: str) -> tuple[float, int, bytes]:
    """Seconds, peak RSS in KiB (the process and the children it waited for), stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(process.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    process.stderr.read()  # type: ignore[union-attr]
    _, _, usage = os.wait4(process.pid, 0)
    reader.join()
    process.returncode = 0
    return time.perf_counter() - started, usage.ru_maxrss, b"".join(chunks)


def cold(name: str, command: Callable[[str], list[str]], directory: str, runs: int) -> None:
    times, peaks = [], []
    for n in range(runs):
        path = Path(directory, "program.py")
        path.write_text(program_text(n))
        seconds, peak, _ = run_measured(command("program.py"), directory)
        times.append(seconds)
        peaks.append(peak)
    report(name, "cold", times, max(peaks))


# -- warm: a language server -------------------------------------------------------------------


class LanguageServer:
    """Just enough of an LSP client to open a file, change it and pull its diagnostics."""

    def __init__(self, command: list[str], root: str) -> None:
        self.process = subprocess.Popen(
            command, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.ids = 0
        self.root = root
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": Path(root).as_uri(),
                "workspaceFolders": [{"uri": Path(root).as_uri(), "name": "bench"}],
                "capabilities": {
                    "textDocument": {"diagnostic": {"dynamicRegistration": False}},
                    "workspace": {"configuration": True},
                },
            },
        )
        self.notify("initialized", {})
        self.version = 0
        self.uri = Path(root, "program.py").as_uri()

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def receive(self) -> dict[str, Any]:
        stdout = self.process.stdout
        assert stdout is not None
        length = 0
        while True:
            line = stdout.readline()
            if not line:
                raise RuntimeError("the language server exited")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message: dict[str, Any] = json.loads(stdout.read(length))
        return message

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.ids += 1
        ident = self.ids
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result")
            if "method" in message and "id" in message:  # a request from the server
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [None] * len(message["params"]["items"])
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def check(self, text: str) -> int:
        self.version += 1
        if self.version == 1:
            document = {"uri": self.uri, "languageId": "python", "version": 1, "text": text}
            self.notify("textDocument/didOpen", {"textDocument": document})
        else:
            self.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": self.uri, "version": self.version},
                    "contentChanges": [{"text": text}],
                },
            )
        result = self.request("textDocument/diagnostic", {"textDocument": {"uri": self.uri}})
        return len(result.get("items", [])) if isinstance(result, dict) else 0

    def peak_kib(self) -> int:
        """The server's peak RSS so far (VmHWM), with its children's current RSS."""
        total = 0
        pids = [self.process.pid]
        with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        return total

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(5)
        except Exception:
            self.process.kill()


def warm_server(name: str, command: list[str], directory: str, runs: int) -> None:
    Path(directory, "program.py").write_text(program_text(0))
    started = time.perf_counter()
    server = LanguageServer(command, directory)
    server.check(program_text(0))
    first = time.perf_counter() - started
    times = []
    try:
        for n in range(1, runs + 1):
            started = time.perf_counter()
            server.check(program_text(n))
            times.append(time.perf_counter() - started)
        peak = server.peak_kib()
        if not server.check(program_text(runs + 1, wrong=True)):  # it really checks
            raise RuntimeError(f"{name} server: no diagnostics for a wrong program")
    finally:
        server.close()
    report(name, "warm", times, peak, note=f"start + first check {first * 1000:.0f} ms")


def warm_dmypy(mypy_bin: str, directory: str, runs: int) -> None:
    dmypy = str(Path(mypy_bin).with_name("dmypy"))
    status = Path(directory, ".dmypy.json")
    flags = ["--check-untyped-defs", "--python-version", "3.11"]
    path = Path(directory, "program.py")
    path.write_text(program_text(0))
    started = time.perf_counter()
    subprocess.run(
        [dmypy, "--status-file", str(status), "start", "--", *flags],
        cwd=directory, capture_output=True, check=True,
    )  # fmt: skip
    subprocess.run(
        [dmypy, "--status-file", str(status), "check", "program.py"],
        cwd=directory, capture_output=True, check=False,
    )  # fmt: skip
    first = time.perf_counter() - started
    times = []
    try:
        for n in range(1, runs + 1):
            path.write_text(program_text(n))
            started = time.perf_counter()
            subprocess.run(
                [dmypy, "--status-file", str(status), "check", "program.py"],
                cwd=directory, capture_output=True, check=False,
            )  # fmt: skip
            times.append(time.perf_counter() - started)
        pid = json.loads(status.read_text())["pid"]
        peak = next(
            int(line.split()[1])
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmHWM:")
        )
    finally:
        subprocess.run(
            [dmypy, "--status-file", str(status), "stop"], cwd=directory, capture_output=True
        )
    report("mypy", "warm", times, peak, note=f"daemon start + first check {first * 1000:.0f} ms")


# -- the report --------------------------------------------------------------------------------

FLOOR: list[float] = []


def report(name: str, mode: str, times: list[float], peak_kib: int, note: str = "") -> None:
    p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
    ratio = p50 / FLOOR[0] if FLOOR else float("nan")
    extra = f"  ({note})" if note else ""
    print(
        f"{name:8} {mode:5} p50 {p50 * 1000:8.1f} ms  p99 {p99 * 1000:8.1f} ms  "
        f"peak RSS {peak_kib / 1024:6.0f} MiB  {ratio:8.0f}x compile(){extra}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="ty,pyright,mypy")
    options = parser.parse_args()
    wanted = set(options.only.split(","))
    bin_dir = Path(sys.executable).parent

    cm = Codemode(make_tools())
    stubs = cm.stubs().rstrip() + "\n" + _ERROR_CLASSES
    directory = tempfile.mkdtemp(prefix="codemode-typecheck-bench-")
    Path(directory, STUB_MODULE + ".pyi").write_text(stubs)
    print(
        f"{len(PROGRAM.splitlines())}-line program, 50 tools ({len(stubs.splitlines())} stub "
        f"lines), {options.runs} checks each; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    floor = []
    for n in range(200):
        started = time.perf_counter()
        compile(program_text(n), "program.py", "exec", flags=0x2000)  # PyCF_ALLOW_TOP_LEVEL_AWAIT
        floor.append(time.perf_counter() - started)
    FLOOR.append(statistics.median(floor))
    print(f"floor: compile() p50 {FLOOR[0] * 1e6:.0f} us")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    try:
        if "ty" in wanted and (ty := shutil.which("ty", path=str(bin_dir))):
            cold(
                "ty",
                lambda p: [
                    ty, "check", "--output-format", "gitlab", "--no-progress",
                    "--python-version", version, "--python", sys.executable, p,
                ],
                directory,
                options.runs,
            )  # fmt: skip
            warm_server("ty", [ty, "server"], directory, options.runs)
        if "mypy" in wanted and (mypy := shutil.which("mypy", path=str(bin_dir))):
            flags = ["--check-untyped-defs", "--python-version", version]
            cold("mypy", lambda p: [mypy, *flags, "--no-incremental", p], directory, options.runs)
            cold("mypy", lambda p: [mypy, *flags, p], directory, options.runs)  # disk cache warm
            print("         (the second mypy cold line reuses mypy's incremental cache on disk)")
            warm_dmypy(mypy, directory, options.runs)
        if "pyright" in wanted and (pyright := shutil.which("pyright", path=str(bin_dir))):
            cold("pyright", lambda p: [pyright, "--outputjson", p], directory, options.runs)
            langserver = shutil.which("pyright-langserver", path=str(bin_dir))
            if langserver:
                warm_server("pyright", [langserver, "--stdio"], directory, options.runs)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"(this script's own peak RSS: {own / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
