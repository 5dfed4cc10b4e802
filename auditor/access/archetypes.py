"""The documented examples as templates: the seed's own policies with the account's ids left as
placeholders, rendered with real values when an envelope or a suggestion is needed.

Placeholders: {partition} {region} {account} {project} {identity} {user}. A Resource (or condition
value) naming a project is repeated for every project given, in that project's own region; one
naming an SES identity likewise; one naming only a region is repeated per region. A statement whose
Resource ends up empty (no project given) is left out: it would grant nothing.
"""
from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

# Catalogue order, smallest scope first where the page does: ties between equal envelopes go to
# the earlier one.
ARCHETYPES: tuple[str, ...] = (
    "console-readonly", "project-readonly", "project-limited-write", "tag-view", "api-readonly", "api-admin",
    "smsvoice-readonly", "smsvoice-admin", "project-ip-restricted", "project-tag-owner", "ses-pinpoint-sending",
)
_LIST_ELEMENTS = ("Resource", "NotResource", "Action", "NotAction")


@dataclass(frozen=True, slots=True)
class RenderParams:
    partition: str
    account: str
    regions: tuple[str, ...]
    projects: tuple[tuple[str, str], ...]  # (region, app id)
    identities: tuple[tuple[str, str], ...]  # (region, identity name)
    user: str = ""


@functools.lru_cache(maxsize=None)
def _template_text(name: str) -> str:
    if name not in ARCHETYPES:
        raise KeyError(f"unknown archetype {name!r}")
    return resources.files("auditor.access").joinpath("archetypes", f"{name}.json").read_text("utf-8")


def template(name: str) -> dict[str, Any]:
    """A fresh copy of the archetype's template document (placeholders unfilled)."""
    return copy.deepcopy(json.loads(_template_text(name)))


def condition_keys(name: str) -> frozenset[str]:
    """Lower-case condition keys the example's statements use (to break ties between equals)."""
    return frozenset(key.lower() for st in _statements(template(name))
                     for block in (st.get("Condition") or {}).values() for key in block)


def uses_user(name: str) -> bool:
    return "{user}" in _template_text(name)


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    raw = doc.get("Statement", [])
    return [raw] if isinstance(raw, dict) else list(raw)


def _expand(text: str, p: RenderParams) -> list[str]:
    if "{project}" in text:
        variants = [text.replace("{region}", r).replace("{project}", a) for r, a in p.projects]
    elif "{identity}" in text:
        variants = [text.replace("{region}", r).replace("{identity}", n) for r, n in p.identities]
    elif "{region}" in text:
        variants = [text.replace("{region}", r) for r in p.regions]
    else:
        variants = [text]
    return [v.replace("{account}", p.account).replace("{partition}", p.partition).replace("{user}", p.user)
            for v in variants]


def _expand_all(value: Any, p: RenderParams) -> list[str]:
    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        out.extend(v for v in _expand(item, p) if v not in out)
    return out


def _render_statement(st: dict[str, Any], p: RenderParams) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for key, value in st.items():
        if key in _LIST_ELEMENTS:
            values = _expand_all(value, p)
            if not values:
                return None
            out[key] = values[0] if isinstance(value, str) and len(values) == 1 else values
        elif key == "Condition":
            block: dict[str, Any] = {}
            for operator, pairs in value.items():
                block[operator] = {}
                for cond_key, cond_value in pairs.items():
                    values = _expand_all(cond_value, p)
                    if not values:
                        return None
                    block[operator][cond_key] = values[0] if len(values) == 1 else values
            out[key] = block
        else:
            out[key] = value
    return out


def render(name: str, p: RenderParams) -> dict[str, Any]:
    """The archetype's document with the given ids filled in."""
    doc = template(name)
    statements = [r for r in (_render_statement(st, p) for st in _statements(doc)) if r is not None]
    return {"Version": doc.get("Version", "2012-10-17"), "Statement": statements}
