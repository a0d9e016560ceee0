"""What digests and alerts share: the message itself (one-line headers, a plain-text and an HTML part), status
flags as icon + word + colour, the scope's words, and the quarter they are about."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from kpis.errors import KpiError
from kpis.escaping import one_line
from kpis.i18n import t
from kpis.notify.subscriptions import Subscription
from kpis.reference.names import scope_label
from kpis.report import report_quarter
from kpis.scorecard import Cell
from kpis.status import STATUS_ICONS
from kpis.store import Session

__all__ = ["HTML_HEAD", "STATUS_CSS", "cell_flag", "email_message", "failure_reason", "quarter_or_latest",
           "scope_text", "status_flag"]


def quarter_or_latest(session: Session, year: int | None, quarter: int | None) -> tuple[int, int]:
    """The quarter asked for, else the latest with data up to today's (kpis.report.report_quarter)."""
    return report_quarter(session, year, quarter)


def scope_text(sub: Subscription, names: dict, lang: str) -> str:
    return scope_label(sub.region, sub.department, lang, names)


def email_message(sender: str, recipient: str, subject: str, text: str, html: str,
             images: dict[str, bytes] | None = None) -> EmailMessage:
    message = EmailMessage()
    # one line: a region name with a line break must not fail the run (or add a header) for everyone
    message["Subject"], message["From"], message["To"] = one_line(subject), sender, recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="kpis.local")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a report
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if images:
        html_part = message.get_payload()[1]
        for cid, png in images.items():
            html_part.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>", filename=f"{cid}.png")
    return message


HTML_HEAD = ("<!doctype html><html><head><meta charset='utf-8'></head><body style=\"font-family:Segoe UI,"
              "Helvetica,Arial,sans-serif;color:#1F2937;max-width:760px\">")


STATUS_CSS = {"ahead": "#1B7A3E", "on_track": "#0F6E5B", "at_risk": "#8A5300", "off_track": "#B42318",
               "no_data": "#5B6472", "no_target": "#5B6472"}


def status_flag(status: str, lang: str) -> str:
    if status == "no_target":
        return f"{STATUS_ICONS['no_data']} {t('status.no_target', lang)}"
    return f"{STATUS_ICONS[status]} {t('status.' + status, lang)}"


def cell_flag(cell: Cell, lang: str) -> str:
    """A KPI's flag: icon + word, "No target" where it has actuals and no target (as on every surface)."""
    return status_flag("no_target" if cell.no_target else cell.status, lang)


def failure_reason(exc: Exception) -> str:
    """One line for a message that could not be made: the library's own words, else the exception's kind."""
    return one_line(str(exc) if isinstance(exc, KpiError) else f"{exc.__class__.__name__}: {exc}")[:300]
