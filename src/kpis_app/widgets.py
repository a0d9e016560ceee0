"""Shared widgets: the house CSS, status flags, KPI cards and URL-backed filters."""

from __future__ import annotations

from html import escape

import streamlit as st

from kpis.export.charts import STATUS_COLORS, STATUS_TEXT_COLORS
from kpis.i18n import LANGUAGES, t
from kpis.status import STATUS_ICONS, Status

CSS = """
<style>
.block-container {padding-top: 2.2rem; max-width: 1500px;}
.kpi-flag {display: inline-flex; align-items: center; gap: .35em; padding: .12em .6em; border-radius: 999px;
  font-weight: 600; font-size: .92rem; white-space: nowrap; border: 1.5px solid currentColor;}
.kpi-card {border-left: 6px solid var(--status); padding: .2rem .2rem .2rem .8rem; min-height: 9.4rem;}
.kpi-card .name {font-size: .98rem; color: #3A4452; font-weight: 600; line-height: 1.25; min-height: 2.5em;}
.kpi-card .actual {font-size: 2.05rem; font-weight: 700; color: #1F2A37; line-height: 1.15; margin: .15rem 0;}
.kpi-card .meta {font-size: .9rem; color: #5B6675; margin-bottom: .35rem;}
.kpi-summary {display: flex; flex-wrap: wrap; gap: .6rem; margin: .3rem 0 1rem 0;}
.kpi-summary .kpi-flag {font-size: 1.05rem; padding: .3em .9em;}
.kpi-subtitle {color: #5B6675; font-size: 1.1rem; margin-top: -.6rem;}
table.kpi-table {border-collapse: collapse; width: 100%; font-size: .95rem;}
table.kpi-table th {text-align: left; background: #F3F5F8; padding: .45rem .5rem; border-bottom: 2px solid #C9CED6;}
table.kpi-table td {padding: .4rem .5rem; border-bottom: 1px solid #E6E9EE; vertical-align: top;}
table.kpi-table td.selected, table.kpi-table th.selected {background: #EEF4FB;}
table.kpi-table .num {font-variant-numeric: tabular-nums; white-space: nowrap;}
table.kpi-table .family {color: #5B6675; font-size: .85rem;}
.kpi-change {padding: .25rem 0; border-bottom: 1px solid #EEF0F3;}
.kpi-verdict {border-left: 6px solid var(--status); background: #F3F5F8; padding: .6rem .9rem; margin: .2rem 0 .8rem 0;
  font-size: 1.12rem; line-height: 1.45; border-radius: 4px;}
/* WCAG 2.2 AA: captions at 5.9:1 (Streamlit draws them faded, 2.8:1 on white), a visible keyboard focus */
[data-testid="stCaptionContainer"] {opacity: 1 !important;}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {color: #5B6675 !important;}
label[data-testid="stWidgetLabel"][disabled] {color: #5B6675 !important;}  /* a switched-off field's name */
:focus-visible {outline: 3px solid #0072B2 !important; outline-offset: 2px;}
/* a card's flag wraps inside its card on narrow columns instead of running over the next one */
.kpi-card .kpi-flag {white-space: normal; max-width: 100%;}
/* tab strips wrap (every tab visible at 1366-1920) and select values show their whole text */
[data-testid="stTabs"] [role="tablist"] {flex-wrap: wrap; row-gap: .25rem; overflow-x: visible;}

</style>
"""


def inject_css() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


# Streamlit's own words that its front end writes in English, in each language we serve
FRONT_END_WORDS = {
    "es": {
        "Drag and drop file here": "Arrastre y suelte el archivo aquí",
        "Drag and drop a file here": "Arrastre y suelte un archivo aquí",
        "Drag and drop files here": "Arrastre y suelte los archivos aquí",
        "Upload": "Subir archivo",
        "Browse files": "Buscar archivos",
        "Press Enter to submit form": "Pulse Intro para enviar el formulario",
        "Press Enter to apply": "Pulse Intro para aplicar",
        "Press Ctrl+Enter to submit form": "Pulse Ctrl+Intro para enviar el formulario",
        "Press ⌘+Enter to submit form": "Pulse ⌘+Intro para enviar el formulario",
        "Choose an option": "Elija una opción",
        "Choose options": "Elija opciones",
        "Add an option": "Añada una opción",
    },
}
_LIMIT_WORDS = {"es": "$1 $2 por archivo"}  # "50MB per file" -> "50 MB por archivo"


def page_language_script(lang: str) -> None:
    """Tell the browser the page's language (`<html lang>`, read by screen readers and by axe) and put
    Streamlit's own English words (uploader, form hints) into it, now and whenever they are redrawn."""
    import json

    words = json.dumps(FRONT_END_WORDS.get(lang, {}), ensure_ascii=False)
    limit = json.dumps(_LIMIT_WORDS.get(lang), ensure_ascii=False)
    st.html(f"""<script>
(() => {{
  const doc = window.parent ? window.parent.document : document;
  doc.documentElement.lang = {json.dumps(lang)};
  const words = {words}, limit = {limit};
  const fix = (root) => {{
    const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {{
      const text = node.nodeValue.trim();
      if (words[text]) node.nodeValue = node.nodeValue.replace(text, words[text]);
      else if (limit && / per file/.test(text))
        node.nodeValue = node.nodeValue.replace(/(\\d+(?:\\.\\d+)?)\\s?([KMG]B) per file/, limit);
    }}
  }};
  if (window.__kpisWords) window.__kpisWords.disconnect();
  window.__kpisWords = null;
  if (!Object.keys(words).length) return;
  const watched = '[data-testid="stFileUploader"], [data-testid="InputInstructions"]';
  const attributes = (attribute) => doc.querySelectorAll(`[${{attribute}}]`).forEach((element) => {{
    const text = element.getAttribute(attribute);
    if (words[text]) element.setAttribute(attribute, words[text]);
  }});
  const run = () => {{ doc.querySelectorAll(watched).forEach(fix); attributes("placeholder"); }};
  window.__kpisWords = new MutationObserver(run);
  window.__kpisWords.observe(doc.body, {{childList: true, subtree: true, characterData: true,
                                        attributes: true, attributeFilter: ["placeholder"]}});
  run();
}})();
</script>""", unsafe_allow_javascript=True)


def flag_html(status: Status, lang: str, label: str | None = None) -> str:
    """Icon + word + colour (tinted background, dark text of the same hue)."""
    word = label or t(f"status.{status}", lang)
    return (
        f'<span class="kpi-flag" data-status="{status}" style="color:{STATUS_TEXT_COLORS[status]};'
        f'background:{STATUS_COLORS[status]}1F">{STATUS_ICONS[status]} {escape(word)}</span>'
    )


def message(exc: Exception, lang: str) -> str:
    """An error's message in the user's language when the library gave it a translation key."""
    from kpis.errors import KpiError

    return exc.localized(lang) if isinstance(exc, KpiError) else f"{exc.__class__.__name__}: {exc}"


def card_html(status: Status, name: str, figure: str, meta: list[str], flag: str = "",
              after: list[str] | None = None) -> str:
    """A KPI card: coloured edge, name, big figure, meta lines, the flag, then `after` lines.
    Every text is escaped here; `flag` is already HTML (flag_html)."""
    lines = "".join(f'<div class="meta">{escape(line)}</div>' for line in meta)
    tail = "".join(f'<div class="meta" style="margin-top:.35rem">{escape(line)}</div>' for line in after or [])
    return (f'<div class="kpi-card" style="--status:{STATUS_COLORS[status]}"><div class="name">{escape(name)}</div>'
            f'<div class="actual">{escape(figure)}</div>{lines}{flag}{tail}</div>')


def table_html(frame) -> str:
    """A DataFrame as a static HTML table (its index as the first column): every cell HTML-escaped and never
    read as Markdown, so a data value such as `![x](http://...)`, `**x**` or a bare address stays plain text
    (st.table renders Markdown in its cells). Long texts wrap, as in st.table."""
    def cell(value) -> str:  # one line: a blank line would end the HTML block and start Markdown again
        return escape(" ".join(("" if value is None else str(value)).split()))

    head = "".join(f"<th>{cell(c)}</th>" for c in [frame.index.name or "", *frame.columns])
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in (index, *row)) + "</tr>"
                   for index, row in zip(frame.index, frame.itertuples(index=False)))
    return f'<table class="kpi-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def show_chart(figure, lang: str, key: str | None = None) -> None:
    """A Plotly chart and, behind a toggle under it, its figures as a table: the chart's text alternative for
    screen readers and for a reader who wants the numbers (WCAG 1.1.1)."""
    from kpis.export.charts import figure_table

    st.plotly_chart(figure, width="stretch", config={"displaylogo": False}, key=key)
    with st.expander(t("chart.data", lang), icon=":material/table:"):
        st.markdown(table_html(figure_table(figure, lang)), unsafe_allow_html=True)


def show_error(exc: Exception, lang: str) -> None:
    """A library error as a clear message; anything unexpected without its traceback."""
    st.error(f"{t('error.title', lang)}: {message(exc, lang)}")


def chart_downloads(figure, title: str, scope_text: str, lang: str, key: str, as_of=None) -> None:
    """PNG (2x), SVG and PDF of a page chart at 16:9 board size, rendered only when clicked."""
    from kpis.export.boardpack import framed_figure
    from kpis.export.images import FORMATS, chrome_path, figure_bytes

    if chrome_path() is None:
        st.caption(t("export.no_chrome", lang))
        return
    # framed (title, scope, source line) only when a button is clicked, not on every rerun
    framed = lambda: framed_figure(figure, title, scope_text, as_of, lang)  # noqa: E731
    # one row of buttons as wide as their labels (never squeezed to "P.." in a half-width column)
    with st.container(horizontal=True):
        for fmt in FORMATS:
            st.download_button(fmt.upper(), data=lambda fmt=fmt: figure_bytes(framed(), fmt), key=f"{key}_{fmt}",
                               file_name=f"{key}.{fmt}", icon=":material/download:", width="content",
                               mime={"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}[fmt])


def language_selector(saved: str | None = None) -> str:
    """Language switch in the sidebar, kept in the URL (`?lang=es`); without one in the URL, the
    user's saved choice."""
    current = st.query_params.get("lang") or saved or "en"
    current = current if current in LANGUAGES else "en"
    lang = st.sidebar.radio(
        "Language / Idioma", list(LANGUAGES), index=list(LANGUAGES).index(current),
        format_func=LANGUAGES.get, horizontal=True, key="lang",
    )
    st.query_params["lang"] = lang
    return lang


def as_of_picker(lang: str):
    """Optional 'targets as of' date in the sidebar (URL `as_of=YYYY-MM-DD`): reproduces what was
    in force at the end of that day."""
    from datetime import date, datetime, time

    from kpis.periods import today

    raw = st.query_params.get("as_of")
    try:
        initial = date.fromisoformat(raw) if raw else None
    except ValueError:
        initial = None
    with st.sidebar.expander(t("filter.as_of", lang), expanded=initial is not None):
        enabled = st.checkbox(t("filter.as_of_enable", lang), value=initial is not None, key="as_of_on")
        chosen = st.date_input(t("filter.as_of_date", lang), value=initial or today(), key="as_of_date",
                               disabled=not enabled)
    if not enabled:
        st.query_params.pop("as_of", None)
        return None
    st.query_params["as_of"] = chosen.isoformat()
    return datetime.combine(chosen, time.max)


def currency_selector(lang: str, default: str) -> str:
    """Reporting currency for every money figure (URL `?cur=USD`)."""
    from kpis.value.fx import CURRENCIES

    current = st.query_params.get("cur") or default
    current = current if current in CURRENCIES else CURRENCIES[0]
    chosen = st.sidebar.selectbox(t("value.currency", lang), CURRENCIES, index=CURRENCIES.index(current),
                                  key=f"currency_{lang}")
    st.query_params["cur"] = chosen
    return chosen


def url_select(label: str, options: list, key: str, format_func=str, default=None, lang: str = "en",
               container=None):
    """A sidebar selectbox whose value lives in the URL query string under `key`, and travels with the
    reader between pages (a page link drops the query string: the choice is kept in the session and written
    back to the URL). The widget key includes the language so that its option labels are redrawn when the
    language changes."""
    remembered = st.session_state.get(f"_shared_{key}")
    raw = st.query_params.get(key, remembered)
    by_text = {str(o): o for o in options}
    chosen = by_text.get(raw, default if default in options else options[0])
    value = (container or st.sidebar).selectbox(label, options, index=options.index(chosen),
                                                format_func=format_func, key=f"filter_{key}_{lang}")
    st.session_state[f"_shared_{key}"] = None if value is None else str(value)
    if value is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)
    return value


def quarter_filters(lang: str, overview: dict, scope: bool = True, container=None
                    ) -> tuple[int, int, str | None, str | None]:
    """Fiscal year and quarter (and, with `scope`, region and department) in the sidebar, shared by every
    page through the URL (`?year=&quarter=&region=&department=`) and the session: the quarter travels.
    Default: the latest quarter with data up to today's (the quarter in progress when it has data)."""
    from kpis.periods import today
    from kpis.reference.names import label

    latest = overview["current"]  # this year is always offered: the quarter in progress exists without data too
    years = sorted({y for y, _ in overview["quarters"]} | {latest[0], today().year}, reverse=True)
    year = url_select(t("filter.year", lang), years, "year", default=latest[0], lang=lang, container=container)
    quarter = url_select(t("filter.quarter", lang), [1, 2, 3, 4], "quarter", format_func=lambda q: f"Q{q}",
                         default=latest[1] if year == latest[0] else 4, lang=lang, container=container)
    if not scope:
        return year, quarter, None, None
    region = url_select(t("filter.region", lang), [None, *overview["regions"]], "region",
                        format_func=lambda r: label("region", r, lang, overview["spanish"])
                        or t("filter.all_regions", lang), lang=lang, container=container)
    department = url_select(t("filter.department", lang), [None, *overview["departments"]], "department",
                            format_func=lambda d: label("department", d, lang, overview["spanish"])
                            or t("filter.all_departments", lang), lang=lang, container=container)
    return year, quarter, region, department
