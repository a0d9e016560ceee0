"""The API's documentation page, rendered on the server from its OpenAPI document: no script, no style sheet
and no font from another site (the machines this runs on may have no internet, and a bank's proxy may block
CDNs), readable without JavaScript and by a screen reader."""

from __future__ import annotations

import json
from html import escape
from typing import Any

__all__ = ["docs_page"]

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
code,pre{font-family:ui-monospace,monospace;background:#f3f4f6;border-radius:4px}
pre{padding:.75rem;overflow-x:auto} h2{margin-top:2.5rem;border-top:1px solid #d1d5db;padding-top:1rem}
.method{font-weight:700;display:inline-block;min-width:4rem} table{border-collapse:collapse;width:100%}
th,td{text-align:left;border-bottom:1px solid #e5e7eb;padding:.25rem .5rem;vertical-align:top}
a{color:#1d4ed8}
"""


def _schema_text(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_schema_text(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {_schema_text(schema.get('items', {}))}"
    bounds = [f"{k} {schema[k]}" for k in ("format", "minimum", "maximum", "minLength", "maxLength", "pattern")
              if k in schema]
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [f"<h3 id=\"{escape(op.get('operationId', path))}\"><span class=\"method\">{method.upper()}</span> "
             f"<code>{escape(path)}</code></h3>", f"<p>{escape(op.get('summary', ''))}</p>"]
    params = op.get("parameters", [])
    if params:
        parts.append("<table><thead><tr><th scope=\"col\">Parameter</th><th scope=\"col\">In</th>"
                     "<th scope=\"col\">Type</th><th scope=\"col\">Description</th></tr></thead><tbody>")
        for p in params:
            required = " (required)" if p.get("required") else ""
            parts.append(f"<tr><td><code>{escape(p['name'])}</code>{required}</td><td>{escape(p['in'])}</td>"
                         f"<td>{escape(_schema_text(p.get('schema', {})))}</td>"
                         f"<td>{escape(p.get('description', '') or p.get('schema', {}).get('description', ''))}</td>"
                         "</tr>")
        parts.append("</tbody></table>")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        parts.append(f"<p>Body: <code>{escape(_schema_text(body))}</code></p>")
    responses = op.get("responses", {}).items()
    codes = "".join(f"<li><code>{escape(code)}</code> {escape(r.get('description', ''))}</li>" for code, r in responses)
    parts.append(f"<p>Answers:</p><ul>{codes}</ul>")
    return "\n".join(parts)


def _model(name: str, schema: dict[str, Any]) -> str:
    rows = "".join(f"<tr><td><code>{escape(field)}</code></td><td>{escape(_schema_text(spec))}</td>"
                   f"<td>{escape(spec.get('description', ''))}</td></tr>"
                   for field, spec in schema.get("properties", {}).items())
    return (f"<h3 id=\"model-{escape(name)}\">{escape(name)}</h3><p>{escape(schema.get('description', ''))}</p>"
            f"<table><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Type</th>"
            f"<th scope=\"col\">Description</th></tr></thead><tbody>{rows}</tbody></table>")


def docs_page(openapi: dict[str, Any]) -> str:
    info = openapi.get("info", {})
    operations = [_operation(path, method, op) for path, item in openapi.get("paths", {}).items()
                  for method, op in item.items() if method in ("get", "post", "put", "delete")]
    models = [_model(name, schema) for name, schema in openapi.get("components", {}).get("schemas", {}).items()]
    curl = ("curl -H \"Authorization: Bearer $TOKEN\" "
            "\"http://127.0.0.1:8502/v1/report?year=2026&amp;quarter=3&amp;lang=es\"")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(info.get('title', 'API'))}</title><style>{_STYLE}</style></head>
<body><main>
<h1>{escape(info.get('title', 'API'))} <small>v{escape(str(info.get('version', '')))}</small></h1>
<p>{escape(info.get('description', ''))}</p>
<p>The machine-readable description is at <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI
{escape(openapi.get('openapi', ''))}). Every route but <code>/v1/health</code> needs
<code>Authorization: Bearer TOKEN</code>; add <code>lang=es</code> for Spanish names, words and errors.</p>
<pre><code>{curl}</code></pre>
<h2>Routes</h2>
{''.join(operations)}
<h2>Models</h2>
{''.join(models)}
</main></body></html>"""
