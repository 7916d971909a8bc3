"""How well `Codemode.search_tools` finds the tools a request needs, among 2,240.

Over the discovery corpus (../shared/corpus/discovery/ beside the checkout, or the folder given
as the first argument; its README defines the task and the metrics): the registry is registered
with one `Codemode`, and each request of `dev.jsonl` is searched once with `limit=10`.

- all@k: every expected tool is in the first k results; any@k: at least one is.
- MRR: 1 / rank of the first expected tool within the first 10 (0 if none).
- family: names compared with BFCL's `__N` variant suffix removed; strict: exact names.
- register: `Tool.from_schema` for every tool (schema validators compiled); build: the search
  index; per query: wall time of one `search_tools` call, p50 and p99.

For comparison in the same run: plain BM25 over the same text (bm25s, when installed: it is not
a dependency), and a random order (the floor). With `--wordllama`, also `search_tools` with
`discovery_embed` set to WordLlama static embeddings (`pip install wordllama`: its wheel ships the
weights and the tokenizer; they are loaded with downloads disabled).

    python benchmarks/discovery_bench.py [path/to/corpus/discovery] [--split dev.jsonl] [--wordllama]
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codemode import Codemode, Tool
from codemode._discovery import tool_fields, words

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "discovery"
KS = (1, 3, 5, 10)
Search = Callable[[str, int], list[str]]


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    folder = Path(args[0]) if args else CORPUS
    split = "dev.jsonl"
    if "--split" in sys.argv:
        split = sys.argv[sys.argv.index("--split") + 1]
    if not (folder / "tools.jsonl").exists():
        print(f"skipped: no corpus at {folder} (it lives in ../shared beside a checkout)")
        return 0
    rows = [json.loads(line) for line in (folder / "tools.jsonl").read_text().splitlines()]
    queries = [json.loads(line) for line in (folder / split).read_text().splitlines()]
    print(f"{len(rows)} tools, {len(queries)} queries ({split}) from {folder}\n")

    results = [measure("codemode search_tools", lambda: codemode_search(rows), queries)]
    if "--wordllama" in sys.argv:
        embed = wordllama_embed()
        results.append(
            measure("  + discovery_embed WordLlama", lambda: codemode_search(rows, embed), queries)
        )
    if _has("bm25s"):
        results.append(measure("BM25 (bm25s, same text)", lambda: bm25s_search(rows), queries))
    results.append(measure("random order", lambda: random_search(rows), queries))
    print_table(results)
    return 0


# -- the searches -------------------------------------------------------------------------------


def _noop(**kwargs: Any) -> None:
    return None


def codemode_search(
    rows: list[dict[str, Any]], embed: Callable[[Any], Any] | None = None
) -> tuple[Search, dict[str, float]]:
    """The registry in one Codemode; a name that meets another in Python gets a `_` suffix and
    is mapped back to its registry name when scored (see the corpus README)."""
    started = time.perf_counter()
    tools: list[Tool] = []
    taken: set[str] = set()
    registry_name: dict[str, str] = {}
    for row in rows:
        name = row["name"]
        while Tool.from_schema(name=name, input_schema={}, fn=_noop).python_name in taken:
            name += "_"
        tool = Tool.from_schema(
            name=name, description=row["description"], input_schema=row["input_schema"], fn=_noop
        )
        taken.add(tool.python_name)
        registry_name[tool.name] = row["name"]
        tools.append(tool)
    cm = Codemode(tools, discovery="search", discovery_embed=embed)
    registered = time.perf_counter() - started
    started = time.perf_counter()
    cm.search_tools("", 1)  # builds the index
    built = time.perf_counter() - started

    def search(query: str, k: int) -> list[str]:
        return [registry_name[t.name] for t in cm.search_tools(query, k)]

    return search, {"register": registered, "build": built}


def wordllama_embed() -> Callable[[Any], Any]:
    import wordllama

    model = wordllama.WordLlama.load(
        cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )
    return lambda texts: model.embed(list(texts)).tolist()


def bm25s_search(rows: list[dict[str, Any]]) -> tuple[Search, dict[str, float]]:
    import bm25s

    tools = [
        Tool.from_schema(
            name=r["name"], description=r["description"], input_schema=r["input_schema"], fn=_noop
        )
        for r in rows
    ]
    started = time.perf_counter()
    corpus = [" ".join(words(" ".join(tool_fields(t).values()))) for t in tools]
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    retriever.index(
        bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False
    )
    built = time.perf_counter() - started
    names = [r["name"] for r in rows]

    def search(query: str, k: int) -> list[str]:
        tokens = bm25s.tokenize([" ".join(words(query))], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        found, scores = retriever.retrieve(tokens, k=k, show_progress=False)
        return [names[i] for i, s in zip(found[0], scores[0], strict=True) if s > 0]

    return search, {"build": built}


def random_search(rows: list[dict[str, Any]]) -> tuple[Search, dict[str, float]]:
    names = [r["name"] for r in rows]
    rng = random.Random(0)
    return (lambda query, k: rng.sample(names, k)), {"build": 0.0}


# -- scoring ------------------------------------------------------------------------------------


def family(name: str) -> str:
    return re.sub(r"__\d+$", "", name)


def measure(
    label: str,
    factory: Callable[[], tuple[Search, dict[str, float]]],
    queries: list[dict[str, Any]],
) -> dict[str, Any]:
    search, timings = factory()
    sums: dict[str, float] = {}
    times: list[float] = []
    for query in queries:
        started = time.perf_counter()
        got = search(query["query"], 10)
        times.append(time.perf_counter() - started)
        expected = query["expected"]
        for kind, norm in (("family", family), ("strict", lambda n: n)):
            ranked = [norm(g) for g in got]
            wanted = {norm(e) for e in expected}
            for k in KS:
                top = set(ranked[:k])
                sums[f"{kind} all@{k}"] = sums.get(f"{kind} all@{k}", 0) + (wanted <= top)
                sums[f"{kind} any@{k}"] = sums.get(f"{kind} any@{k}", 0) + bool(wanted & top)
            rank = next((i for i, g in enumerate(ranked) if g in wanted), None)
            sums[f"{kind} MRR"] = sums.get(f"{kind} MRR", 0) + (
                0 if rank is None else 1 / (rank + 1)
            )
    scores = {key: value / len(queries) for key, value in sums.items()}
    times.sort()
    return {
        "label": label,
        "scores": scores,
        **timings,
        "p50": statistics.median(times) * 1000,
        "p99": times[min(len(times) - 1, int(len(times) * 0.99))] * 1000,
    }


def print_table(results: list[dict[str, Any]]) -> None:
    for kind in ("family", "strict"):
        print(f"{kind}:")
        header = f"{'search':28}" + "".join(f"{'all@' + str(k):>8}" for k in KS)
        header += "".join(f"{'any@' + str(k):>8}" for k in KS) + f"{'MRR':>8}"
        print(header)
        for result in results:
            s = result["scores"]
            line = f"{result['label']:28}" + "".join(f"{s[f'{kind} all@{k}']:8.3f}" for k in KS)
            line += "".join(f"{s[f'{kind} any@{k}']:8.3f}" for k in KS) + f"{s[f'{kind} MRR']:8.3f}"
            print(line)
        print()
    floor = next((r for r in results if r["label"].startswith("BM25")), None)
    ratios = f"{'build / BM25':>14}{'p50 / BM25':>12}" if floor else ""
    print(f"{'search':28}{'register':>10}{'build':>10}{'p50/query':>12}{'p99/query':>12}{ratios}")
    for result in results:
        register = f"{result['register']:.2f} s" if "register" in result else "-"
        line = (
            f"{result['label']:28}{register:>10}{result['build']:>8.2f} s"
            f"{result['p50']:>9.2f} ms{result['p99']:>9.2f} ms"
        )
        if floor and result["build"] > 0:
            line += f"{result['build'] / floor['build']:>13.1f}x"
            line += f"{result['p50'] / floor['p50']:>11.1f}x"
        print(line)


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
