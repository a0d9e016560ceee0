"""One report, every surface: each fact of a quarter's report (kpis.report) is found, as it is displayed, on
every surface that shows it (the dashboard page, CLI JSON/CSV/table, the scorecard XLSX, the deck's text, tables
and charts, the digest and alerts), for the demo and a generated program; a complete quarter, the quarter in
progress and a quarter of the previous year; English and Spanish; the reporting currency set to MXN and to USD.
A complete quarter's surfaces hold nothing dated after its end.

Everything runs on a fixed day (KPIS_TODAY), so the test never depends on the day it runs."""

from __future__ import annotations

import csv
import email
import email.policy
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from babel import Locale
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from streamlit.testing.v1 import AppTest

from kpis.catalog import load_catalog
from kpis.export.boardpack import board_data, render_table
from kpis.export.deck import build_deck
from kpis.export.tables import to_xlsx_bytes
from kpis.formatting import format_attainment, format_day, format_value, locale_for
from kpis.i18n import t
from kpis.notify import run_alerts, run_digest, subscribe
from kpis.report import QuarterReport, build_report, full_quarter_text, status_word, target_text
from kpis.roles import Actor
from kpis.status import STATUS_ICONS
from kpis.store import Store
from tests.conftest import ROOT

pytestmark = pytest.mark.duckdb_only  # the same report on PostgreSQL: test_rollup/test_postgres compare the stores

TODAY = "2026-12-04"  # the quarter in progress is 2026-Q4 (data to Nov 30); the latest complete is 2026-Q3
CATALOG = load_catalog()
QUARTERS = [(2026, 3), (2026, 4), (2025, 2)]  # complete, in progress, a quarter of the previous year
LANGS = ["en", "es"]
STORES = ["demo-MXN", "demo-USD", "generated-MXN", "generated-USD"]


@pytest.fixture(autouse=True)
def _fixed_day(monkeypatch):
    monkeypatch.setenv("KPIS_TODAY", TODAY)


def kpis(db: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), *args], capture_output=True, text=True,
                            env={**os.environ, "KPIS_TODAY": TODAY, "KPIS_USER": "t"}, timeout=180)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _generated(db: Path) -> None:
    """A program unlike the demo: two regions live from 2025, a ledger started 2025-01-01 with US$ amounts."""
    folder = db.parent
    kpis(db, "init")
    rows = ["kpi_id,period,value,region"]
    months = [(y, m) for y in (2025, 2026) for m in range(1, 13) if (y, m) <= (2026, 11)]
    for index, (year, month) in enumerate(months):
        for region, scale in (("Norte", 1.0), ("Sur", 0.6)):
            rows.append(f"new_users,{year}-{month:02d},{round(300 * scale + 9 * index)},{region}")
            rows.append(f"adoption_rate_pct,{year}-{month:02d},{60 + index * scale:.1f},{region}")
            rows.append(f"api_latency_p95_ms,{year}-{month:02d},{130 - index * scale:.0f},{region}")
            rows.append(f"cost_per_prediction_usd,{year}-{month:02d},{0.09 - index * 0.001 * scale:.4f},{region}")
    (folder / "obs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    kpis(db, "import", "observations", str(folder / "obs.csv"), "--create-missing")
    (folder / "targets.csv").write_text("kpi_id,year,quarter,target\n" + "".join(
        f"new_users,{y},{q},{1500 + 200 * q}\nadoption_rate_pct,{y},{q},{70 + 3 * q}\n"
        f"api_latency_p95_ms,{y},{q},100\ncost_per_prediction_usd,{y},{q},0.07\nroi_pct,{y},{q},{100 * q}\n"
        for y in (2025, 2026) for q in (1, 2, 3, 4)),
        encoding="utf-8")
    kpis(db, "import", "targets", str(folder / "targets.csv"))
    (folder / "value.csv").write_text("program,stream,year,amount,currency\n" + "".join(
        f"Programa Norte,{stream},{year},{amount},USD\n"
        for stream, amounts in (("direct_savings", (1e6, 2e6)), ("revenue_increase", (5e5, 1.5e6)))
        for year, amount in enumerate(amounts, start=1)), encoding="utf-8")
    kpis(db, "import", "value", str(folder / "value.csv"), "--create-missing")
    (folder / "inv.csv").write_text("program,year,amount,currency\nPrograma Norte,1,800000,USD\n"
                                    "Programa Norte,2,600000,USD\n", encoding="utf-8")
    kpis(db, "import", "investments", str(folder / "inv.csv"))
    with Store(db).write_session() as session:
        session.con.execute("UPDATE programs SET started = DATE '2025-01-01'")
    _copy_fx(db)


def _copy_fx(db: Path) -> None:
    """The demo's dated FX table (users enter rates; there is no internet): every pair and quarter end."""
    from kpis.demo import demo_fx_rates

    with Store(db).write_session() as session:
        session.upsert_fx_rates(demo_fx_rates(), actor="t", channel="test")


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    os.environ["KPIS_TODAY"] = TODAY  # module fixtures run before the autouse one
    folder = tmp_path_factory.mktemp("surfaces")
    demo = folder / "demo" / "kpis.duckdb"
    demo.parent.mkdir()
    kpis(demo, "init", "--demo")
    generated = folder / "generated" / "kpis.duckdb"
    generated.parent.mkdir()
    _generated(generated)
    found = {}
    for name, source in (("demo", demo), ("generated", generated)):
        for currency in ("MXN", "USD"):
            target = folder / f"{name}-{currency}.duckdb"
            shutil.copy(source, target)
            with Store(target).write_session() as session:  # the store's setting, used by every surface
                session.set_setting("reporting_currency", currency)
            found[f"{name}-{currency}"] = target
    return found


@cache
def _report(db: str, year: int, quarter: int) -> QuarterReport:
    with Store(db).session() as session:
        return build_report(session, CATALOG, year, quarter)


def report_of(stores, key: str, year: int, quarter: int) -> QuarterReport:
    report = _report(str(stores[key]), year, quarter)
    assert report.currency == key.split("-")[1]
    return report


def facts(report: QuarterReport, lang: str) -> dict[str, dict[str, str]]:
    """Every KPI's displayed facts: name, actual, target, attainment and status word, in `lang`."""
    return {c.kpi.id: {"name": c.kpi.name(lang), "actual": format_value(c.actual, c.kpi, lang),
                       "target": target_text(c, lang),
                       "attainment": format_attainment(c.attainment), "status": status_word(c, lang),
                       "icon": STATUS_ICONS[c.status]} for c in report.cells}


CASES = [pytest.param(s, y, q, id=f"{s}-{y}Q{q}") for s in STORES for y, q in QUARTERS]
LANG_CASES = [pytest.param(s, y, q, lang, id=f"{s}-{y}Q{q}-{lang}") for s in STORES for y, q in QUARTERS
              for lang in LANGS]


# -- the report itself ---------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["demo-MXN", "generated-USD"])
def test_report_cutoff_is_the_quarter_end_or_the_day_its_data_runs_to(stores, key):
    complete, in_progress = report_of(stores, key, 2026, 3), report_of(stores, key, 2026, 4)
    assert (complete.cutoff, complete.in_progress) == (date(2026, 9, 30), False)
    assert (in_progress.cutoff, in_progress.in_progress) == (date(2026, 11, 30), True)
    assert complete.realised is not None and complete.realised.on == date(2026, 9, 30)
    assert complete.cell("roi_pct").actual == pytest.approx(complete.realised.net_roi_pct)


@pytest.mark.parametrize(("key", "year", "quarter"), CASES)
def test_every_count_is_the_verdicts(stores, key, year, quarter):
    report = report_of(stores, key, year, quarter)
    counts = report.counts
    assert counts["ahead"] + counts["on_track"] == report.verdict.on_track
    assert sum(counts[s] for s in ("ahead", "on_track", "at_risk", "off_track")) == report.verdict.judged
    assert sum(counts.values()) == len(report.cells)


def test_in_progress_flow_kpi_status_is_the_prorated_judgement(stores):
    report = report_of(stores, "demo-MXN", 2026, 4)
    flows = [c for c in report.cells if c.kpi.over_time == "sum" and c.target_value is not None and c.actual]
    assert flows and all(c.prorated is not None and c.status == c.prorated.status for c in flows)
    assert all(c.full_quarter_view.attainment < c.attainment for c in flows if c.kpi.direction == "higher_is_better")


# -- CLI --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "year", "quarter"), CASES)
def test_cli_json_and_csv_carry_the_report(stores, key, year, quarter):
    report = report_of(stores, key, year, quarter)
    records = {r["kpi_id"]: r for r in json.loads(kpis(stores[key], "scorecard", "--year", str(year), "--quarter",
                                                        str(quarter), "--format", "json"))}
    rows = {r["kpi_id"]: r for r in csv.DictReader(io.StringIO(kpis(
        stores[key], "scorecard", "--year", str(year), "--quarter", str(quarter), "--format", "csv")))}
    for cell in report.cells:
        record, row = records[cell.kpi.id], rows[cell.kpi.id]
        assert record["actual"] == (None if cell.actual is None else pytest.approx(cell.actual, rel=1e-12))
        assert record["target"] == (None if cell.target_value is None else pytest.approx(cell.target_value, rel=1e-12))
        assert record["attainment"] == (None if cell.attainment is None else pytest.approx(cell.attainment, rel=1e-12))
        assert (record["status"], record["full_quarter_status"]) == (cell.status, cell.full_quarter_view.status)
        assert record["forecast_q4"] == (None if cell.forecast is None else pytest.approx(cell.forecast.value))
        assert record["quarter_to_date"] is report.in_progress
        assert row["status"] == cell.status and (row["actual"] == "" if cell.actual is None
                                                 else float(row["actual"]) == pytest.approx(cell.actual, rel=1e-12))


@pytest.mark.parametrize(("key", "year", "quarter", "lang"), LANG_CASES)
def test_cli_table_shows_the_reports_words_and_numbers(stores, key, year, quarter, lang):
    report = report_of(stores, key, year, quarter)
    out = kpis(stores[key], "scorecard", "--year", str(year), "--quarter", str(quarter), "--lang", lang)
    heading, verdict = out.splitlines()[:2]
    assert report.when(lang) in heading and report.currency in heading
    assert verdict == report.verdict_text(lang)
    lines = out.splitlines()
    for fact in facts(report, lang).values():
        line = next(x for x in lines if x.startswith(fact["name"] + "  "))
        assert all(fact[k] in line for k in ("actual", "target", "attainment", "status")), (fact, line)


# -- the dashboard page -----------------------------------------------------------------------------------

_CARD = re.compile(r'<div class="kpi-card"[^>]*><div class="name">(.*?)</div><div class="actual">(.*?)</div>'
                   r'(.*?)<span class="kpi-flag" data-status="(\w+)"[^>]*>(.*?)</span>')


def dashboard(db: Path, year: int, quarter: int, lang: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("KPIS_DB", str(db))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params.update({"year": str(year), "quarter": str(quarter), "lang": lang})
    app.run()
    assert not app.exception and not app.error
    return app


@pytest.mark.parametrize(("key", "year", "quarter", "lang"), LANG_CASES)
def test_dashboard_shows_the_reports_facts(stores, key, year, quarter, lang, monkeypatch):
    report = report_of(stores, key, year, quarter)
    app = dashboard(stores[key], year, quarter, lang, monkeypatch)
    page = "\n".join(m.value for m in app.markdown)
    for family in ("adoption", "technical", "business", "innovation"):  # only the open family's cards are drawn
        app.session_state[f"family_tab_{lang}"] = t(f"family.{family}", lang)
        app.run()
        page += "\n" + "\n".join(m.value for m in app.markdown if 'class="kpi-card"' in m.value)
    assert html.escape(report.verdict_text(lang)) in page
    assert html.escape(report.when(lang)) in page
    cards = {}
    for chunk in page.split('<div class="kpi-card"')[1:]:  # a card: its own HTML up to the next card
        name, actual, _, status, word = _CARD.match('<div class="kpi-card"' + chunk).groups()
        cards.setdefault(html.unescape(name), (html.unescape(actual), html.unescape(chunk), status,
                                               html.unescape(word)))
    by_id = {c.kpi.id: c for c in report.cells}
    for kpi_id, fact in facts(report, lang).items():
        actual, meta, status, word = cards[fact["name"]]
        assert (actual, status, word) == (fact["actual"], by_id[kpi_id].status, f"{fact['icon']} {fact['status']}")
        assert f"{fact['target']}" in meta and fact["attainment"] in meta
        full = full_quarter_text(by_id[kpi_id], lang)
        assert full is None or full in meta, (full, meta)  # the whole quarter beside a pro-rated status
    chips = re.search(r'<div class="kpi-summary".*?</div>', page, re.S).group(0)
    for status, n in report.counts.items():
        word = status_word_of(status, lang)
        assert (f"{word}: {n}" in html.unescape(chips)) == bool(n), (status, n, chips)


def status_word_of(status: str, lang: str) -> str:
    return t(f"status.{status}", lang)


# -- exports: XLSX and the deck ------------------------------------------------------------------------------

@cache
def _board(db: str, year: int, quarter: int, lang: str):
    report = _report(db, year, quarter)
    with Store(db).session() as session:
        return board_data(report, session, CATALOG, lang)


@pytest.mark.parametrize(("key", "year", "quarter", "lang"), LANG_CASES)
def test_xlsx_scorecard_holds_the_reports_numbers(stores, key, year, quarter, lang):
    report = report_of(stores, key, year, quarter)
    data = _board(str(stores[key]), year, quarter, lang)
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(render_table("scorecard", data), "scorecard"))).active
    header = [c.value for c in sheet[1]]
    rows = {row[header.index("kpi_id")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    columns = {name: header.index(t(key, lang)) for name, key in (
        ("actual", "card.actual"), ("target", "card.target"), ("attainment", "card.attainment"),
        ("status", "table.status"))}
    for cell in report.cells:
        row = rows[cell.kpi.id]
        for name, value in (("actual", cell.actual), ("target", cell.target_value), ("attainment", cell.attainment)):
            assert row[columns[name]] == (None if value is None else pytest.approx(value, rel=1e-12)), name
        assert row[header.index("status_code")] == cell.status
        assert row[columns["status"]] == f"{STATUS_ICONS[cell.status]} {status_word(cell, lang)}"


def deck_of(stores, key, year, quarter, lang) -> Presentation:
    data = _board(str(stores[key]), year, quarter, lang)
    return Presentation(io.BytesIO(build_deck(data, None, "Program")))


def deck_texts(deck: Presentation) -> list[str]:
    texts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts.extend(c.text for row in shape.table.rows for c in row.cells)
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
    return texts


@pytest.mark.parametrize(("key", "year", "quarter", "lang"), LANG_CASES)
def test_deck_shows_the_reports_facts(stores, key, year, quarter, lang):
    report = report_of(stores, key, year, quarter)
    deck = deck_of(stores, key, year, quarter, lang)
    texts = deck_texts(deck)
    assert report.when(lang) in deck.slides[0].shapes.title.text
    assert report.verdict_text(lang) in texts
    rows = {}
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_table:
                for row in list(shape.table.rows)[1:]:
                    cells = [c.text for c in row.cells]
                    rows.setdefault(cells[0], cells)
    for fact in facts(report, lang).values():
        assert rows[fact["name"]][1:5] == [fact["actual"], fact["target"], fact["attainment"],
                                          f"{fact['icon']} {fact['status']}"]
    (doughnut,) = [shape.chart for slide in deck.slides for shape in slide.shapes
                   if shape.has_chart and shape.chart.chart_type == XL_CHART_TYPE.DOUGHNUT]
    shown = {str(c).rsplit(": ", 1)[0].split(" ", 1)[1]: int(str(c).rsplit(": ", 1)[1])
             for c in doughnut.plots[0].categories}
    assert shown == {status_word_of(s, lang): n for s, n in report.counts.items() if n}


# -- the digest and alerts ------------------------------------------------------------------------------------

def _messages(folder: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*.eml"))]


@pytest.mark.parametrize(("key", "year", "quarter", "lang"), LANG_CASES)
def test_digest_subject_and_body_carry_the_report(stores, key, year, quarter, lang, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(stores[key], db)
    store = Store(db)
    subscribe(store, Actor("t", "admin"), f"reader-{lang}@bank.example", "both", lang=lang)
    report = report_of(stores, key, year, quarter)
    run_digest(store, CATALOG, year=year, quarter=quarter, send=False, out=tmp_path / "out", with_chart=False)
    (message,) = _messages(tmp_path / "out")
    subject = str(message["Subject"])
    assert report.when(lang) in subject and f"{report.on_track}" in subject and f"{report.judged}" in subject
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert report.verdict_text(lang) in text
    for fact in facts(report, lang).values():
        line = f"- {fact['name']}: {fact['actual']} / {fact['target']} ({fact['attainment']}) {fact['icon']} " \
               f"{fact['status']}"
        assert line in text, line


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("year", "quarter"), [(2026, 4), (2026, 3)])
def test_alerts_tell_the_reports_status_changes(stores, year, quarter, lang, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(stores["demo-MXN"], db)
    store = Store(db)
    subscribe(store, Actor("t", "admin"), "alerts@bank.example", "alerts", lang=lang)
    report = report_of(stores, "demo-MXN", year, quarter)
    run_alerts(store, CATALOG, send=False, out=tmp_path / "out", year=year, quarter=quarter)
    (message,) = _messages(tmp_path / "out")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert report.when(lang) in str(message["Subject"]) + text
    for move in report.changes.status_moves:
        if move.after == "no_data":
            continue
        line = next(x for x in text.splitlines() if x.startswith(f"- {move.cell.kpi.name(lang)}:")
                    and "→" in x)
        assert f"→ {STATUS_ICONS[move.after]} {status_word_of(move.after, lang)}" in line


# -- the cut-off ----------------------------------------------------------------------------------------------

def dates_in(texts: list[str], lang: str) -> list[date]:
    """Every date written for people (format_day's medium format: 'Sep 30, 2026', '30 sep 2026') in the texts."""
    months = {str(name).lower().rstrip("."): number
              for number, name in Locale.parse(locale_for(lang)).months["format"]["abbreviated"].items()}
    pattern = r"\b([A-Za-z]{3,5})\.? (\d{1,2}), (\d{4})\b" if lang == "en" else r"\b(\d{1,2}) ([a-z]{3,5})\.? (\d{4})\b"
    found = []
    for text in texts:
        for match in re.findall(pattern, text):
            month, day, year = match if lang == "en" else (match[1], match[0], match[2])
            if month.lower() in months:
                found.append(date(int(year), months[month.lower()], int(day)))
    return found


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", ["demo-MXN", "generated-USD"])
def test_a_complete_quarters_deck_holds_nothing_after_its_end(stores, key, lang):
    deck = deck_of(stores, key, 2026, 3, lang)
    texts = deck_texts(deck)
    written = dates_in(texts, lang)
    assert written and max(written) <= date(2026, 9, 30), written
    assert format_day(date(2026, 9, 30), lang) in "\n".join(texts)
    for slide in deck.slides:
        for shape in slide.shapes:
            if not shape.has_chart:
                continue
            categories = [str(c) for c in shape.chart.plots[0].categories]
            for series in shape.chart.plots[0].series:
                for label, value in zip(categories, series.values):
                    if label in ("Q4", "2026-Q4") and series.name in ("Actual", "Real"):
                        assert value is None, (shape.chart.chart_title.text_frame.text, label, value)


@pytest.mark.parametrize("lang", LANGS)
def test_a_complete_quarters_pages_and_charts_hold_nothing_after_its_end(stores, lang, monkeypatch):
    app = dashboard(stores["demo-MXN"], 2026, 3, lang, monkeypatch)
    page = "\n".join(m.value for m in app.markdown)
    assert max(dates_in([html.unescape(page)], lang)) <= date(2026, 9, 30)
    trend = json.loads(app.get("plotly_chart")[0].proto.spec)
    actual = next(trace for trace in trend["data"] if trace.get("name") in ("Actual", "Real"))
    assert max(actual["x"]) <= "2026-Q3" and all(y is not None for y in actual["y"][-1:])
    # the quarter table's Q4 column: targets (the plan), never an actual
    table = re.search(r'<table class="kpi-table">.*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr><td><b>.*?</tr>", table, re.S)
    q4 = [re.findall(r'<span class="num">(.*?) / ', row)[-1] for row in rows]
    assert q4 and all(html.unescape(v) == "—" for v in q4), q4
    for name in ("value", "innovation", "regions", "maturity"):
        app.switch_page(f"pages/{name}.py").run()
        assert not app.exception and not app.error, name
        texts = [html.unescape(m.value) for m in app.markdown] + [s.value for s in app.subheader] + \
            [c.value for c in app.caption]
        shown = dates_in(texts, lang)
        assert not shown or max(shown) <= date(2026, 9, 30), (name, shown)
        for chart in app.get("plotly_chart"):
            spec = json.loads(chart.proto.spec)
            for trace in spec["data"]:
                xs = [x for x in trace.get("x") or [] if isinstance(x, str) and re.fullmatch(r"\d{4}-Q\d", x)]
                assert not xs or max(xs) <= "2026-Q3", (name, trace.get("name"), xs)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("year", "quarter"), [(2026, 3), (2026, 4)])
def test_value_innovation_and_regions_pages_show_the_reports_figures(stores, year, quarter, lang, monkeypatch):
    report = report_of(stores, "demo-MXN", year, quarter)
    app = dashboard(stores["demo-MXN"], year, quarter, lang, monkeypatch)
    app.switch_page("pages/value.py").run()
    assert not app.exception and not app.error
    page = html.unescape("\n".join(m.value for m in app.markdown))
    roi = report.cell("roi_pct")
    assert format_value(roi.actual, roi.kpi, lang) in page  # the dashboard's roi_pct card, realised at the cut-off
    assert t("value.models_note", lang, models=format_value(report.models_in_production,
                                                          report.cell("models_in_production").kpi, lang)) in page
    assert any(format_day(report.cutoff, lang) in h.value for h in app.subheader)
    app.switch_page("pages/innovation.py").run()
    assert not app.exception and not app.error
    rate = report.cell("use_case_success_rate_pct")
    assert format_value(rate.actual, rate.kpi, lang) in html.unescape("\n".join(m.value for m in app.markdown))
    app.switch_page("pages/regions.py").run()
    assert not app.exception and not app.error
    page = "\n".join(m.value for m in app.markdown)
    table = re.search(r'<table class="kpi-table">.*?</table>', page, re.S).group(0)
    header = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
    rows = {html.unescape(cells[0]): cells for cells in
            ([html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)] for row in re.findall(r"<tr>(.*?)</tr>",
                                                                                              table)[1:])}
    for name, grid in report.regions.items():
        cell = grid.cell("new_users", year, quarter)
        shown = rows[label_of(report, name, lang)][header.index(cell.kpi.name(lang))]
        assert shown == f"{format_value(cell.actual, cell.kpi, lang)} {STATUS_ICONS[cell.status]} " \
                        f"{status_word(cell, lang)}"


def label_of(report: QuarterReport, name: str, lang: str) -> str:
    from kpis.reference.names import label

    return label("region", name, lang, report.names)
