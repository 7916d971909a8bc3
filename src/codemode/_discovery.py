"""Tool discovery: finding the right tool among thousands, from the host or from model code.

With many tools, every stub in the prompt costs too much; instead the prompt explains two
functions that model code calls like tools, `codemode.search_tools(query, limit=5)` and
`codemode.describe(name)`, and lists the tool groups. This module holds what that needs, as pure
functions of the tools: the search index (`ToolIndex`), the search results as model code sees them,
the two built-in tools, and the discovery prompt.

The ranking is lexical: BM25F (BM25 with per-field weights) over a tool's name (split on
`snake_case`, `camelCase`, dots, dashes and digits), its description, and its parameters' names and
descriptions (nested ones included), with English stemming and stop words; in the request, words
that only ask ("can you help me") are left out and quoted text counts half. Tools whose names
differ only in their numbers (`Weather_1_GetWeather`, `Weather_2_GetWeather`) are not shown side
by side while other matches wait: each name comes once in the first results, the variants after.
A long request with several tasks ("First ..., then ...") is also searched sentence by sentence,
and its first results are chosen to cover the tasks. An application with its own embeddings
passes `embed`; its ranking is fused with the lexical one by reciprocal rank fusion.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict

from ._errors import ToolArgumentError
from ._tools import Tool, python_name

DiscoveryMode = Literal["off", "search", "auto"]
DISCOVERY_MODES: tuple[str, ...] = ("off", "search", "auto")

Embed = Callable[[Sequence[str]], Sequence[Sequence[float]]]
"""An application's embedding function: texts in, one vector per text out (any dimension)."""

SEARCH_TOOLS = "search_tools"
DESCRIBE = "describe"
BUILTIN_NAMES = frozenset({SEARCH_TOOLS, DESCRIBE})
MAX_LIMIT = 50


class ToolMatch(TypedDict):
    """One search result as model code receives it."""

    name: str  # call it as `codemode.<name>`
    description: str  # the description's first line
    signature: str  # the typed stub without prose: enough to call the tool


def estimate_tokens(text: str) -> int:
    """Tokens of `text` for a budget: characters / 4, the usual rule for English and code."""
    return (len(text) + 3) // 4


# -- text to terms ------------------------------------------------------------------------------

_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script
_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")  # camelCase, HTTPServer, v2

# Words that say nothing about which tool is meant (general English, not tuned to any registry).
_STOP_TEXT = """
    a an the and or of to in on for with by at from as is are was were be been being it its this
    that these those i me my we our you your he she they them their his her what which who whom
    whose when where why how can could would should will shall may might must do does did done
    have has had please also just some any all each into about than then so if not no yes up out
    get"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())


def words(text: str) -> list[str]:
    """Lower-case words of `text`, identifiers split: `getHTTPResponse_v2` -> get http response v 2."""
    if text.isascii():  # the common case, in one pass
        return [part.lower() for part in _PART.findall(text)]
    out: list[str] = []
    for run in _RUN.findall(text):
        if run.isascii():
            out.extend(part.lower() for part in _PART.findall(run))
        else:
            out.append(run.lower())
    return out


class _Stemmer:
    """English (Porter2) stems, remembered: the same few thousand words recur in every tool."""

    def __init__(self) -> None:
        import snowballstemmer

        self._stem = snowballstemmer.stemmer("english").stemWord
        self._known: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        stem = self._known.get(word)
        if stem is None:
            stem = self._known[word] = self._stem(word) if word.isascii() else word
        return stem


_stemmer: _Stemmer | None = None


def terms(text: str) -> list[str]:
    """The index terms of `text`: its words less stop words, stemmed."""
    global _stemmer
    if _stemmer is None:
        _stemmer = _Stemmer()
    stem = _stemmer
    return [stem(w) for w in words(text) if w not in _STOP_WORDS]


# Words a request uses to ask rather than to say what for ("can you help me ..."): left out of
# queries, not of the index, where `help` may name a tool.
_REQUEST_TEXT = "help want need like know tell let hi hello hey thank sure okay ok kindly"
_QUOTED = re.compile(r"(?<![A-Za-z])'[^']+'(?![A-Za-z])|\"[^\"]+\"")
_QUOTED_WEIGHT = 0.5  # quoted text is mostly a value to pass ('Hello World'), not what to do


def query_terms(query: str) -> dict[str, float]:
    """The terms of a request with their weights: quoted text counts half, asking words not."""
    request = _request_terms()
    weights: dict[str, float] = {}
    for term in terms(" ".join(_QUOTED.findall(query))):
        weights[term] = _QUOTED_WEIGHT
    for term in terms(_QUOTED.sub(" ", query)):
        weights[term] = 1.0
    return {term: weight for term, weight in weights.items() if term not in request}


_request: frozenset[str] | None = None


def _request_terms() -> frozenset[str]:
    global _request
    if _request is None:
        _request = frozenset(terms(_REQUEST_TEXT))
    return _request


# -- the index ----------------------------------------------------------------------------------

# Field weights and length normalisation. A name word is the strongest sign, then the
# description; parameter names and descriptions mostly confirm.
_FIELDS: dict[str, tuple[float, float]] = {  # field: (weight, b)
    "name": (1.5, 0.75),
    "description": (1.0, 0.75),
    "parameters": (0.7, 0.75),
    "parameter_descriptions": (0.7, 0.75),
}
_K1 = 1.2
_PREFIX_WEIGHT = 0.3  # `hypot` for "hypotenuse", `calc` for "calculate": a prefix, weighed less
_MIN_PREFIX = 5
_SEGMENT = re.compile(
    r"[.?!;\n]+\s+|\s+(?:also|then|additionally|finally|first(?:ly)?|second(?:ly)?|"
    r"third(?:ly)?|lastly|next)\b,?\s*",
    re.IGNORECASE,
)
_RRF_SEGMENTS = 5  # reciprocal rank fusion of the whole request with its sentences
_RRF_EMBED = 60  # ... of the lexical ranking with the application's embeddings
_MAX_DEPTH = 8
_DIVERSE = 10  # results chosen to cover the tasks of a request; the rest by rank
_TASK_SHARE = 0.5  # multi-task requests: how much of a result's worth comes from the whole request
_MAX_QUERY = 10_000  # characters of a request that are searched (requests are rarely longer)
_MAX_TASKS = 16  # sentences of a request searched on their own
_DISTINCT_FIRST = 5  # results in which a tool's variants wait for the other matches


def tool_fields(tool: Tool) -> dict[str, str]:
    """The text of each indexed field of `tool`."""
    names: list[str] = []
    descriptions: list[str] = []
    _walk_properties(tool.input_schema, names, descriptions, 0)
    return {
        "name": tool.name,
        "description": tool.description,
        "parameters": " ".join(names),
        "parameter_descriptions": " ".join(descriptions),
    }


def _walk_properties(schema: Any, names: list[str], texts: list[str], depth: int) -> None:
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for key, prop in properties.items():
            names.append(str(key))
            if not isinstance(prop, Mapping):
                continue
            description = prop.get("description")
            if isinstance(description, str):
                texts.append(description)
            values = prop.get("enum")
            if isinstance(values, list):
                texts.append(" ".join(v for v in values if isinstance(v, str)))
            _walk_properties(prop, names, texts, depth + 1)
    for key in ("items", "additionalProperties"):
        _walk_properties(schema.get(key), names, texts, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            for branch in branches:
                _walk_properties(branch, names, texts, depth + 1)


_NUMBERED = re.compile(r"[._\-]*\d+")


def _name_key(name: str) -> str:
    """Names equal but for their numbers are variants of one tool: `Weather_1_GetWeather` and
    `Weather_2_GetWeather`, `search_v1` and `search_v2`, `add_server` and `add_server__2`."""
    return _NUMBERED.sub("", name)


class ToolIndex:
    """A search index over tools, built once; `search` ranks them for a request.

    >>> async def refund_order(order_id: str) -> None:
    ...     '''Refund an order in full.'''
    >>> async def get_weather(city: str) -> None:
    ...     '''Current weather for a city.'''
    >>> index = ToolIndex([Tool.from_function(refund_order), Tool.from_function(get_weather)])
    >>> [tool.name for tool in index.search("give the customer their money back for the order")]
    ['refund_order']
    """

    def __init__(self, tools: Sequence[Tool], *, embed: Embed | None = None) -> None:
        self.tools = list(tools)
        self._keys = [_name_key(tool.name) for tool in self.tools]
        self._postings: dict[str, dict[int, float]] = {}
        self._by_prefix: dict[str, list[str]] = defaultdict(list)
        self._build()
        self._embed = embed
        self._vectors: list[list[float]] | None = None
        if embed is not None:
            self._vectors = self._embed_all(embed)

    def _build(self) -> None:
        seen: dict[str, Counter[str]] = {}  # variants of a tool repeat most of their text

        def counted(text: str) -> Counter[str]:
            counts = seen.get(text)
            if counts is None:
                counts = seen[text] = Counter(terms(text))
            return counts

        documents = [
            {field: counted(text) for field, text in tool_fields(tool).items()}
            for tool in self.tools
        ]
        count = len(documents) or 1
        average = {
            field: (sum(sum(d[field].values()) for d in documents) / count) or 1.0
            for field in _FIELDS
        }
        frequency: Counter[str] = Counter()
        for document in documents:
            frequency.update(set().union(*document.values()))
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        for index, document in enumerate(documents):
            weighted: dict[str, float] = defaultdict(float)
            for field, (weight, b) in _FIELDS.items():
                counts = document[field]
                norm = 1 - b + b * sum(counts.values()) / average[field]
                for term, n in counts.items():
                    weighted[term] += weight * n / norm
            for term, tf in weighted.items():
                df = frequency[term]
                idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
                postings[term][index] = idf * tf / (_K1 + tf)
        self._postings = dict(postings)

        for term in self._postings:
            for end in range(_MIN_PREFIX, len(term)):
                self._by_prefix[term[:end]].append(term)

    def _embed_all(self, embed: Embed) -> list[list[float]]:
        texts = [_embedding_text(tool) for tool in self.tools]
        vectors = [_unit(v) for v in embed(texts)]
        if len(vectors) != len(texts):
            raise ValueError(
                f"discovery_embed returned {len(vectors)} vectors for {len(texts)} texts"
            )
        return vectors

    # -- ranking ------------------------------------------------------------------------------

    def _expand(self, term: str) -> dict[str, float]:
        """`term` and the index terms it may stand for: its prefixes and extensions."""
        found = {term: 1.0} if term in self._postings else {}
        if len(term) >= _MIN_PREFIX:
            for longer in self._by_prefix.get(term, ()):
                found.setdefault(longer, _PREFIX_WEIGHT)
            for end in range(_MIN_PREFIX, len(term)):
                if term[:end] in self._postings:
                    found.setdefault(term[:end], _PREFIX_WEIGHT)
        return found

    def _scores(self, query: str) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for term, strength in query_terms(query).items():
            for match, weight in self._expand(term).items():
                weight *= strength
                for index, score in self._postings[match].items():
                    scores[index] += score * weight
        return scores

    def _lexical(self, query: str, depth: int) -> list[int]:
        return _best(self._scores(query), depth)

    def _semantic(self, query: str, depth: int) -> list[int]:
        assert self._embed is not None and self._vectors is not None
        (vector,) = self._embed([query])
        q = _unit(vector)
        scores = [sum(map(operator.mul, q, v)) for v in self._vectors]
        return sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:depth]

    def rank(self, query: str, limit: int) -> list[int]:
        """Indices into `tools`, best first, at most `limit`."""
        if not self.tools or limit <= 0:
            return []
        query = query[:_MAX_QUERY]  # model code may send anything: the host's time is bounded
        depth = max(limit * 8, 40)
        ranked = self._lexical(query, depth)
        parts = [p for p in _SEGMENT.split(query) if p and len(query_terms(p)) >= 2]
        tasks = [self._scores(p) for p in parts[:_MAX_TASKS]]
        rankings = [(ranked, 1.0, _RRF_SEGMENTS)]
        if len(tasks) > 1:
            weight = 1 / math.sqrt(len(tasks))
            rankings += [(_best(task, depth // 2), weight, _RRF_SEGMENTS) for task in tasks]
        if self._embed is not None:
            # fused at the embeddings' usual constant: neither ranking's top dominates
            semantic = self._semantic(query, depth)
            rankings = [(_fuse(rankings)[:depth], 1.0, _RRF_EMBED), (semantic, 1.0, _RRF_EMBED)]
        if len(rankings) > 1:
            ranked = _fuse(rankings)[:depth]
        if len(tasks) > 1:
            head = self._cover(ranked, tasks, min(limit, _DIVERSE))
            taken = set(head)
            return (head + [i for i in ranked if i not in taken])[:limit]
        return self._spread(ranked)[:limit]

    def _cover(self, ranked: list[int], tasks: list[dict[int, float]], count: int) -> list[int]:
        """The first `count` results for a request with several tasks, chosen one by one for
        their rank and for the tasks not yet served (xQuAD diversification): each task counts
        by how well its best tool matches it, so a sentence of small talk counts for little."""
        tops = [max(task.values(), default=0.0) for task in tasks]
        strongest = max(tops) or 1.0
        importance = [(top / strongest) ** 2 for top in tops]
        # for each candidate, the tasks it serves and how well (0 to 1): few, so few to add up
        serves = {
            index: [(t, task[index] / tops[t]) for t, task in enumerate(tasks) if index in task]
            for index in ranked
        }
        unserved = [1.0] * len(tasks)
        position = {index: rank for rank, index in enumerate(ranked)}
        chosen: list[int] = []
        names: set[str] = set()
        pool = list(ranked)

        def worth(index: int) -> float:
            value = _TASK_SHARE / (1 + position[index])
            for t, share in serves[index]:
                value += (1 - _TASK_SHARE) * importance[t] * unserved[t] * share
            if self._keys[index] in names and len(chosen) < _DISTINCT_FIRST:
                value -= 2  # a variant of a tool already shown waits, as in `_spread`
            return value

        while pool and len(chosen) < count:
            pick = max(pool, key=worth)
            pool.remove(pick)
            chosen.append(pick)
            names.add(self._keys[pick])
            for t, share in serves[pick]:
                unserved[t] *= 1 - share
        return chosen

    def _spread(self, ranked: list[int]) -> list[int]:
        """The first results with each name once (variants, names equal but for their
        numbers, wait), then the rest in order, variants included."""
        first: list[int] = []
        later: list[int] = []
        seen: set[str] = set()
        for index in ranked:
            key = self._keys[index]
            (later if key in seen else first).append(index)
            seen.add(key)
        order = {index: rank for rank, index in enumerate(ranked)}
        rest = sorted(first[_DISTINCT_FIRST:] + later, key=order.__getitem__)
        return first[:_DISTINCT_FIRST] + rest

    def search(self, query: str, limit: int = 5) -> list[Tool]:
        """The tools that best match `query`, best first, at most `limit`."""
        return [self.tools[i] for i in self.rank(query, limit)]


def _best(scores: dict[int, float], depth: int) -> list[int]:
    return sorted(scores, key=lambda i: (-scores[i], i))[:depth]


def _fuse(rankings: Iterable[tuple[list[int], float, int]]) -> list[int]:
    """Reciprocal rank fusion: each ranking gives weight / (k + rank) to the items in it."""
    scores: dict[int, float] = defaultdict(float)
    for ranking, weight, k in rankings:
        for rank, index in enumerate(ranking):
            scores[index] += weight / (k + rank)
    return sorted(scores, key=lambda i: (-scores[i], i))


def _unit(vector: Sequence[float]) -> list[float]:
    values = [float(x) for x in vector]
    norm = math.sqrt(sum(x * x for x in values)) or 1.0
    return [x / norm for x in values]


def _embedding_text(tool: Tool) -> str:
    fields = tool_fields(tool)
    return f"{' '.join(words(tool.name))}: {tool.description}\n{fields['parameters']}"


# -- what model code sees -------------------------------------------------------------------------


def signature(tool: Tool) -> str:
    """`tool`'s stub without docstrings or comments: the types it uses, then its `async def`."""
    from ._stubs import render_stubs

    text = render_stubs([tool], docstrings=False).replace(":\n    ...\n", ": ...\n")
    # the imports of `Any`, `Literal`, ... say nothing the names do not
    lines = [line for line in text.splitlines() if not line.startswith(("from ", "import "))]
    return "\n".join(lines).strip()


def describe_text(tool: Tool) -> str:
    """`tool`'s full stub: nested types, signature, docstring with every argument."""
    from ._stubs import render_stubs

    return render_stubs([tool]).strip()


def first_line(text: str, limit: int = 160) -> str:
    """The first line (or sentence) of a description, at most `limit` characters."""
    line = text.strip().split("\n", 1)[0].strip()
    if len(line) > limit:
        line = line[: limit - 3].rstrip() + "..."
    return line


def match(tool: Tool) -> ToolMatch:
    return ToolMatch(
        name=tool.python_name, description=first_line(tool.description), signature=signature(tool)
    )


def builtin_tools(
    search: Callable[[str, int], list[Tool]], lookup: Callable[[str], Tool | None]
) -> dict[str, Tool]:
    """`search_tools` and `describe` as tools model code calls like any other (so they work the
    same on every executor and are in the trace); they run on the host."""

    async def search_tools(query: str, limit: int = 5) -> list[ToolMatch]:
        """Find tools for a task: the best matches first, each with its name, a one-line
        description and its typed signature (enough to call it).

        Args:
            query: What you want to do, in words ("refund an order").
            limit: How many matches to return (1 to 50).
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise ToolArgumentError(
                f"search_tools(): limit must be between 1 and {MAX_LIMIT}, got {limit}",
                tool=SEARCH_TOOLS,
            )
        return [shown(tool) for tool in search(query, limit)]

    matches: dict[str, ToolMatch] = {}  # a tool's signature is rendered once per tool set

    def shown(tool: Tool) -> ToolMatch:
        found = matches.get(tool.python_name)
        if found is None:
            found = matches[tool.python_name] = match(tool)
        return ToolMatch(**found)  # a copy: model code may change what it gets

    async def describe(name: str) -> str:
        """The full stub of one tool: its docstring, every argument explained, nested types.

        Args:
            name: The tool's name as in `codemode.<name>` (or as registered).
        """
        tool = lookup(name)
        if tool is None:
            close = [t.python_name for t in search(name, 3)]
            hint = f"; closest: {', '.join(close)}" if close else ""
            raise ToolArgumentError(f"describe(): no tool named {name!r}{hint}", tool=DESCRIBE)
        return describe_text(tool)

    made = [Tool.from_function(search_tools), Tool.from_function(describe)]
    made[0].positional = ("query", "limit")
    made[1].positional = ("name",)
    for tool in made:
        tool.python_name = tool.name  # the reserved names themselves: nothing else can take them
    return {tool.python_name: tool for tool in made}


# -- the prompt ---------------------------------------------------------------------------------

DISCOVERY_TEMPLATE = """\
Use the tools by writing one Python program. Write `async def main():` that calls the tools with
`await codemode.<tool>(...)` (keyword arguments), and `return` the answer; it comes back to you as
JSON. There are {count} tools, too many to show here: find the ones you need from the program.

- `await codemode.search_tools("refund an order", limit=5)` returns the best matches, best first,
  as dicts `{{"name": ..., "description": ..., "signature": ...}}`; the signature is the typed stub,
  enough to call the tool.
- `await codemode.describe("refund_order")` returns one tool's full stub: docstring, every
  argument explained, nested types.

Search and call in the same program when the match is clear (`getattr(codemode, name)(...)` or
`codemode.<name>(...)`); otherwise return what you found, read it, and write the next program.
Every tool is callable whether or not you searched for it. Pass TypedDict arguments as plain
dicts. Run independent calls at once with `await asyncio.gather(...)`. `print()` for notes you
want to see. A failing tool raises `ToolError` (catch it with `except ToolError as e:`). A tool
typed `-> Any` may give back plain text: parse JSON text with `json.loads` when you need the data.
`codemode` and `asyncio` need no import; you may also import: {modules}. Nothing else is
available: no files, network, environment or subprocesses."""

_GROUPS_HEADER = "\n\nTool groups (name prefix and count):\n"
_GROUP_SPLIT = re.compile(r"[._\-/:]")
MAX_GROUP_TOKENS = 800  # the group list never takes more than this, whatever the budget


def namespaces(tools: Iterable[Tool]) -> list[tuple[str, int]]:
    """Groups of tools by name prefix, largest first: `("math_", 28)`, ...

    The prefix is the part of the registered name before its first dot (a module or server
    path, `project_api.ProjectApi.get` -> `project_api_`) or else before its first `_`, `-`, `/`
    or `:` (`north_get_weather` from an MCP server prefixed `north`); shown as model code
    spells it. Tools that share a prefix with no other tool are not a group.
    """
    counts: Counter[str] = Counter()
    for tool in tools:
        name = tool.name
        head = name.split(".", 1)[0] if "." in name else _GROUP_SPLIT.split(name, 1)[0]
        if head and head != name:
            counts[python_name(head) + "_"] += 1
    groups = [(prefix, n) for prefix, n in counts.items() if n > 1]
    groups.sort(key=lambda item: (-item[1], item[0]))
    return groups


def render_discovery_prompt(
    tools: Sequence[Tool], modules: Iterable[str], budget: int | None = None
) -> str:
    """The prompt for discovery mode: the two functions, then as many tool groups as fit.

    The groups take at most `MAX_GROUP_TOKENS`, and no more than the `budget` (in tokens, as
    `estimate_tokens` counts) leaves after the instructions.
    """
    text = DISCOVERY_TEMPLATE.format(count=len(tools), modules=", ".join(sorted(modules)))
    room = MAX_GROUP_TOKENS
    if budget is not None:
        room = min(room, budget - estimate_tokens(text) - estimate_tokens(_GROUPS_HEADER) - 20)
    groups = namespaces(tools)
    if room <= 0 or not groups:
        return text
    shown: list[str] = []
    used = 0
    listed = 0
    for prefix, n in groups:
        entry = f"{prefix}* {n}"
        cost = estimate_tokens(entry + ", ")
        if used + cost > room:
            break
        shown.append(entry)
        used += cost
        listed += n
    if not shown:
        return text
    rest = len(tools) - listed
    tail = f"; and {rest} more tools" if rest else ""
    return text + _GROUPS_HEADER + ", ".join(shown) + tail + "."


__all__ = [
    "BUILTIN_NAMES",
    "DISCOVERY_MODES",
    "DiscoveryMode",
    "Embed",
    "ToolIndex",
    "ToolMatch",
    "builtin_tools",
    "estimate_tokens",
    "namespaces",
    "render_discovery_prompt",
]
