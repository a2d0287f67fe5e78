"""The README's pathway diagrams are the workflow table's (generated, not typed twice)."""
from __future__ import annotations

from pathlib import Path

from chalicelib.domain.diagrams import all_diagrams

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_pathway_is_drawn_in_the_readme_as_the_table_says() -> None:
    text = README.read_text(encoding="utf-8")
    for name, diagram in all_diagrams().items():
        assert f"```mermaid\n{diagram}\n```" in text, f"README.md: the {name} diagram is stale; run python -m chalicelib.domain.diagrams"
