"""The warehouse as one graph: SQL models (sql/prep views, sql/marts tables) and Python steps.

Every node declares the relations it reads and writes; an edge runs from the node that writes a
relation to every node that reads it. Relations no node writes are the graph's inputs: `raw.*`
(the loader), `main.quarantine` (the quality gate). The runner (mediawatch.warehouse.build) walks
the graph in this order and decides what each node must redo.

Python steps:
- `analysis`: mentions, sentiment and story clusters of new article versions (analysis.*);
- `alerts`: spike alerts of the days whose daily counts changed, plus their trailing window;
- `search_index`: the analysts' full-text index (helper module `mediawatch.warehouse.search`,
  wired when present), downstream of `articles`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from functools import cache
from graphlib import TopologicalSorter

from mediawatch.warehouse.models import INCREMENTAL, TABLE, VIEW, Model, load_models

PYTHON = "python"
# analyst-facing state tables that no node builds: small, copied whole by the publisher
STATE_TABLES = ("dq_results", "quarantine")


@dataclass(frozen=True)
class Node:
    """One step of the build: a SQL model or a Python step, with what it reads and writes."""

    name: str
    kind: str  # view | table | incremental | python
    reads: frozenset[str]
    writes: frozenset[str]
    key: str | None = None  # the column its changes are tracked by (incremental models, python steps)
    model: Model | None = None
    columns: frozenset[str] = field(default_factory=frozenset)


def _python_nodes() -> list[Node]:
    nodes = [
        Node("analysis", PYTHON, frozenset({"prep.prep_article_versions"}),
             frozenset({"analysis.article_analysis", "analysis.mentions", "analysis.lsh_bands"}),
             key="article_id", columns=frozenset({"article_id"})),
        Node("alerts", PYTHON, frozenset({"main.daily_entity_mentions"}),
             frozenset({"analysis.entity_alerts"}), key="day", columns=frozenset({"day"})),
    ]
    if search_module_available():
        nodes.append(Node("search_index", PYTHON, frozenset({"main.articles"}), frozenset(),
                          key="article_id", columns=frozenset()))
    return nodes


def search_module_available() -> bool:
    """True once the analyst-search helper (issue 15, part B) is present."""
    return importlib.util.find_spec("mediawatch.warehouse.search") is not None


@cache
def graph() -> tuple[Node, ...]:
    """Every node, each after the nodes whose output it reads."""
    nodes: dict[str, Node] = {}
    for model in load_models():
        nodes[model.name] = Node(
            model.name, model.kind, frozenset(model.reads), frozenset({model.qualified}),
            key=model.key, model=model, columns=frozenset(model.columns),
        )
    for node in _python_nodes():
        nodes[node.name] = node
    writer = {relation: node.name for node in nodes.values() for relation in node.writes}
    order = TopologicalSorter(
        {name: {writer[r] for r in node.reads if r in writer and writer[r] != name}
         for name, node in nodes.items()}
    )
    return tuple(nodes[name] for name in order.static_order())


def consumers(name: str) -> list[Node]:
    """Nodes that read what `name` writes."""
    nodes = {n.name: n for n in graph()}
    return [n for n in graph() if n.reads & nodes[name].writes]


def mart_names() -> list[str]:
    return [n.name for n in graph() if n.kind in (TABLE, INCREMENTAL)]


def analyst_tables() -> list[tuple[str, str | None]]:
    """Tables analysts read: (name, key column) for incremental marts, (name, None) = copy whole.

    Changed keys of each build are in meta.changes (see sql/migrations/0003_build_log.sql)."""
    marts = [(n.name, n.key if n.kind == INCREMENTAL else None) for n in graph()
             if n.kind in (TABLE, INCREMENTAL)]
    return marts + [(name, None) for name in STATE_TABLES]


__all__ = ["INCREMENTAL", "PYTHON", "TABLE", "VIEW", "Node", "analyst_tables", "consumers", "graph",
           "mart_names"]
