"""Reading the log ahead, in a second process, while the projection writes.

A long catch-up (a rebuild, or a first start on a large store) spends about as
long reading and decoding the log as it does writing the read models. With two
cores the two can overlap: a reader process selects and decodes batch after
batch (`projections.facts.decode`) and hands over plain tuples, while this
process applies them and writes. The reader only reads: the projection's
tracking row, its transactions and exactly-once application are unchanged
(`projections.projector`), and when the projection stops early, for whatever
reason, the reader is stopped with it.

The reader is a new interpreter (running `_main` below) with the
caller's import path and its own connection to the event store: it shares no
database handle or thread with the caller (the scheduler runs catch-ups from
its threads), and, unlike multiprocessing's "spawn", it never imports the
caller's main script again. Batches go through its standard output, pickled;
the pipe's buffer (widened where the system allows) lets it run a few batches
ahead, and no further.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import traceback
from collections.abc import Iterator

try:
    import fcntl
except ImportError:  # (not on Windows)
    fcntl = None

# Room in the pipe for a few batches read ahead (1 MiB is Linux's default
# limit for an unprivileged process).
PIPE_BYTES = 1 << 20
_END = "end"
_FAILED = "failed"


class ReaderFailed(RuntimeError):
    """The reader process stopped with an error (its traceback is the message)."""


def read_ahead(settings, start: int, limit: int, until: int | None = None) -> Iterator[tuple[int, int, list]]:
    """(last notification id, number read, facts) for each batch of up to `limit`
    notifications from `start` on (to `until`, if given: the batch that reaches
    it may go past it, as a batch read in-process would), read by a reader
    process. Closing the iterator stops the reader."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    reader = subprocess.Popen(
        [sys.executable, "-c", "from projections.reading import _main; _main()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
    )
    _widen(reader.stdout)
    try:
        pickle.dump((settings, start, limit, until), reader.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        reader.stdin.close()
        while True:
            try:
                item = pickle.load(reader.stdout)
            except EOFError:
                code = reader.wait()
                raise ReaderFailed(f"the log reader process ended unexpectedly (exit status {code})") from None
            if item[0] == _END:
                return
            if item[0] == _FAILED:
                raise ReaderFailed(f"the log reader process failed:\n{item[1]}")
            yield item
    finally:
        if reader.poll() is None:
            reader.kill()
        reader.wait()
        reader.stdout.close()


def _widen(pipe) -> None:
    """Let the reader put a few batches in the pipe before it must wait (Linux: a
    pipe holds 64 KiB by default, a batch is a few hundred); elsewhere, or when
    not allowed, the default stands."""
    try:
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):
        pass


def _main() -> None:
    """The reader process: batches of (last id, notifications read, facts), then the end."""
    # Ctrl-C reaches the whole process group: the projection decides, and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the pipe
    try:
        settings, start, limit, until = pickle.load(sys.stdin.buffer)
        # Imported here, after the parent has sent its request: the reader starts
        # at once and its imports overlap with the parent's work.
        from journey.store.application import JourneyTracker
        from projections import facts

        app = JourneyTracker(settings)
        try:
            while until is None or start <= until:
                notifications = app.recorder.select_notifications(start=start, limit=limit)
                if not notifications:
                    break
                batch = (notifications[-1].id, len(notifications), facts.decode(app.mapper, notifications))
                pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                out.flush()
                start = notifications[-1].id + 1
        finally:
            app.close()
        pickle.dump((_END,), out)
        out.flush()
    except BrokenPipeError:
        return  # the projection stopped reading: nothing to tell it
    except BaseException:  # noqa: BLE001 (the projection raises it)
        try:
            pickle.dump((_FAILED, traceback.format_exc()), out)
            out.flush()
        except BrokenPipeError:
            return
