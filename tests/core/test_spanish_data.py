"""Spanish reaches the data too: every reason a row or value is refused for, the CLI's messages,
the regions' regulation table and the reasons the program writes itself read in Spanish."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpis.catalog import Catalog
from kpis.editing.imports import parse_rows, read_table, reference_context
from kpis.errors import Reason, RowError, ValidationError, Words, localize
from kpis.i18n import all_texts
from kpis.reference.names import SYSTEM_REASONS, reason_label
from kpis.reference.regions import regulation_table
from kpis.store import Store
from tests.conftest import ROOT

# English words that never belong in a Spanish reason (ids, column names and quoted input aside)
ENGLISH = re.compile(r"\b(is|the|not|unknown|required|must|expected|duplicate|line|column|more than|below|above|"
                     r"should|valid|input|value error)\b")


def _spanish_problems(text: str) -> list[str]:
    """English words left in a Spanish text, outside quotes ('...') and outside `field:` prefixes."""
    unquoted = re.sub(r"'[^']*'", "", text)
    unquoted = re.sub(r"\b[a-z_]+: ", "", unquoted)  # the file's own column names ("kpi_id: ...")
    return ENGLISH.findall(unquoted)


def _walk(reason: object) -> list[Reason]:
    found = []
    if isinstance(reason, Reason):
        found.append(reason)
        for value in reason.params.values():
            for item in value if isinstance(value, tuple) else (value,):
                found += _walk(item)
    return found


def test_every_reason_key_in_the_code_has_both_languages():
    pattern = re.compile(r"""\bReason\(\s*["']([a-z_.]+)["']""")
    used = {key for path in (ROOT / "src" / "kpis").rglob("*.py")
            for key in pattern.findall(path.read_text(encoding="utf-8"))} - {"join"}
    assert {"field", "not_number", "unknown_kpi", "duplicate"} <= used
    dynamic = {"what.year", "what.program_year", "kind.region", "kind.department", "kind.program",
               "entity.departments", "entity.regions"}
    missing = [key for key in sorted(used | dynamic) if f"reason.{key}" not in all_texts()]
    assert missing == []
    assert all(all_texts()[f"reason.{key}"]["es"] for key in used | dynamic)


BAD_FILES = {
    "observations": (
        "kpi_id,period,value,region,department\n"
        "new_users,2026-02-30,5,,\n"          # no such day
        "new_users,2026-13,5,,\n"             # no such month
        "new_users,yesterday,5,,\n"           # not a period
        "new_users,2026-03,lots,,\n"          # not a number
        "new_users,2026-03,1e16,,\n"          # too large
        "new_users,2026-03,inf,,\n"           # not finite
        "adoption_rate_pct,2026-03,120,,\n"   # above the KPI's maximum
        "nope_kpi,2026-03,5,,\n"              # unknown KPI
        "new_users,1990-03,5,,\n"             # outside the accepted dates
        "new_users,2026-04,5,Mexcio,\n"       # unknown region, with a suggestion
        "new_users,2026-05,5,,Nowhere Dept\n"  # unknown department
        "new_users,2026-06,5,,\n"
        "new_users,2026-06,6,,\n"             # duplicate key
        "departments_using,2026-06,999,,\n"   # more departments than the store knows
        "roi_pct,2026-06,50,,\n"              # derived from the ledger
        ",2026-06,5,,\n"                      # missing KPI
        "new_users,2026-07,5,,,extra\n"       # more cells than columns
    ),
    "targets": "kpi_id,year,quarter,target\nnew_users,20x6,Q1,5\nnew_users,2026,Q9,5\nnew_users,2026.5,2,5\n",
    "value": ("program,stream,year,amount,currency,growth_rate\nBanco Demo AI,magic,1,5,MXN,\n"
              "Banco Demo AI,direct_savings,0,5,MXN,\nBanco Demo AI,direct_savings,2,-5,pesos,\n"
              "Banco Demo AI,direct_savings,3,5,MXN,99\n"),
    "maturity": "unit,year,quarter,dimension,score\nOrganization,2026,1,vibes,9\nOrganization,2026,1,data,0\n",
    "use-cases": ("name,stage,horizon,started\nA,dreaming,H9,2026-01-01\nB,idea,H1,someday\n"
                  f"{'x' * 300},idea,H1,\n"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_every_rejected_row_reads_in_spanish(kind: str, demo_store: Store, catalog: Catalog):
    names, rows = read_table(BAD_FILES[kind].encode(), f"{kind}.csv")
    reference, derived = reference_context(demo_store)
    parsed = parse_rows(kind, names, rows, catalog, reference, False, derived)
    bad_lines = {e.line for e in parsed.errors}
    assert bad_lines == {line for line, _ in rows} - ({13} if kind == "observations" else set())
    for error in parsed.errors:
        spanish = localize(error.reason, "es")
        assert isinstance(error.reason, Reason), error  # translatable, not a fixed English string
        assert spanish != str(error.reason) or not _spanish_problems(str(error.reason)), spanish
        assert _spanish_problems(spanish) == [], (kind, error.line, spanish)
        assert "invalid" not in {r.key for r in _walk(error.reason)}, (kind, error.line, str(error.reason))
        assert error.text("es").startswith(f"línea {error.line}: ")


def test_header_problems_and_whole_file_problems_read_in_spanish(catalog: Catalog):
    names, rows = read_table(b"kpi_id,value,colour,value\nnew_users,5,red,6\n", "x.csv")
    parsed = parse_rows("observations", names, rows, catalog)
    texts = [e.text("es") for e in parsed.errors]
    assert any("falta la columna obligatoria 'period'" in x for x in texts)
    assert any("columna desconocida 'colour'" in x for x in texts)
    assert any("aparece dos veces" in x for x in texts)
    with pytest.raises(ValidationError) as caught:
        read_table(b'kpi_id,period,value\nnew_users,"2026-03,5\n', "x.csv")
    assert "nunca se cierra" in caught.value.localized("es")
    assert "línea 2: campo entre comillas sin cerrar" in caught.value.report("es")


def test_a_kpi_named_in_a_reason_uses_its_name_in_the_readers_language(catalog: Catalog):
    problems = catalog.value_problems("adoption_rate_pct", "value", 120)
    kpi = catalog.get("adoption_rate_pct")
    assert kpi.name_es in localize(problems[0], "es") and kpi.name_en in str(problems[0])
    assert "adoption_rate_pct" not in localize(problems[0], "es")
    assert Words(en="Mexico", es="México").text("es") == "México"


def test_cli_speaks_spanish_with_lang_or_kpis_lang(demo_db: Path, tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("kpi_id,period,value\nnew_users,2026-03,lots\nnope,2026-03,5\n", encoding="utf-8")
    env = {"KPIS_DB": str(demo_db), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "kpis", "import", "observations", str(bad), "--dry-run",
                             "--lang", "es"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert "bad.csv: 2 fila(s) con error; no se escribió nada." in result.stderr
    assert "línea 2: value: 'lots' no es un número" in result.stderr
    assert "línea 3: kpi_id: KPI desconocido 'nope'" in result.stderr
    assert "Traceback" not in result.stderr
    result = subprocess.run([sys.executable, "-m", "kpis", "scorecard", "--year", "2026", "--quarter", "1",
                             "--region", "Mexcio"], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env=env | {"KPIS_LANG": "es"})
    assert result.returncode == 2
    assert "Nombre de región desconocido: 'Mexcio'; ¿quiso decir 'Mexico'?" in result.stderr


def test_regulation_table_is_in_spanish_on_a_spanish_page(demo_store: Store):
    with demo_store.session() as session:
        table = session.con.execute("SELECT * FROM regions ORDER BY name").df()
    spanish = regulation_table(table, "es")
    text = " ".join(spanish[["language", "residency", "validation", "ai_rules"]].astype(str).agg(" ".join, axis=1))
    for english in ("Portuguese", "Spanish", "English", "Required for", "Varies by state", "Recommended",
                    "Risk-based", "Resolution"):
        assert english not in text
    assert regulation_table(table, "en")["language"].tolist() == table["language"].tolist()


def test_regions_page_in_spanish_shows_no_english_regulation_text(demo_store: Store, monkeypatch):
    monkeypatch.setenv("KPIS_DB", demo_store.target)
    at = AppTest.from_file(str(ROOT / "pages" / "regions.py"), default_timeout=90)
    at.query_params["lang"] = "es"
    at.run()
    assert not at.exception
    # the page's tables are escaped HTML (never st.table, which renders names as Markdown)
    shown = " ".join(__import__("html").unescape(m.value) for m in at.markdown if m.value.startswith("<table"))
    assert "Portugués" in shown and "Obligatoria para datos personales" in shown
    assert "Portuguese" not in shown and "Required for" not in shown


def test_reasons_the_program_writes_read_in_the_readers_language():
    for english in SYSTEM_REASONS:
        assert reason_label(english, "en") == english
        assert reason_label(english, "es") != english
    assert reason_label("[restatement] board asked", "es") == "Reexpresión de un trimestre congelado: board asked"
    assert reason_label("my own words", "es") == "my own words"
    assert reason_label(None, "es") is None


def test_row_errors_are_still_plain_text_for_logs():
    error = RowError(3, Reason("field", field="value", reason=Reason("not_number", value="x")))
    assert str(error) == "line 3: value: 'x' is not a number"
    assert error.text("es") == "línea 3: value: 'x' no es un número"


def test_spanish_deck_names_regions_and_the_organisation_in_spanish(demo_store: Store, catalog: Catalog):
    """Slide texts, tables and chart categories of a Spanish deck: 'Brasil', 'Estados Unidos',
    'Organización' — never the English names stored as keys."""
    import io
    import zipfile

    from kpis.export.boardpack import gather
    from kpis.export.deck import build_deck

    with demo_store.session() as session:
        latest = session.rows("data_quarters")[0]
        data = gather(session, catalog, latest["year"], latest["quarter"], lang="es")
    content = build_deck(data, program="Banco Demo")
    with zipfile.ZipFile(io.BytesIO(content)) as pptx:
        text = " ".join(pptx.read(name).decode("utf-8") for name in pptx.namelist()
                        if name.endswith(".xml") and ("slides/slide" in name or "charts/chart" in name))
    for english in (">Brazil<", ">USA<", ">Mexico<", "Organisation", "Portuguese"):
        assert english not in text, english
    assert "Brasil" in text and "Estados Unidos" in text and "Organización" in text
