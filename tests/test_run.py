"""`journey run` (what `make run` starts): sample data on an empty data directory,
children by stage, then the scheduler in the foreground until Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import tomllib


def start_run(data_dir):
    return subprocess.Popen(
        [sys.executable, "-m", "journey.cli", "--data-dir", str(data_dir), "run"],
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


def test_run_loads_the_sample_once_shows_stages_and_stops_on_ctrl_c(tmp_path):
    first = start_run(tmp_path)
    lines = read_until(first, "scheduler started")
    output = "".join(lines)
    assert "loading the sample agency" in output
    assert "Children by stage" in output and "adopted" in output
    assert f"Sample accounts, one per role: sample.tracker, sample.manager, sample.auditor, sample.admin (their passwords are in {tmp_path / 'sample-accounts.toml'})" in output
    passwords = tomllib.loads((tmp_path / "sample-accounts.toml").read_text())["accounts"]
    assert len(passwords) == 4 and not any(a["password"] in output for a in passwords)
    first.send_signal(signal.SIGINT)
    rest, _ = first.communicate(timeout=60)
    assert first.returncode == 0, rest
    assert "scheduler stopped" in rest

    second = start_run(tmp_path)
    output = "".join(read_until(second, "scheduler started"))
    assert "loading the sample agency" not in output
    second.send_signal(signal.SIGINT)
    second.communicate(timeout=60)
    assert second.returncode == 0
