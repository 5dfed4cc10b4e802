"""findings.html: one self-contained file (template, CSS, JS and data inlined)."""
from __future__ import annotations

import json
from typing import Any

from auditor.model.result import ScanResult
from auditor.report.json_report import findings_document


def embed_json(data: Any) -> str:
    """JSON safe inside <script type="application/json">: no `</script>` or `<!--` can appear."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("report_templates", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(result: ScanResult) -> dict[str, bytes]:
    doc = findings_document(result)
    template = _environment().get_template("report.html.j2")
    html = template.render(doc=doc, data_json=embed_json(doc))
    return {"findings.html": html.encode("utf-8")}
