"""A parsed statement written back as policy JSON, so reports can show the statement a finding
is about (and highlight its guilty lines) without keeping every document's raw text around.

It is the statement as AWS evaluates it: a repeated key appears once, with the value kept.
"""
from __future__ import annotations

import functools
import json
from typing import Any

from auditor.model.policy import ConditionClause, Statement

EVIDENCE_KEY = "statement"


def _one_or_list(values: tuple[str, ...] | list[Any]) -> Any:
    return values[0] if len(values) == 1 else list(values)


def _value(text: str, json_type: str) -> Any:
    # Keep numbers and booleans as the author wrote them (42, true), not as strings.
    if json_type in ("number", "bool", "null"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _condition(clauses: tuple[ConditionClause, ...]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for c in clauses:
        types = c.value_types or ("string",) * len(c.values)
        values = [_value(v, t) for v, t in zip(c.values, types)]
        out.setdefault(c.operator, {})[c.key] = _one_or_list(values)
    return out


def statement_document(st: Statement) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if st.sid is not None:
        doc["Sid"] = st.sid
    doc["Effect"] = st.effect.value
    if st.principals is not None:
        name = "NotPrincipal" if st.not_principal else "Principal"
        if any(p.kind == "*" for p in st.principals):
            doc[name] = "*"
        else:
            grouped: dict[str, list[str]] = {}
            for p in st.principals:
                grouped.setdefault(p.kind, []).append(p.value)
            doc[name] = {kind: _one_or_list(values) for kind, values in grouped.items()}
    doc["NotAction" if st.not_action else "Action"] = _one_or_list(st.actions)
    if st.resources is not None:
        doc["NotResource" if st.not_resource else "Resource"] = _one_or_list(st.resources)
    if st.conditions:
        doc["Condition"] = _condition(st.conditions)
    return doc


@functools.lru_cache(maxsize=4096)
def statement_json(st: Statement) -> str:
    """Indented JSON text of one statement; cached because many findings share a statement."""
    return json.dumps(statement_document(st), indent=2, ensure_ascii=False)
