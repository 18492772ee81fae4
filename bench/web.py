"""How fast the web view's pages are under 8 concurrent clients, on the sample
agency and on the 100,000-child store, against an empty page in the same run.

    .venv/bin/python bench/web.py [--children 100000] [--rounds 12] [--writes 30] [--sample-only] [--in-process]

A real waitress server runs in a process of its own (8 request threads, as
`journey serve` runs; `--in-process`: in a thread of the bench's), over the
bench's own instance of the application (bench/_web_server.py), to which one route
is added: `/bench-empty`, the base template with no data, behind the same
sign-in and permission check as every page (the baseline). Each of 8 client
threads signs in with its own account (a tracker of every council) and keeps
its own session and connection.

1. Reading: each client asks for every page (the empty page, the dashboard,
   the alerts, the waiting list, a child's page, a household's page) `--rounds`
   times in a shuffled order; each request is timed to its last byte.
2. Writing: one client records milestones through the forms while the other 7
   keep reading: each write is the POST, the redirect followed and the page that
   shows it. A child's milestone through `/children/<council>/<child_ref>/record`
   (when the application has that route; otherwise skipped, saying so), and a
   household's through `/households/<household_ref>/record` (then once more
   with no one else reading). The form's page, for its token, is read untimed.
   Before that, the same kinds of milestone are recorded straight through the
   service (`Tracker.record`, `Tracker.record_household`) one after another,
   with nothing else running, as bench/commands.py does. Last, the floor: a
   household's milestone through the form while the other 7 ask only for the
   empty page, the least any page can cost; if the form misses its target even
   then, no page made cheaper can meet it.

Stores: the sample agency (5 councils, 600 children) loaded into a scratch
folder, and the store of `--children` generated children that bench/_stores.py
caches (made once, shared with bench/import.py and bench/projections.py),
copied to a scratch folder so the cached store is left as it was; the bench's
accounts are added to the copies.

Targets: on the sample, each page's p95 within 3 times the empty page's; on the
large store, within 1.5 times its own sample figure; each form's p95 within 3
times the service command's p95. A line says where each target is missed.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import _stores  # noqa: F401  (puts the repository first on the import path)
from _stores import COUNCILS, TODAY, close, event_store, load
from _web_server import bench_app
from waitress.server import create_server

from journey.domain import clock
from journey.service import Tracker
from journey.settings import Settings

CLIENTS = 8
PASSWORD = "bench password, long enough to be allowed"
PAGES = ("empty page", "dashboard", "alerts", "waiting list", "child page", "household page")
CHILD_FORM_RULE = "/children/<council>/<child_ref>/record"
CHILD_FORM_ENDPOINT = "recording.record"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
EMPTY_ONLY = {"empty page": ["/bench-empty"]}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------- the server


class ServerProcess:
    """The bench's waitress server in a process of its own (bench/_web_server.py),
    as `journey serve` runs: the clients' work is not counted against it."""

    def __init__(self, data_dir: Path):
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_web_server.py")), str(data_dir), str(CLIENTS), TODAY.isoformat()],
            stdout=subprocess.PIPE, text=True,
        )

    def __enter__(self) -> tuple[str, int]:
        port = self.process.stdout.readline().strip()
        if not port.isdigit():
            self.process.kill()
            raise RuntimeError(f"the bench's server did not start (it printed {port!r})")
        return "127.0.0.1", int(port)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Server:
    """A waitress server over the bench's app, in a thread of this process."""

    def __init__(self, app):
        logging.getLogger("waitress").setLevel(logging.ERROR)  # not "Task queue depth": 8 clients queue by design
        self.server = create_server(app, host="127.0.0.1", port=0, threads=CLIENTS, ident="",
                                    clear_untrusted_proxy_headers=False, channel_timeout=120)
        self.closing = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError:
            if not self.closing:  # its sockets closed under its loop at the end: expected then
                raise

    def __enter__(self) -> tuple[str, int]:
        self.thread.start()
        return "127.0.0.1", self.server.effective_port

    def __exit__(self, *exc) -> None:
        self.closing = True
        self.server.task_dispatcher.shutdown(timeout=10)  # the request threads first, then the sockets
        self.server.close()
        self.thread.join(timeout=10)


# ---------------------------------------------------------------------------- a client


class Client:
    """One person's browser: a connection kept open and the session's cookies."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode()
                break
            except (http.client.HTTPException, ConnectionError):
                if attempt == 2:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers.get("Location", ""), text

    def get(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        if status != 200:
            raise AssertionError(f"GET {path}: {status}")
        return text

    def sign_in(self, username: str) -> None:
        token = TOKEN.search(self.get("/sign-in")).group(1)
        status, _, _ = self.request("POST", "/sign-in", {"username": username, "password": PASSWORD, "csrf_token": token})
        if status != 302:
            raise AssertionError(f"{username} not signed in: {status}")

    def post_and_follow(self, path: str, form: dict) -> tuple[int, str]:
        """POST a form, then GET where it redirects: what a browser waits for."""
        status, location, text = self.request("POST", path, form)
        if status not in (302, 303):
            return status, text
        target = urlsplit(location)
        return 200, self.get(target.path + (f"?{target.query}" if target.query else ""))


# ---------------------------------------------------------------------------- a store made ready


def add_accounts(tracker: Tracker) -> list[str]:
    names = [f"bench.tracker{n}" for n in range(CLIENTS)]
    known = {u["username"] for u in tracker.users()}
    for name in names:
        if name not in known:
            tracker.add_user(name, role="tracker", councils=[], password=PASSWORD, by="bench")
    return names


class Codes(dict):
    """How a council appears in a link: its code from the agency file, else its name."""

    def __init__(self, tracker: Tracker):
        super().__init__({c["name"]: c["code"] or c["name"] for c in tracker.councils()})

    def __missing__(self, name: str) -> str:
        return name


def page_urls(tracker: Tracker) -> dict[str, list[str]]:
    codes = Codes(tracker)
    # 20 children spread over the store (every stage; the generated store's are all adopted)
    children = list(tracker.read_models().query(
        "SELECT local_authority, child_ref FROM children WHERE stream_no % 97 = 0 ORDER BY stream_no LIMIT 20"))
    households = [r["household_ref"] for r in tracker.read_models().query(
        "SELECT household_ref FROM households ORDER BY approved_on IS NULL, household_ref LIMIT 20")]
    return {
        "empty page": ["/bench-empty"],
        "dashboard": ["/"],
        "alerts": ["/alerts"],
        "waiting list": ["/children/waiting"],
        "child page": [f"/children/{codes[c['local_authority']]}/{c['child_ref']}" for c in children],
        "household page": [f"/households/{ref}" for ref in households],
    }


# ---------------------------------------------------------------------------- the runs


def read_pages(client: Client, urls: dict[str, list[str]], rounds: int, timings: dict[str, list[float]],
               lock: threading.Lock, seed: int, stop: threading.Event | None = None) -> None:
    rng = random.Random(seed)
    done = 0
    while (stop is None and done < rounds) or (stop is not None and not stop.is_set()):
        order = [name for name in PAGES if name in urls]
        rng.shuffle(order)
        for name in order:
            url = rng.choice(urls[name])
            started = time.perf_counter()
            client.get(url)
            took = time.perf_counter() - started
            with lock:
                timings.setdefault(name, []).append(took)
        done += 1


def concurrent_reads(clients: list[Client], urls: dict, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    lock = threading.Lock()
    threads = [threading.Thread(target=read_pages, args=(c, urls, rounds, timings, lock, n)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings


def form_fields(page: str, action: str) -> list[str]:
    """The names of the fields of the form posted to `action` on `page`."""
    start = page.find(f'action="{action}"')
    if start < 0:
        return []
    form = page[start: page.find("</form>", start)]
    return re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', form)


def filled(fields: list[str], token: str, milestone: str, day: datetime.date) -> dict:
    """The form as a tracker fills it in: the milestone, its date, nothing else."""
    data = {"csrf_token": token}
    for name in fields:
        if name == "milestone":
            data[name] = milestone
        elif name.endswith("-day"):
            data[name] = str(day.day)
        elif name.endswith("-month"):
            data[name] = str(day.month)
        elif name.endswith("-year"):
            data[name] = str(day.year)
        elif name in ("occurred_on", "date"):
            data[name] = day.isoformat()
    return data


def writes_under_load(writer: Client, readers: list[Client], urls: dict, jobs: list[tuple[str, str, dict]]) -> list[float]:
    """The writer posts each (page, action, data) while the readers read; the
    times of post + redirect + page. The form's token is read untimed."""
    stop = threading.Event()
    timings: dict[str, list[float]] = {}
    lock = threading.Lock()
    threads = [threading.Thread(target=read_pages, args=(c, urls, 0, timings, lock, 100 + n, stop))
               for n, c in enumerate(readers)]
    for t in threads:
        t.start()
    took = []
    try:
        time.sleep(0.2)
        for page_url, action, data in jobs:
            page = writer.get(page_url)
            token = TOKEN.search(page).group(1)
            form = filled(form_fields(page, action), token, data["milestone"], data["day"])
            started = time.perf_counter()
            status, text = writer.post_and_follow(action, form)
            if status != 200:
                said = re.sub(r"<[^>]+>|\s+", " ", text)[:300]
                raise AssertionError(f"POST {action} with {sorted(form)}: {status}: {said}")
            took.append(time.perf_counter() - started)
    finally:
        stop.set()
        for t in threads:
            t.join()
    return took


def service_commands(tracker: Tracker, count: int, *, codes: dict) -> tuple[dict, dict]:
    """The commands the forms will make, made ready (children in care, untimed)
    and timed straight through the service; then the jobs for the forms."""
    la = tracker.councils()[0]["name"] if tracker.councils() else COUNCILS[0]  # the generated store has no agency file
    entered = (clock.today() - datetime.timedelta(days=200)).isoformat()
    decided = clock.today() - datetime.timedelta(days=20)
    direct = [f"BW-S{n:04d}" for n in range(count)]
    by_form = [f"BW-F{n:04d}" for n in range(count)]
    for ref in direct + by_form:
        tracker.record(la, ref, "entered_care", entered, recorded_by="bench")
    child_times = []
    for ref in direct:
        started = time.perf_counter()
        tracker.record(la, ref, "adm_decision", decided, recorded_by="bench")
        child_times.append(time.perf_counter() - started)
    approved_by = clock.today() - datetime.timedelta(days=2 * count + 10)
    households = [r["household_ref"] for r in tracker.read_models().query(
        "SELECT household_ref FROM households WHERE approved_on IS NOT NULL AND approved_on < ?"
        " ORDER BY household_ref LIMIT 4", [approved_by.isoformat()])]
    if len(households) < 4:  # the generated store's households have only the children's milestones
        households = [r["household_ref"] for r in tracker.read_models().query(
            "SELECT household_ref FROM households ORDER BY household_ref LIMIT 4")]
        for ref in households:
            tracker.record_household(ref, "approved", approved_by, recorded_by="bench")
    household_times = []
    for n in range(count):
        started = time.perf_counter()
        tracker.record_household(households[0], "review", clock.today() - datetime.timedelta(days=n + 1), recorded_by="bench")
        household_times.append(time.perf_counter() - started)
    # The form's second step (its milestone chosen): the date fields of that milestone.
    child_jobs = [(f"/children/{codes[la]}/{ref}/record?milestone=adm_decision", f"/children/{codes[la]}/{ref}/record",
                   {"milestone": "adm_decision", "day": decided}) for ref in by_form]
    household_jobs = [[(f"/households/{ref}/record", f"/households/{ref}/record",
                        {"milestone": "review", "day": clock.today() - datetime.timedelta(days=n + 1)}) for n in range(count)]
                      for ref in households[1:4]]
    return ({"child": child_times, "household": household_times},
            {"child": child_jobs, "household": household_jobs[0], "household alone": household_jobs[1],
             "household floor": household_jobs[2]})


def run_store(name: str, data_dir: Path, args) -> dict:
    print(f"\n{name}: {load()}", flush=True)
    tracker = Tracker(Settings(data_dir=data_dir))
    try:
        started = time.perf_counter()
        tracker.read_models()  # caught up before anything is timed
        users = add_accounts(tracker)
        urls = page_urls(tracker)
        codes = Codes(tracker)
        commands, jobs = service_commands(tracker, args.writes, codes=codes)
        print(f"  ready in {time.perf_counter() - started:.1f} s (accounts, {args.writes} commands of each kind timed)", flush=True)
        app = bench_app(tracker)
        child_form = any(r.endpoint == CHILD_FORM_ENDPOINT and "POST" in (r.methods or ()) for r in app.url_map.iter_rules())
        with (Server(app) if args.in_process else ServerProcess(data_dir)) as (host, port):
            clients = [Client(host, port) for _ in range(CLIENTS)]
            for client, user in zip(clients, users):
                client.sign_in(user)
            for client in clients:  # warm: each thread's read-model connection opened, templates compiled
                for paths in urls.values():
                    client.get(paths[0])
            started = time.perf_counter()
            reads = concurrent_reads(clients, urls, args.rounds)
            print(f"  {sum(len(v) for v in reads.values())} page requests by {CLIENTS} clients in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            forms = {}
            if child_form:
                forms["child"] = writes_under_load(clients[0], clients[1:], urls, jobs["child"])
            else:
                print(f"  note: no {CHILD_FORM_RULE} route in this application yet: the child's form is not timed", flush=True)
            forms["household"] = writes_under_load(clients[0], clients[1:], urls, jobs["household"])
            forms["household alone"] = writes_under_load(clients[0], [], urls, jobs["household alone"])
            # The floor: the other 7 asking only for the empty page, the least a page can cost.
            forms["household floor"] = writes_under_load(clients[0], clients[1:], EMPTY_ONLY, jobs["household floor"])
            for client in clients:
                client.conn.close()
    finally:
        close(tracker)
    return {"reads": reads, "commands": commands, "forms": forms}


def report(name: str, result: dict, sample: dict | None) -> list[str]:
    ms = 1000
    missed = []
    reads = result["reads"]
    empty95 = percentile(reads["empty page"], 0.95)
    print(f"\n{name}")
    head = f"  {'page':<18}{'n':>5}{'p50':>8}{'p95':>8}  ms  {'p95 / empty':>11}"
    print(head + ("  p95 / sample's  target" if sample else "  target"))
    for page in PAGES:
        values = reads[page]
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        line = f"  {page:<18}{len(values):5d}{p50 * ms:8.1f}{p95 * ms:8.1f}      {p95 / empty95:11.2f}"
        if page == "empty page":
            print(line + ("" if not sample else f"  {p95 / percentile(sample['reads'][page], 0.95):14.2f}"))
            continue
        if sample is None:
            ok = p95 <= 3 * empty95
            print(line + f"  within 3x the empty page's: {'met' if ok else 'MISSED'}")
            if not ok:
                missed.append(f"{name}: {page} p95 {p95 * ms:.0f} ms is {p95 / empty95:.1f}x the empty page's")
        else:
            own = percentile(sample["reads"][page], 0.95)
            ok = p95 <= 1.5 * own
            print(line + f"  {p95 / own:14.2f}  within 1.5x its sample figure: {'met' if ok else 'MISSED'}")
            if not ok:
                missed.append(f"{name}: {page} p95 {p95 * ms:.0f} ms is {p95 / own:.1f}x its sample figure ({own * ms:.0f} ms)")
    print(f"  {'write':<40}{'n':>5}{'p50':>8}{'p95':>8}  ms")
    for kind, words in (("child", "a child's milestone"), ("household", "a household's milestone")):
        command = result["commands"][kind]
        print(f"  {'service: ' + words:<40}{len(command):5d}{statistics.median(command) * ms:8.1f}{percentile(command, 0.95) * ms:8.1f}")
        form = result["forms"].get(kind)
        if form is None:
            print(f"  {'form: ' + words:<40}  skipped (no such route yet)")
            continue
        ratio = percentile(form, 0.95) / percentile(command, 0.95)
        ok = ratio <= 3
        print(f"  {'form: ' + words + ' (7 reading)':<40}{len(form):5d}{statistics.median(form) * ms:8.1f}"
              f"{percentile(form, 0.95) * ms:8.1f}  {ratio:.2f}x the service's p95, within 3x: {'met' if ok else 'MISSED'}")
        if not ok:
            missed.append(f"{name}: the form for {words} p95 is {ratio:.1f}x the command's")
        alone = result["forms"].get(f"{kind} alone")
        if alone:
            print(f"  {'form: ' + words + ' (no one reading)':<40}{len(alone):5d}{statistics.median(alone) * ms:8.1f}"
                  f"{percentile(alone, 0.95) * ms:8.1f}  {percentile(alone, 0.95) / percentile(command, 0.95):.2f}x the service's p95")
        floor = result["forms"].get(f"{kind} floor")
        if floor:
            print(f"  {'form: ' + words + ' (7 reading the empty page)':<40}{len(floor):5d}{statistics.median(floor) * ms:8.1f}"
                  f"{percentile(floor, 0.95) * ms:8.1f}  {percentile(floor, 0.95) / percentile(command, 0.95):.2f}x the service's p95"
                  " (the floor: no page costs less)")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=100_000, help="size of the large store (default 100000)")
    parser.add_argument("--rounds", type=int, default=12, help="times each client asks for each page (default 12)")
    parser.add_argument("--writes", type=int, default=30, help="milestones recorded through each form (default 30)")
    parser.add_argument("--sample-only", action="store_true", help="the sample agency only")
    parser.add_argument("--in-process", action="store_true",
                        help="serve from a thread of the bench's own process (default: a process of its own, as journey serve runs)")
    args = parser.parse_args()
    clock.set_today(TODAY)
    print(f"web pages under {CLIENTS} concurrent clients; {load()}", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="journey-bench-web-"))
    try:
        sample_dir = scratch / "sample"
        started = time.perf_counter()
        loader = Tracker(Settings(data_dir=sample_dir))
        loader.load_sample(TODAY)
        close(loader)
        print(f"sample agency loaded in {time.perf_counter() - started:.1f} s", flush=True)
        sample = run_store("sample agency (5 councils, 600 children)", sample_dir, args)
        large = None
        if not args.sample_only:
            cached = event_store(args.children)
            started = time.perf_counter()
            shutil.copytree(cached, scratch / "large")
            print(f"\nstore of {args.children:,} children copied in {time.perf_counter() - started:.1f} s", flush=True)
            large = run_store(f"{args.children:,} children", scratch / "large", args)
        missed = report("sample agency", sample, None)
        if large is not None:
            missed += report(f"{args.children:,} children", large, sample)
        print(f"\nat the end: {load()}")
        print("targets: " + ("all met" if not missed else "missed:\n  " + "\n  ".join(missed)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
