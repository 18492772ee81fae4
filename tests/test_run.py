"""`journey run` (what `make run` starts): sample data on an empty data directory,
children by stage, the sample accounts' sign-ins, then the web view and the
scheduler until Ctrl-C stops both."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request


def start_run(data_dir):
    return subprocess.Popen(
        # port 0: any free port (the address is printed)
        [sys.executable, "-m", "journey.cli", "--data-dir", str(data_dir), "run", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # a shell's background job ignores SIGINT; a terminal's Ctrl-C does not
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def read_until(process, text, timeout=60):
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"{text!r} never appeared in:\n{''.join(lines)}")


@contextlib.contextmanager
def running(data_dir):
    process = start_run(data_dir)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def test_run_loads_the_sample_once_serves_the_web_view_and_stops_on_ctrl_c(tmp_path):
    with running(tmp_path) as first:
        lines = read_until(first, "scheduler started")
        output = "".join(lines)
        assert "loading the sample agency" in output
        assert "Children by stage" in output and "adopted" in output
        accounts = tomllib.loads((tmp_path / "sample-accounts.toml").read_text())["accounts"]
        assert len(accounts) == 4
        for account in accounts:  # each sign-in and its password, for the sample only
            assert re.search(rf"sign in as {re.escape(account['username'])}\s+password {re.escape(account['password'])}", output)
        address = re.search(r"Web view on (http://127\.0\.0\.1:\d+/)", output).group(1)
        with urllib.request.urlopen(address + "sign-in", timeout=10) as page:
            assert page.status == 200 and b"Sign in" in page.read()
        first.send_signal(signal.SIGINT)
        rest, _ = first.communicate(timeout=60)
        assert first.returncode == 0, rest
        assert "scheduler stopped" in rest and "Web view stopped" in rest

    with running(tmp_path) as second:
        output = "".join(read_until(second, "scheduler started"))
        assert "loading the sample agency" not in output
        assert "sign in as sample.tracker" in output  # shown at every start while the sample's file is there
        second.send_signal(signal.SIGINT)
        second.communicate(timeout=60)
        assert second.returncode == 0


def test_serve_answers_until_ctrl_c_and_refuses_a_folder_without_data(tmp_path):
    empty = subprocess.run([sys.executable, "-m", "journey.cli", "--data-dir", str(tmp_path / "nothing"), "serve", "--port", "0"],
                           capture_output=True, text=True, timeout=60)
    assert empty.returncode == 1 and "no tracker data" in empty.stderr
    assert not (tmp_path / "nothing").exists()
    subprocess.run([sys.executable, "-m", "journey.cli", "--data-dir", str(tmp_path), "demo"], check=True,
                   capture_output=True, timeout=120)
    process = subprocess.Popen(
        [sys.executable, "-m", "journey.cli", "--data-dir", str(tmp_path), "serve", "--port", "0", "--threads", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        line = "".join(read_until(process, "Web view on"))
        address = re.search(r"(http://127\.0\.0\.1:\d+/)", line).group(1)
        with urllib.request.urlopen(address + "sign-in", timeout=10) as page:
            assert page.status == 200
            assert page.headers["Content-Security-Policy"] and "waitress" not in str(page.headers).lower()
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
        assert process.returncode == 0 and "Web view stopped" in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)
