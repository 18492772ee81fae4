"""The weekly review digest: per council, the last 7 days' new breaches and every alert still open.

Sent by SMTP to the council's `digest_to` addresses (agency.toml) when
`JOURNEY_SMTP_HOST` is set, printed otherwise:

| variable | meaning | default |
|---|---|---|
| `JOURNEY_SMTP_HOST` | the mail server; unset: digests are printed | unset |
| `JOURNEY_SMTP_PORT` | its port (465: TLS from the start; otherwise STARTTLS when offered) | 25 |
| `JOURNEY_SMTP_USER`, `JOURNEY_SMTP_PASSWORD` | log in when set | unset |
| `JOURNEY_SMTP_SENDER` | the From address | `adoption-tracker@localhost` |

A digest names children only by the council's case id (the tracker holds no
names), and what is printed to the log says how many, never which.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import smtplib
import ssl
from collections.abc import Callable, Iterable, Iterator, Mapping
from email.message import EmailMessage
from typing import Any

from journey import alerts
from journey.domain import clock
from journey.domain.errors import ConfigurationError
from journey.domain.words import counted

WEEK = 7


@dataclasses.dataclass(frozen=True)
class CouncilDigest:
    """One council's weekly review, as plain values."""

    council: str
    addresses: tuple[str, ...]
    first_day: datetime.date
    last_day: datetime.date
    new_breaches: tuple[dict[str, Any], ...]
    still_open: tuple[dict[str, Any], ...]

    @property
    def subject(self) -> str:
        return (
            f"Adoption tracker weekly review: {self.council}, week ending {self.last_day:%d %b %Y}: "
            f"{counted(len(self.new_breaches), 'new breach', 'new breaches')}, {counted(len(self.still_open), 'alert')} open"
        )

    def open_by_owner(self) -> list[tuple[str | None, list[dict[str, Any]]]]:
        """The open alerts grouped by owner: each owner by name, then those assigned to nobody."""
        groups: dict[str | None, list[dict[str, Any]]] = {}
        for a in self.still_open:
            groups.setdefault(a.get("owner"), []).append(a)
        return sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or ""))

    def text(self) -> str:
        lines = [
            f"{self.council}: delay alerts for the weekly review",
            f"Week {self.first_day:%d %b %Y} to {self.last_day:%d %b %Y}.",
            "",
            f"New breaches this week ({len(self.new_breaches)}):",
        ]
        lines += [f"  - {_line(a)}, breached {a['breach_on']}" for a in self.new_breaches] or ["  none"]
        lines += ["", f"Still open ({len(self.still_open)}), by who is dealing with each:"]
        for owner, theirs in self.open_by_owner():
            lines.append(f"  {'Assigned to ' + owner if owner else 'Not assigned'} ({len(theirs)}):")
            lines += [f"    - {_line(a)}{_status(a)}" for a in theirs]
        if not self.still_open:
            lines.append("  none")
        lines += [
            "",
            "Acknowledge an alert with: journey alerts ack ALERT_ID --note \"what is being done\"",
            "Give it to someone with: journey alerts assign ALERT_ID --to NAME",
        ]
        return "\n".join(lines) + "\n"


def _line(a: Mapping[str, Any]) -> str:
    return f"child {a['child_ref']}: {a['rule']} ({a['level']}), started {a['started_on']}, due {a['due_on']} [{a['id']}]"


def _status(a: Mapping[str, Any]) -> str:
    if a["status"] == alerts.ACKNOWLEDGED:
        by = f" by {a['acknowledged_by']}" if a.get("acknowledged_by") else ""
        review = f", review {a['review_on']}" if a.get("review_on") else ""
        return f"; acknowledged{by}{review}"
    return ""


def weekly_digests(app: Any, *, on: datetime.date | None = None, la: str | None = None) -> list[CouncilDigest]:
    """Each council's digest for the 7 days ending `on` (default today).

    Councils are those of the agency file (each gets a digest, also when there is
    nothing to review), or without one those with alerts. Household alerts have
    no council and are left out.
    """
    on = on or clock.today()
    first = on - datetime.timedelta(days=WEEK - 1)
    listed = alerts.list_alerts(app, on=on, la=la)
    if la:
        councils = [app.council(la)]
    elif app.agency.councils:
        councils = list(app.agency.councils)
    else:
        councils = [app.council(name) for name in sorted({a["local_authority"] for a in listed if a["local_authority"]})]
    digests = []
    for council in councils:
        mine = [a for a in listed if a["local_authority"] == council.name]
        new = [a for a in mine if a["breach_on"] and first.isoformat() <= a["breach_on"] <= on.isoformat()]
        still_open = [a for a in mine if a["status"] != alerts.CLOSED]
        new.sort(key=lambda a: (a["breach_on"], a["child_ref"] or "", a["rule"]))
        digests.append(CouncilDigest(council.name, tuple(council.digest_to), first, on, tuple(new), tuple(still_open)))
    return digests


@dataclasses.dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    sender: str = "adoption-tracker@localhost"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings in `JOURNEY_SMTP_*`; None when no host is set (digests are printed)."""
        environ = os.environ if environ is None else environ
        host = (environ.get("JOURNEY_SMTP_HOST") or "").strip()
        if not host:
            return None
        port_text = (environ.get("JOURNEY_SMTP_PORT") or "25").strip()
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigurationError(f"JOURNEY_SMTP_PORT must be a port number, not {port_text!r}") from None
        return cls(
            host=host,
            port=port,
            user=environ.get("JOURNEY_SMTP_USER") or None,
            password=environ.get("JOURNEY_SMTP_PASSWORD") or None,
            sender=environ.get("JOURNEY_SMTP_SENDER") or cls.sender,
        )


def message_of(digest: CouncilDigest, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(digest.addresses)
    message["Subject"] = digest.subject
    message.set_content(digest.text())
    return message


def send(digests: Iterable[CouncilDigest], smtp: SmtpSettings) -> int:
    """Send each digest that has addresses over one SMTP connection; returns how many were sent."""
    digests = [d for d in digests if d.addresses]
    if not digests:
        return 0
    context = ssl.create_default_context()
    if smtp.port == 465:
        server: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=30, context=context)
    else:
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
    with server:
        server.ehlo()
        if smtp.port != 465 and server.has_extn("starttls"):
            server.starttls(context=context)
            server.ehlo()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        for digest in digests:
            server.send_message(message_of(digest, smtp.sender))
    return len(digests)


def deliver(digests: list[CouncilDigest], smtp: SmtpSettings | None, echo: Callable[[str], None] = print) -> Iterator[str]:
    """Send the digests (or, without SMTP settings, print them with `echo`); yields
    what was done, one line per council, naming no child."""
    if smtp is None:
        for digest in digests:
            echo(f"Subject: {digest.subject}\n\n{digest.text()}")
        return
    unaddressed = [d for d in digests if not d.addresses]
    for digest in unaddressed:
        echo(f"Subject: {digest.subject}\n\n{digest.text()}")
        yield f"{digest.council}: no digest_to address in agency.toml; printed instead of sent."
    try:
        send(digests, smtp)
    except (OSError, smtplib.SMTPException) as error:
        raise ConfigurationError(f"could not send the digests through {smtp.host}:{smtp.port}: {error}") from None
    for digest in digests:
        if digest.addresses:
            yield (
                f"{digest.council}: sent to {counted(len(digest.addresses), 'address')} "
                f"({counted(len(digest.new_breaches), 'new breach', 'new breaches')}, {len(digest.still_open)} open)."
            )
