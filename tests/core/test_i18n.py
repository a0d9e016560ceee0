"""Spanish and English everywhere: every key has both languages, every key used exists, and no
page or widget module passes a hard-coded English sentence to Streamlit."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpis.catalog import Catalog
from kpis.i18n import LANGUAGES, all_texts
from tests.conftest import ROOT

UI_FILES = sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("src/kpis_app/*.py"), ROOT / "app.py"])
LIBRARY_FILES = sorted((ROOT / "src" / "kpis").rglob("*.py"))
STREAMLIT_TEXT_CALLS = {"title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
                        "success", "button", "download_button", "selectbox", "multiselect", "radio", "checkbox",
                        "toggle", "text_input", "text_area", "number_input", "date_input", "slider", "expander",
                        "popover", "form_submit_button", "metric", "tabs", "file_uploader"}
ALLOWED_LITERALS = {"Language / Idioma", "%", "P10–P90", "P50", "—"}


def test_every_message_has_every_language():
    missing = [(key, lang) for key, entry in all_texts().items() for lang in LANGUAGES if not entry.get(lang)]
    assert missing == []


def _catalog(path: Path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        return read_po(handle)


def test_the_template_is_what_babel_extracts_from_the_code_today(tmp_path):
    """`make messages` was run after the last change of English text: the committed .pot is current."""
    import subprocess
    import sys

    from kpis.i18n import LOCALE_DIR

    fresh = tmp_path / "kpis.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "--no-default-keywords", "-k",
                    "M:1c,2", "--no-location", "--omit-header", "-o", str(fresh),
                    str(LOCALE_DIR.parent / "messages.py")], check=True, capture_output=True)
    extracted = {(m.context, m.id) for m in _catalog(fresh) if m.id}
    committed = {(m.context, m.id) for m in _catalog(LOCALE_DIR / "kpis.pot") if m.id}
    assert extracted == committed, "run `make messages`"
    assert len(extracted) == len(all_texts())


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_catalog_translates_every_message_with_the_same_fields(lang):
    """The completeness test, on the catalogs translators edit: every message of the template translated,
    none fuzzy (English changed since), none left over, and the same {fields} as the English."""
    from kpis.i18n import LOCALE_DIR, catalog_path

    template = {(m.context, m.id) for m in _catalog(LOCALE_DIR / "kpis.pot") if m.id}
    catalog = _catalog(catalog_path(lang))
    entries = {(m.context, m.id): m for m in catalog if m.id}
    assert sorted(template - set(entries)) == [], "run `make messages`, then translate"
    assert sorted(set(entries) - template) == []
    assert [key for key, m in entries.items() if not m.string] == []
    assert [key for key, m in entries.items() if m.fuzzy] == [], "English changed: review these translations"
    fields = re.compile(r"\{[^{}]*\}")
    assert [key for key, m in entries.items() if set(fields.findall(m.id)) != set(fields.findall(m.string))] == []


def test_catalogs_compile_on_first_use_and_again_when_edited(tmp_path, monkeypatch):
    import kpis.i18n as i18n

    source = tmp_path / "es" / "LC_MESSAGES" / "kpis.po"
    source.parent.mkdir(parents=True)
    source.write_bytes(i18n.catalog_path("es").read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._translations.cache_clear()
    try:
        assert i18n.t("status.ahead", "es") == "Adelantado" and source.with_suffix(".mo").is_file()
        source.write_text(source.read_text(encoding="utf-8").replace('msgstr "Adelantado"', 'msgstr "Por delante"'),
                          encoding="utf-8")
        import os

        os.utime(source, ns=(source.stat().st_mtime_ns + 10**9,) * 2)
        i18n._translations.cache_clear()
        assert i18n.t("status.ahead", "es") == "Por delante"
    finally:
        i18n._translations.cache_clear()


def test_every_message_key_used_in_code_exists():
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[A-Za-z0-9_.\-]+)["']""")
    used = {key for path in UI_FILES + LIBRARY_FILES for key in pattern.findall(path.read_text(encoding="utf-8"))}
    assert used, "the scan found no keys"
    assert sorted(used - set(all_texts())) == []


def test_dynamic_message_families_are_complete(catalog: Catalog):
    families = {
        "status": ["ahead", "on_track", "at_risk", "off_track", "no_data"],
        "family": ["adoption", "technical", "business", "innovation"],
        "stage": ["idea", "evaluation", "experimentation", "validation", "scaled", "stopped"],
        "horizon": ["H1", "H2", "H3", "operational_excellence"],
        "dim": ["strategy", "people", "process", "technology", "governance", "data"],
        "level": ["initial", "developing", "defined", "managed", "optimized"],
        "stream": ["direct_savings", "revenue_increase", "risk_reduction", "innovation_value"],
        "agg": ["sum", "last", "mean", "max", "min", "p95"],
        "unit": ["count", "percent", "ms", "weeks", "ratio"],
        "role": ["viewer", "editor", "admin"],
        "rule": ["higher_is_better", "lower_is_better", "error_budget", "error_budget_full", "zero_target",
                 "zero_actual", "no_actual", "no_target"],
        "kind": ["observations", "targets", "maturity", "value", "investments", "use-cases"],
    }
    missing = [f"{prefix}.{name}" for prefix, names in families.items() for name in names
               if f"{prefix}.{name}" not in all_texts()]
    assert missing == []
    assert all((kpi.name_es and kpi.name_es != kpi.name_en) or kpi.id in ("nps", "ltv_cac") for kpi in catalog)


def _literal_text_args(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in STREAMLIT_TEXT_CALLS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and \
                    re.search(r"[A-Za-z]{3}", first.value) and first.value not in ALLOWED_LITERALS:
                found.append(f"{path.name}:{node.lineno}: {first.value!r}")
    return found


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_no_hard_coded_sentences_in_the_ui(path: Path):
    assert _literal_text_args(path) == []


PAGES = ["pages/dashboard.py", "pages/value.py", "pages/innovation.py", "pages/regions.py", "pages/maturity.py",
         "pages/export.py", "pages/data.py"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_page_renders_in_both_languages(demo_store, monkeypatch, page, lang):
    monkeypatch.setenv("KPIS_DB", demo_store.target)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["lang"] = lang
    at.switch_page(page).run()
    assert not at.exception and not at.error
    title = at.title[0].value
    assert (title in {v["es"] for v in all_texts().values()}) == (lang == "es") or title in {
        v["en"] for v in all_texts().values() if v["en"] == v["es"]}


def test_spanish_choice_is_remembered_for_the_user(demo_store, monkeypatch):
    monkeypatch.setenv("KPIS_DB", demo_store.target)
    monkeypatch.chdir(ROOT)
    first = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    first.query_params["lang"] = "es"
    first.run()
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()  # no ?lang= in the URL
    assert again.title[0].value == "Tablero trimestral de escalamiento"
