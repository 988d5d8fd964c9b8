"""Crash test: the real dispatcher in a child process, SIGKILLed at random moments while delivering.

1,000 reminders to 40 chats (one per task and chat: nothing to coalesce), all due. The child is
killed at least 20 times, each a random 0.05-1.5 s after it starts delivering, then run to the end.
The fake Bot API's log must show every reminder delivered, and a reminder delivered twice only
when the database records it as unknown, at most one duplicate per kill.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.db import open_database
from tests.bot.fake_bot_api import FakeBotApi
from tests.integration.reminder_child import MARK, seed_reminders

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).resolve().parent / "reminder_child.py"
TOKEN = "123456:TEST-reminder-crash-token-abcdefgh"
TASKS, CHATS = 25, 40
KILLS = 20
PER_SECOND = 100.0  # test-only: per chat it stays 1 message/s, so 40 chats give at most 40/s


def _start_child(db: Path, url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PTB_TIMEDELTA": "true"}
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, str(CHILD), str(db), url, TOKEN, "--per-second", str(PER_SECOND)],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=ROOT,
            env=env,
        )


def _wait_delivering(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the child did not start delivering"
    line = proc.stdout.readline()
    assert line.strip() == b"delivering", line


def _deliveries(server: FakeBotApi) -> collections.Counter[int]:
    """How many times each reminder id reached the server and was accepted."""
    counts: collections.Counter[int] = collections.Counter()
    for call in server.calls_for("sendMessage"):
        if call["status"] == 200:
            match = MARK.search(str(call["params"].get("text", "")))
            assert match, call["params"]
            counts[int(match.group(1))] += 1
    return counts


@pytest.mark.slow
def test_sigkill_while_delivering_loses_nothing_and_duplicates_only_unknowns(tmp_path: Path) -> None:
    started = time.monotonic()
    rng = random.Random(20261122)  # noqa: S311 - reproducible kill times, not security
    db = tmp_path / "ketluan.db"
    log = tmp_path / "child.log"
    ids = seed_reminders(db, tasks=TASKS, chats=CHATS, due_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    assert len(ids) == 1000

    with FakeBotApi(token=TOKEN) as server:
        kills = 0
        delivered_at_kill: list[int] = []
        while kills < KILLS:
            proc = _start_child(db, server.url, log)
            try:
                _wait_delivering(proc)
                time.sleep(rng.uniform(0.05, 1.5))
                assert proc.poll() is None, f"the child finished before kill {kills + 1}: deliveries too fast"
                proc.send_signal(signal.SIGKILL)
            finally:
                proc.wait(10)
                if proc.stdout is not None:
                    proc.stdout.close()
            kills += 1
            delivered_at_kill.append(sum(_deliveries(server).values()))

        proc = _start_child(db, server.url, log)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, log.read_text(encoding="utf-8")[-3000:]
        last_run = json.loads(out.decode().strip().splitlines()[-1])
        server.wait_for(lambda s: all(c["status"] is not None for c in s.calls_for("sendMessage")), timeout=10)
        deliveries = _deliveries(server)
        assert server.errors == []

    store = open_database(db)
    with store.read() as conn:
        states = dict(conn.execute("SELECT id, state FROM reminders").fetchall())
    store.close()
    elapsed = time.monotonic() - started

    lost = [i for i in ids if deliveries[i] == 0]
    twice = {i: n for i, n in deliveries.items() if n > 1}
    duplicates = sum(n - 1 for n in twice.values())
    unknown = [i for i, s in states.items() if s == "unknown"]
    summary = (
        f"crash test: {kills} kills, {len(ids)} reminders, {sum(deliveries.values())} messages, "
        f"{len(lost)} lost, {duplicates} duplicates ({sorted(twice)}), {len(unknown)} unknown, "
        f"states {collections.Counter(states.values())}, delivered at each kill {delivered_at_kill}, "
        f"last run {last_run}, {elapsed:.1f} s"
    )
    sys.stderr.write(summary + "\n")
    assert delivered_at_kill[-1] < len(ids), "every kill must land while reminders are being delivered"
    assert lost == [], summary
    assert set(deliveries) == set(ids), summary
    assert all(states[i] == "unknown" for i in twice), summary
    assert duplicates <= kills, summary
    assert set(states.values()) <= {"sent", "unknown"}, summary
    assert elapsed < 90, summary
