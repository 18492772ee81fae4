"""`journey demo | run | serve | scheduler | check | keygen`: the sample, the
tracker's own process, the web view, the record's gaps, and a new key."""

from __future__ import annotations

import json
import logging
import sys
import threading

import click

from journey.cli.common import pass_context, say_alerts
from journey.cli.figures import print_stages
from journey.domain import clock
from journey.domain.words import counted
from journey.scheduler import run_scheduler
from journey.service import RulesFileError, SampleBeingLoaded, StoreNotEmpty, new_cipher_key


@click.command()
@click.option("--as-of", default=None, help="The sample's reference date (default today); the same date gives the same data.")
@pass_context
def demo(obj, as_of):
    """Load a realistic sample regional adoption agency (about 600 children)."""
    say_loaded(obj.tracker.load_sample(as_of))


def say_loaded(done: dict, *, accounts: bool = True) -> None:
    click.echo(
        f"Loaded {done['agency']} as of {done['as_of']}: {done['councils']} councils, "
        f"{done['children']} children ({done['milestones']} milestones), {done['households']} households."
    )
    if accounts and done.get("sample_accounts"):
        click.echo(f"Sample accounts, one per role: {', '.join(done['sample_accounts'])} "
                   f"(their passwords are in {done['sample_accounts_file']}).")
    say_alerts(done)


@click.command()
@pass_context
def scheduler(obj):
    """Run the tracker's background jobs in the foreground (Ctrl-C stops them):
    read-model catch-up every few seconds, and the alert sweep at start and daily
    just after midnight (London time), catching up on any days it was down."""
    start_scheduler(obj)


def start_scheduler(obj) -> None:
    log = logging.getLogger("journey.scheduler")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line every few seconds
    click.echo(f"Scheduler for {obj.tracker.describe_store()}, today {clock.today():%d %b %Y}. Ctrl-C stops it.")
    try:
        run_scheduler(obj.tracker)
    except RulesFileError as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:  # Ctrl-C during the sweep at start: what was saved stays saved
        log.info("scheduler stopped before it started")


# Where the web view listens unless told: this machine only (see the README for a TLS proxy).
DEFAULT_HOST, DEFAULT_PORT, DEFAULT_THREADS = "127.0.0.1", 8000, 8


def server_options(f):
    f = click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 64),
                     help="Request threads of the web view.")(f)
    f = click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
                     help="The port the web view listens on (0: any free port, printed).")(f)
    f = click.option("--host", default=DEFAULT_HOST, show_default=True,
                     help="The address the web view listens on (127.0.0.1: this machine only; behind a TLS proxy, see the README).")(f)
    return f


@click.command()
@server_options
@pass_context
def serve(obj, host, port, threads):
    """Serve the web view (waitress, a production WSGI server) until Ctrl-C. It
    runs no scheduler: run `journey scheduler` beside it (or `journey run`)."""
    tracker = obj.tracker
    tracker.store  # a folder with no tracker data is refused here, saying so
    from web.serving import serve as serve_web  # the web's packages load only for the commands that serve

    try:
        serve_web(tracker, host=host, port=port, threads=threads, echo=click.echo)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    except KeyboardInterrupt:
        pass  # stopped, and said so


@click.command()
@server_options
@pass_context
def run(obj, host, port, threads):
    """The tracker's main job (what `make run` starts): on an empty data directory
    load the sample agency first (with one sample account per role); show children
    by stage; then serve the web view and run the scheduler (projections kept
    current, alerts swept) until Ctrl-C stops both."""
    tracker = obj.tracker
    if not tracker.holds_records():
        click.echo(f"Empty data directory {obj.settings.data_dir}: loading the sample agency.")
        try:
            done = tracker.load_sample()
        except SampleBeingLoaded as busy:
            click.echo(f"{busy.message[0].upper()}{busy.message[1:]}: waiting.")
            done = tracker.load_sample(wait=True)
        except StoreNotEmpty:  # another process loaded it between the look and the lock
            done = {"loaded": False}
        if done["loaded"]:
            say_loaded(done, accounts=False)  # listed with their passwords below
    print_stages(obj, tracker.stages())
    say_sample_accounts(tracker.sample_accounts(), obj.settings.data_dir)
    from web.serving import address, make_server

    try:
        server = make_server(tracker, host=host, port=port, threads=threads)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    web = threading.Thread(target=server.run, name="web view", daemon=True)
    web.start()
    click.echo(f"Web view on {address(server)} ({threads} threads).")
    try:
        start_scheduler(obj)
    finally:
        server.close()
        click.echo("Web view stopped.")


def say_sample_accounts(accounts: list[dict], data_dir) -> None:
    """The sample accounts' sign-ins (sample data only: real accounts' passwords are never shown)."""
    if not accounts:
        return
    click.echo(f"Sample accounts (for the sample data only; kept in {data_dir}/sample-accounts.toml):")
    for account in accounts:
        councils = ", ".join(account["councils"]) or "every council"
        click.echo(f"  {account['role']:<8} sign in as {account['username']:<15} password {account['password']}  ({councils})")


@click.command()
@click.option("--la", default=None, help="Only this council's children.")
@click.argument("child_ref", required=False)
@click.option("--year", default=None, metavar="2018-19", help="Only that 903 return's rules (and the problems of no year).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def check(obj, la, child_ref, year, as_json):
    """List the record's problems to fix now, with the child, the rule and what to
    record: gaps (milestones that a later one implies but that were never
    recorded: an order with no decision, a placement with no match, an adoption
    with no placement, ...), adopters' details missing where the 903 needs them,
    and the DfE's adoption rules each child's rows of each 903 return would break
    (the rules journey export ssda903 checks). Read from the read models, at any
    time of year. Exit status 1 when it finds a problem."""
    if child_ref and not la:
        raise click.UsageError("give the council with --la when naming a child")
    found = obj.tracker.check(la=la, child_ref=child_ref, year=year)
    if as_json:
        click.echo(json.dumps(found, indent=2))
    else:
        for p in found["problems"]:
            where = f" {p['year']}" if p["year"] else ""
            rule = "gap" if p["rule"] == "gap" else f"rule {p['rule']}"
            click.echo(f"child {p['child_ref']} of {p['local_authority']}:{where} {rule}: {p['message']}: record {p['to_record']}")
        children = len({(p["local_authority"], p["child_ref"]) for p in found["problems"]})
        click.echo(f"{counted(len(found['problems']), 'problem')} in {counted(children, 'child')} "
                   f"of {counted(found['children'], 'child')} checked.")
    if found["problems"]:
        sys.exit(1)


@click.command()
def keygen():
    """Print a new AES key for JOURNEY_CIPHER_KEY (keep it safe: without it the
    events cannot be read)."""
    click.echo(new_cipher_key())


COMMANDS = (demo, run, serve, scheduler, check, keygen)
