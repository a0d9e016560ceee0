"""The quarterly digest: per subscriber, in their language and scope, the verdict, status counts, what changed,
forecast misses, the latest check-ins and the scorecard as an inline chart; once per subscriber and quarter."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from pathlib import Path

from kpis.catalog import Catalog
from kpis.explain import checkin_lines, forecast_lines
from kpis.export.charts import STATUS_COLORS, TEMPLATE_NAME
from kpis.export.images import figure_bytes
from kpis.formatting import format_attainment, format_value
from kpis.i18n import t
from kpis.notify.delivery import (
    Outcome,
    SmtpSettings,
    deliver,
    log_failures,
    record_sent,
    send_deadline,
    send_lock,
    sending,
    write_files,
)
from kpis.notify.messages import (
    HTML_HEAD,
    STATUS_CSS,
    cell_flag,
    email_message,
    failure_reason,
    quarter_or_latest,
    scope_text,
    status_flag,
)
from kpis.notify.subscriptions import Subscription, load_subscriptions
from kpis.reference.names import spanish_names
from kpis.report import QuarterReport, build_report, target_text
from kpis.scorecard import Cell
from kpis.status import STATUSES
from kpis.store import Session, Store

__all__ = ["digest_key", "run_digest"]


def _scorecard_chart(cells: list[Cell], lang: str, title: str) -> bytes:
    """The scorecard as one image: attainment per KPI, bars coloured by status with icon + word."""
    import plotly.graph_objects as go

    judged = [c for c in cells if c.attainment is not None]
    judged.sort(key=lambda c: c.attainment)
    names = [c.kpi.name(lang) for c in judged]
    figure = go.Figure(go.Bar(
        x=[min(c.attainment, 2.0) for c in judged], y=names, orientation="h",
        marker_color=[STATUS_COLORS[c.status] for c in judged], marker_line_color="#FFFFFF"))
    # the figures sit in a column right of the plot: a label after its bar used to run through the 100 % line
    labels = [dict(text=f"{format_attainment(c.attainment)} · {cell_flag(c, lang)}", x=1.01, xref="paper",
                   xanchor="left", y=name, yref="y", showarrow=False, font=dict(size=14))
              for c, name in zip(judged, names)]
    figure.add_vline(x=1.0, line_dash="dot", line_color="#4D4D4D", layer="below")
    figure.update_layout(template=TEMPLATE_NAME, title=dict(text=title), height=max(420, 34 * len(judged) + 140),
                         margin=dict(l=20, r=260, t=70, b=40), showlegend=False, annotations=labels,
                         xaxis=dict(tickformat=".0%", range=[0, 2.05]), yaxis=dict(automargin=True))
    return figure_bytes(figure, "png", width=1100, height=max(420, 34 * len(judged) + 140), scale=1)


@dataclass(frozen=True)
class _Content:
    """One subscriber's digest, in their language, before it is laid out as text and as HTML."""

    lang: str
    when: str
    scope: str
    question: str
    headline: str
    counts: dict[str, int]
    sections: list[tuple[str, list[str], str]]  # (title, lines, what to say when there are none)
    rows: list[tuple[Cell, str, str, str]]  # (cell, actual, target, attainment)

    @property
    def shown(self) -> list[str]:
        return [s for s in (*STATUSES, "no_target") if self.counts[s]]


def _digest(session: Session, catalog: Catalog, sub: Subscription, year: int, quarter: int, sender: str,
            names: dict, with_chart: bool) -> EmailMessage:
    report = build_report(session, catalog, year, quarter, sub.scope)
    content = _content(report, sub, names)
    lang = sub.lang
    subject = t("digest.subject", lang, quarter=content.when, scope=content.scope, on_track=report.on_track,
                n=report.judged)
    chart = _scorecard_chart(list(report.cells), lang, t("digest.chart_title", lang, quarter=content.when)) \
        if with_chart else None
    return email_message(sender, sub.email, subject, _text(content), _html(content, chart is not None),
                         {"scorecard": chart} if chart is not None else {})


def _content(report: QuarterReport, sub: Subscription, names: dict) -> _Content:
    lang, cells = sub.lang, list(report.cells)
    by_id = {c.kpi.id: c for c in cells}
    moves = [f"{m.cell.kpi.name(lang)}: {status_flag(m.before, lang)} → {status_flag(m.after, lang)}"
             for m in report.changes.status_moves]
    misses = [f"{c.kpi.name(lang)}: {forecast_lines(c, lang)[0]}" for c in cells
              if c.forecast is not None and c.forecast.status == "will_miss"]
    said = [f"{by_id[k].kpi.name(lang)}: " + " — ".join(checkin_lines(c, lang))
            for k, c in report.checkins.items() if k in by_id]
    return _Content(
        lang=lang, when=report.when(lang), scope=scope_text(sub, names, lang), question=t("verdict.heading", lang),
        headline=report.verdict_text(lang), counts=dict(report.counts),
        sections=[(t("dash.changes", lang), moves, t("dash.no_moves", lang)),
                  (t("deck.forecast_misses", lang), misses, t("deck.no_forecast_misses", lang)),
                  (t("deck.checkins", lang), said, t("checkin.none", lang))],
        rows=[(c, format_value(c.actual, c.kpi, lang), target_text(c, lang), format_attainment(c.attainment))
              for c in cells])


def _text(content: _Content) -> str:
    lang = content.lang
    body: list[str] = []
    for title, lines, empty in content.sections:
        body += [title, *(f"- {x}" for x in (lines or [empty])), ""]
    counts_line = " · ".join(f"{status_flag(s, lang)}: {content.counts[s]}" for s in content.shown)
    return "\n".join([t("digest.heading", lang, quarter=content.when), content.scope, "",
                      f"{content.question} {content.headline}", "", counts_line, "", *body,
                      t("export.table_scorecard", lang),
                      *(f"- {c.kpi.name(lang)}: {a} / {tg} ({att}) {cell_flag(c, lang)}"
                        for c, a, tg, att in content.rows),
                      "", t("digest.footer", lang)])


def _html(content: _Content, with_chart: bool) -> str:
    lang = content.lang
    html = [HTML_HEAD, f"<h2 style='margin:0'>{escape(t('digest.heading', lang, quarter=content.when))}</h2>",
            f"<p style='color:#5B6472;margin:.2em 0 1em'>{escape(content.scope)}</p>",
            f"<p style='font-size:17px'><b>{escape(content.question)}</b> {escape(content.headline)}</p>",
            "<p>" + " &nbsp; ".join(f"<span style='color:{STATUS_CSS[s]};font-weight:600'>"
                                    f"{escape(status_flag(s, lang))}: {content.counts[s]}</span>"
                                    for s in content.shown) + "</p>"]
    for title, lines, empty in content.sections:
        html.append(f"<h3 style='margin-bottom:.3em'>{escape(title)}</h3><ul>"
                    + "".join(f"<li>{escape(x)}</li>" for x in lines or [empty]) + "</ul>")
    if with_chart:
        html.append(f"<p><img src='cid:scorecard' alt='{escape(t('digest.chart_alt', lang))}' width='720' "
                    "style='max-width:100%'></p>")
    html.append(_table_html(content))
    html.append(f"<p style='color:#5B6472;font-size:12px'>{escape(t('digest.footer', lang))}</p></body></html>")
    return "".join(html)


def _table_html(content: _Content) -> str:
    """The scorecard as an HTML table a mail program shows as it is (inline styles, flags in colour)."""
    lang, cell_css = content.lang, "padding:3px 8px;white-space:nowrap"
    head = [t("table.kpi", lang), t("card.actual", lang), t("card.target", lang), t("card.attainment", lang),
            t("table.status", lang)]
    return (f"<h3>{escape(t('export.table_scorecard', lang))}</h3><table style='border-collapse:collapse'>"
            + "<tr>" + "".join(f"<th style='{cell_css};text-align:{'left' if i in (0, 4) else 'right'};"
                               f"border-bottom:1px solid #C9CED6'>{escape(h)}</th>" for i, h in enumerate(head))
            + "</tr>"
            + "".join(f"<tr><td style='padding:3px 10px 3px 0'>{escape(c.kpi.name(lang))}</td>"
                      f"<td style='text-align:right;{cell_css}'>{escape(a)}</td>"
                      f"<td style='text-align:right;{cell_css};color:#5B6472'>{escape(tg)}</td>"
                      f"<td style='text-align:right;{cell_css}'>{escape(att)}</td>"
                      f"<td style='color:{STATUS_CSS[c.status]};font-weight:600;{cell_css}'>"
                      f"{escape(cell_flag(c, lang))}</td></tr>" for c, a, tg, att in content.rows)
            + "</table>")


def digest_key(year: int, quarter: int) -> str:
    """How notifications_sent records that a subscriber got a quarter's digest."""
    return f"digest|{year}-Q{quarter}"


def run_digest(store: Store, catalog: Catalog, *, year: int | None = None, quarter: int | None = None,
               send: bool = True, out: Path | None = None, smtp: SmtpSettings | None = None,
               with_chart: bool = True, resend: bool = False) -> Outcome:
    """The quarterly digest to every digest subscriber (`send`), or written to `out` as .eml files. Sent
    once per subscriber and quarter: a subscriber who already has it is skipped (listed in `skipped`)
    unless `resend`, so a retried run sends only to those who did not get it."""
    settings, sender = sending(smtp, send)
    if not send:
        outcome = _digest_messages(store, catalog, year, quarter, sender, with_chart, set())
        year, quarter = outcome.quarter
        outcome.written = write_files(out or Path("outbox"), outcome.pending, f"digest-{year}-Q{quarter}")
        return outcome
    deadline = send_deadline()
    with send_lock(store, "digest", deadline):
        with store.session() as session:
            year, quarter = quarter_or_latest(session, year, quarter)
            told = set() if resend else {email for (email,) in session.con.execute(
                "SELECT email FROM notifications_sent WHERE item_key = ?", [digest_key(year, quarter)]).fetchall()}
        outcome = _digest_messages(store, catalog, year, quarter, sender, with_chart, told)
        key = digest_key(year, quarter)
        outcome.failed |= deliver(settings, outcome.pending, lambda email: record_sent(store, email, [key]),
                                   deadline)
    outcome.sent = [r for r, _ in outcome.pending if r not in outcome.failed]
    log_failures(store, outcome.failed, "digest")
    return outcome


def _digest_messages(store: Store, catalog: Catalog, year: int | None, quarter: int | None, sender: str,
                     with_chart: bool, told: set[str]) -> Outcome:
    """The digest message of every digest subscriber not in `told` (those are `skipped`)."""
    with store.session() as session:
        year, quarter = quarter_or_latest(session, year, quarter)
        names = spanish_names(session)
        outcome = Outcome((year, quarter))
        for sub in (s for s in load_subscriptions(session) if s.wants("digest")):
            if sub.email in told:
                outcome.skipped.append(sub.email)
                continue
            try:  # one subscriber's message that cannot be made never stops the others'
                outcome.pending.append((sub.email, _digest(session, catalog, sub, year, quarter, sender, names,
                                                           with_chart)))
            except Exception as exc:
                outcome.failed[sub.email] = failure_reason(exc)
    return outcome
