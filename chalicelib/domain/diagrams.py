"""Each pathway of the workflow table drawn as a Mermaid flowchart, from the data.

The README shows these diagrams; tests/unit/test_readme.py fails when the table changes and
the README was not regenerated (``python -m chalicelib.domain.diagrams`` prints them).
"""
from __future__ import annotations

from .workflow import ANY, Pathway, Workflow, load_workflow


def _edge(t_from: str, t_to: str, roles: tuple[str, ...], guards: tuple[str, ...]) -> str:
    label = " / ".join(roles) + (f" [{', '.join(guards)}]" if guards else "")
    return f"  {t_from} -->|{label}| {t_to}"


def mermaid(pathway: Pathway) -> str:
    """The pathway's moves, who may make each and its guards; "any open stage" moves drawn once."""
    lines = ["flowchart TD"]
    for t in pathway.transitions:
        but = f" but {', '.join(t.except_stages)}" if t.except_stages else ""
        source = f"open[any open stage{but}]" if t.from_stage == ANY else t.from_stage
        lines.append(_edge(source, t.to_stage, t.roles, t.guards))
    return "\n".join(lines)


def all_diagrams(wf: Workflow | None = None) -> dict[str, str]:
    wf = wf or load_workflow()
    return {name: mermaid(p) for name, p in wf.pathways.items()}


if __name__ == "__main__":  # pragma: no cover - a developer's helper
    for name, text in all_diagrams().items():
        print(f"{name}:\n```mermaid\n{text}\n```\n")
