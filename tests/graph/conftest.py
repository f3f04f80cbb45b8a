"""The Graph tests' doubles (tests/graph/fixtures.py)."""

from tests.graph.fixtures import graph, identity

__all__ = ["graph", "identity"]
