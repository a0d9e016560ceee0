"""Alerts: per subscriber, the status changes and forecast misses of the latest quarter in their scope that they
have not been told yet; each piece of news is sent once."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import Literal

from kpis.catalog import Catalog
from kpis.explain import forecast_lines
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
from kpis.notify.messages import HTML_HEAD, email_message, failure_reason, quarter_or_latest, scope_text, status_flag
from kpis.notify.subscriptions import Subscription, load_subscriptions
from kpis.reference.names import spanish_names
from kpis.report import QuarterReport, build_report
from kpis.scorecard import Cell, Scope
from kpis.store import Store

__all__ = ["AlertItem", "run_alerts"]


@dataclass(frozen=True)
class AlertItem:
    key: str   # what makes it "the same news": sent once per person
    kpi_id: str
    kind: Literal["status", "forecast"]
    cell: Cell
    before: str | None = None


def _alert_items(cells: list[Cell], grid, scope: Scope, year: int, quarter: int) -> list[AlertItem]:
    where = f"{scope.region or '*'}/{scope.department or '*'}"
    items = []
    for cell in cells:
        previous = grid.previous(cell)
        before = "no_data" if previous is None else previous.evaluation.status
        # a flow KPI in the quarter in progress is judged against its target pro-rated to date, as the
        # verdict does: half a quarter's users against a whole quarter's target is not news
        now = cell.evaluation.status
        if now != before and now != "no_data":
            items.append(AlertItem(f"status|{cell.kpi.id}|{year}-Q{quarter}|{where}|{before}>{now}",
                                   cell.kpi.id, "status", cell, before))
        if cell.forecast is not None and cell.forecast.status == "will_miss":
            items.append(AlertItem(f"forecast|{cell.kpi.id}|{year}-Q{quarter}|{where}|will_miss", cell.kpi.id,
                                   "forecast", cell))
    return items


def _alert_message(sub: Subscription, items: list[AlertItem], year: int, quarter: int, sender: str,
                   names: dict) -> EmailMessage:
    lang = sub.lang
    scope = scope_text(sub, names, lang)
    when = f"{year}-Q{quarter}" + (f" ({t('card.quarter_to_date_short', lang)})"
                                   if any(item.cell.in_progress for item in items) else "")
    lines = []
    for item in items:
        cell = item.cell
        if item.kind == "status":
            view = cell.evaluation
            to_date = cell.prorated is not None
            lines.append(t("alerts.status_line_to_date" if to_date else "alerts.status_line", lang,
                           kpi=cell.kpi.name(lang), before=status_flag(item.before, lang),
                           after=status_flag(view.status, lang),
                           actual=format_value(cell.actual, cell.kpi, lang),
                           target=format_value(cell.prorated_target if to_date else cell.target_value, cell.kpi,
                                               lang),
                           attainment=format_attainment(view.attainment)))
        else:
            lines.append(f"{cell.kpi.name(lang)}: {forecast_lines(cell, lang)[0]}")
    subject = t("alerts.subject", lang, n=len(items), quarter=when, scope=scope)
    text = "\n".join([t("alerts.heading", lang, quarter=when), scope, ""] + [f"- {x}" for x in lines]
                     + ["", t("digest.footer", lang)])
    html = (HTML_HEAD + f"<h2 style='margin:0'>{escape(t('alerts.heading', lang, quarter=when))}</h2>"
            f"<p style='color:#5B6472'>{escape(scope)}</p><ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines)
            + f"</ul><p style='color:#5B6472;font-size:12px'>{escape(t('digest.footer', lang))}</p></body></html>")
    return email_message(sender, sub.email, subject, text, html)


def run_alerts(store: Store, catalog: Catalog, *, send: bool = True, out: Path | None = None,
               smtp: SmtpSettings | None = None, year: int | None = None, quarter: int | None = None) -> Outcome:
    """New status changes and forecast misses, per alert subscriber, for the latest quarter with data. What
    a subscriber was sent is recorded as soon as the server accepted their message; a run holds the
    alerts lock from reading what was told to the end, so two runs never send the same news twice."""
    settings, sender = sending(smtp, send)
    if not send:
        outcome, _ = _alert_messages(store, catalog, year, quarter, sender)
        year, quarter = outcome.quarter
        outcome.written = write_files(out or Path("outbox"), outcome.pending, f"alerts-{year}-Q{quarter}")
        return outcome
    deadline = send_deadline()
    with send_lock(store, "alerts", deadline):
        outcome, keys = _alert_messages(store, catalog, year, quarter, sender)

        def told(email: str) -> None:
            record_sent(store, email, keys[email])
            outcome.told += len(keys[email])

        outcome.failed |= deliver(settings, outcome.pending, told, deadline)
    outcome.sent = [email for email, _ in outcome.pending if email not in outcome.failed]
    log_failures(store, outcome.failed, "alerts")  # not told: retried on the next run
    return outcome


def _alert_messages(store: Store, catalog: Catalog, year: int | None, quarter: int | None,
                    sender: str) -> tuple[Outcome, dict[str, list[str]]]:
    """Each alert subscriber's message of what they were not told yet, and the keys of that news."""
    keys: dict[str, list[str]] = {}
    with store.session() as session:
        year, quarter = quarter_or_latest(session, year, quarter)
        outcome = Outcome((year, quarter))
        names = spanish_names(session)
        told = {(e, k) for e, k in session.con.execute("SELECT email, item_key FROM notifications_sent").fetchall()}
        reports: dict[Scope, QuarterReport] = {}
        for sub in (s for s in load_subscriptions(session) if s.wants("alerts")):
            if sub.scope not in reports:
                reports[sub.scope] = build_report(session, catalog, year, quarter, sub.scope)
            report = reports[sub.scope]
            new = [i for i in _alert_items(list(report.cells), report.grid, sub.scope, year, quarter)
                   if (sub.email, i.key) not in told]
            if not new:
                outcome.skipped.append(sub.email)
                continue
            try:  # one subscriber's message that cannot be made never stops the others'
                outcome.pending.append((sub.email, _alert_message(sub, new, year, quarter, sender, names)))
                keys[sub.email] = [item.key for item in new]
            except Exception as exc:
                outcome.failed[sub.email] = failure_reason(exc)
    return outcome, keys
