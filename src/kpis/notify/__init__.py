"""Telling people before they ask: email subscriptions, the quarterly digest and alerts.

- A subscription is one person (email) with a kind (`digest`, `alerts` or `both`), a scope (all,
  or one region and/or department) and a language.
- The digest (`digest --send`): per digest subscriber, one HTML message with a plain-text part, in
  their language and scope: the verdict, the status counts, what changed, the forecast misses,
  the latest check-ins, and the scorecard as an inline PNG chart.
- Alerts (`alerts --send`): per alert subscriber, the status changes and forecast misses in their
  scope that they have not been told about yet. What was told is recorded (notifications_sent),
  so a change is sent once; a failed delivery records nothing as told, is logged
  (notification_failures) and is retried on the next run.
- Delivery (delivery.py): SMTP from KPIS_SMTP_URL (smtp://host:port, smtps:// for TLS, optional user:password@)
  and KPIS_MAIL_FROM. `--dry-run` writes the messages as .eml files instead.
- Exactly once: one run at a time sends each kind (a lock row in send_locks, taken over when its run was
  killed), and a message is recorded as sent (notifications_sent) as soon as the server accepted it, so a
  retried, overlapping or killed run never sends it again. A digest is sent once per subscriber and
  quarter (`--resend` sends it again). A whole run stops at KPIS_SMTP_DEADLINE seconds (default 600).

Modules: subscriptions.py, delivery.py, messages.py (what both kinds share), digest.py, alerts.py.
"""

from kpis.notify.alerts import run_alerts
from kpis.notify.delivery import SmtpSettings, send_deadline, smtp_settings
from kpis.notify.digest import digest_key, run_digest
from kpis.notify.subscriptions import KINDS, LANGS, Subscription, load_subscriptions, subscribe, unsubscribe

__all__ = ["KINDS", "LANGS", "SmtpSettings", "Subscription", "digest_key", "load_subscriptions", "run_alerts",
           "run_digest", "send_deadline", "smtp_settings", "subscribe", "unsubscribe"]
