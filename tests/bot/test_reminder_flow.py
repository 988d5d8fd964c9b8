"""Reminders through the running bot: an overdue task reminds its official and escalates, once each.

The bot runs on a Wednesday morning (an injected clock, the real one moved): reminders planned at
issue that are already due go out at once through the real dispatcher, its APScheduler wake-up and
PTB against the fake Bot API; an official who joins after the issue gets the open tasks.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.conftest import ADMIN, LOCAL, RunningBot, bot_settings
from tests.bot.fake_bot_api import FakeBotApi
from tests.bot.test_flows import NOTE, SECRETARY, add_secretary, buttons, texts_to
from tests.bot.test_tracking_flow import issue_note, join, task_messages

WEDNESDAY_MORNING = dt.datetime(2026, 12, 9, 9, 0, tzinfo=LOCAL)
ENVIRONMENT, HEAD, TRADE = 3003, 3004, 3002  # Sở Nông nghiệp và Môi trường (official, head), Sở Công Thương
OVERDUE = "⚠️ Nhiệm vụ đã quá hạn 100 ngày (hạn 31/08/2026)"  # "xong trong tháng 8/2026", seen on 9/12/2026
ESCALATED = "🚨 Sở Nông nghiệp và Môi trường chưa hoàn thành nhiệm vụ"


@pytest.fixture
def weekday_bot(fake_api: FakeBotApi, tmp_path: Path, extractor) -> Iterator[RunningBot]:
    bot = RunningBot(bot_settings(fake_api, tmp_path / "data"), extractor, at=WEDNESDAY_MORNING).start()
    try:
        yield bot
    finally:
        bot.stop()


def starting(api: FakeBotApi, chat_id: int, prefix: str) -> list[dict]:
    return [m for m in api.sent_messages(chat_id) if (m.get("text") or "").startswith(prefix)]


def test_overdue_task_reminds_official_and_escalates_to_secretaries_and_head_once(
    fake_api: FakeBotApi, weekday_bot: RunningBot, tmp_path: Path
) -> None:
    add_secretary(fake_api)
    fake_api.user_command(SECRETARY, "/coquan them Sở Nông nghiệp và Môi trường")
    fake_api.wait_for(lambda s: any(t.startswith("Đã thêm: ") for t in texts_to(s, SECRETARY)))
    join(fake_api, ENVIRONMENT, "Sở Nông nghiệp và Môi trường")
    join(fake_api, HEAD, "Sở Nông nghiệp và Môi trường")
    fake_api.user_command(SECRETARY, f"/coquan daumoi Sở Nông nghiệp và Môi trường = {HEAD}")
    fake_api.wait_for(lambda s: any(t.startswith("Đầu mối của") and str(HEAD) in t for t in texts_to(s, SECRETARY)))

    issue_note(fake_api)

    # Long overdue at issue: the official is reminded with the task's buttons; the secretaries, the
    # admin and the agency's head contact hear of it. An official of another agency hears nothing.
    reminder = fake_api.wait_for(lambda s: starting(s, ENVIRONMENT, OVERDUE), timeout=20)[0]
    assert "Hoàn thành" in " ".join(label for label, _ in buttons(reminder))
    for chat in (SECRETARY, ADMIN, HEAD):
        fake_api.wait_for(lambda s, chat=chat: starting(s, chat, ESCALATED), timeout=20)
    time.sleep(2)  # anything doubled would have gone out by now
    for chat, prefix in ((ENVIRONMENT, OVERDUE), (SECRETARY, ESCALATED), (ADMIN, ESCALATED), (HEAD, ESCALATED)):
        assert len(starting(fake_api, chat, prefix)) == 1, (chat, prefix)
    assert not starting(fake_api, ENVIRONMENT, ESCALATED)  # escalation goes to the head, not every official

    with sqlite3.connect(tmp_path / "data" / "ketluan.db") as db:
        rows = db.execute(
            "SELECT chat_id, state FROM reminders WHERE due_at <= ? AND kind IN ('overdue', 'escalation')",
            [weekday_bot.clock.now().isoformat()],
        ).fetchall()
    # Every reminder due is settled: sent, or cancelled when another one of the same task went to the
    # same chat in that pass (the head is an official too: the escalation replaces the overdue note).
    assert {state for _, state in rows} <= {"sent", "cancelled"}
    for chat in (ENVIRONMENT, HEAD, SECRETARY, ADMIN):
        alerts = [m for m in fake_api.sent_messages(chat) if (m.get("text") or "").startswith(("⚠️", "🚨"))]
        assert len(alerts) == sum(c == chat and state == "sent" for c, state in rows), chat

    # Sở Công Thương's official joins after the issue: their agency's open tasks arrive, with buttons.
    fake_api.user_command(SECRETARY, "/coquan them Sở Công Thương")
    join(fake_api, TRADE, "Sở Công Thương")
    lead = fake_api.wait_for(
        lambda s: [m for m in task_messages(s, TRADE) if "cơ quan anh/chị chủ trì" in m["text"]], timeout=20
    )
    assert [label for label, _ in buttons(lead[0])] == ["👍 Đã nhận", "✅ Hoàn thành", "⏳ Xin gia hạn"]
    assert all("Nông nghiệp" not in m["text"].split("\n")[0] for m in task_messages(fake_api, TRADE))


def test_weekly_digest_goes_out_once_after_a_restart_and_never_twice(
    fake_api: FakeBotApi, weekday_bot: RunningBot, tmp_path: Path, extractor
) -> None:
    """Monday's digest was due while there was nothing to report; once tasks exist, a restart sends it, once."""
    add_secretary(fake_api)
    issue_note(fake_api)
    assert not starting(fake_api, SECRETARY, "📊")  # at the first start there was nothing to digest
    weekday_bot.stop()

    def digests(chat: int) -> list[dict]:
        return [m for m in fake_api.sent_messages(chat) if "Tổng hợp tình hình" in (m.get("text") or "")]

    settings = bot_settings(fake_api, tmp_path / "data")
    restarted = RunningBot(settings, extractor, at=WEDNESDAY_MORNING + dt.timedelta(hours=1)).start()
    try:
        fake_api.wait_for(lambda s: digests(SECRETARY) and digests(ADMIN), timeout=20)
    finally:
        restarted.stop()
    text = digests(SECRETARY)[0]["text"]
    assert "Quá hạn: 2" in text and re.search(r"#\d+ Sở Nông nghiệp và Môi trường: .+ \(quá 100 ngày\)", text)
    assert "Ủy ban nhân dân các xã" in text and "Đến hạn trong 7 ngày tới" not in text

    again = RunningBot(settings, extractor, at=WEDNESDAY_MORNING + dt.timedelta(hours=2)).start()
    try:
        time.sleep(2)  # the catch-up runs at start-up
    finally:
        again.stop()
    assert len(digests(SECRETARY)) == 1 and len(digests(ADMIN)) == 1
    # The daily maintenance (retention; no backup dir set) ran once for its 02:00, at the first start.
    with sqlite3.connect(tmp_path / "data" / "ketluan.db") as db:
        runs = db.execute("SELECT json_extract(detail, '$.name') FROM audit WHERE action = 'routine.run'").fetchall()
    assert sorted(name for (name,) in runs) == ["digest", "maintenance"]


def test_a_secretary_sets_a_tasks_own_reminders_and_an_official_cannot(
    fake_api: FakeBotApi, weekday_bot: RunningBot, tmp_path: Path
) -> None:
    add_secretary(fake_api)
    fake_api.user_command(SECRETARY, "/coquan them Sở Công Thương")
    join(fake_api, TRADE, "Sở Công Thương")
    issue_note(fake_api)
    with sqlite3.connect(tmp_path / "data" / "ketluan.db") as db:
        (task_id,) = db.execute("SELECT id FROM tasks WHERE deadline = '2026-12-31'").fetchone()

    def answers() -> list[str]:
        return [t for t in texts_to(fake_api, SECRETARY) if t.startswith(f"Nhiệm vụ #{task_id}:")]

    # Due 31/12, seen on 9/12. Pending besides the days before: the day itself, the nudge, the first
    # overdue reminder and the escalation to the secretary and the admin (5 in all).
    fake_api.user_command(SECRETARY, f"/nhacviec {task_id} 20,10")
    fake_api.wait_for(lambda s: answers())
    assert answers()[-1] == f"Nhiệm vụ #{task_id}: nhắc trước hạn 20, 10 ngày; 7 lần nhắc đang chờ gửi."
    with sqlite3.connect(tmp_path / "data" / "ketluan.db") as db:
        before = db.execute(
            "SELECT substr(due_at, 1, 10) FROM reminders WHERE task_id = ? AND kind = 'before' AND state = 'pending'"
            " ORDER BY due_at",
            [task_id],
        ).fetchall()
    assert [row[0] for row in before] == ["2026-12-11", "2026-12-21"]
    fake_api.user_command(SECRETARY, f"/nhacviec {task_id} tat")
    fake_api.wait_for(lambda s: len(answers()) == 2)
    assert answers()[-1] == f"Nhiệm vụ #{task_id}: đã tắt nhắc việc; 0 lần nhắc đang chờ gửi."
    fake_api.user_command(SECRETARY, f"/nhacviec {task_id} macdinh")
    fake_api.wait_for(lambda s: len(answers()) == 3)
    assert answers()[-1] == f"Nhiệm vụ #{task_id}: nhắc theo mặc định của cơ quan; 8 lần nhắc đang chờ gửi."
    fake_api.user_command(SECRETARY, f"/nhacviec {task_id} mai")
    fake_api.wait_for(lambda s: any("Viết số ngày nhắc trước hạn" in t for t in texts_to(s, SECRETARY)))
    fake_api.user_command(TRADE, f"/nhacviec {task_id} tat")
    fake_api.wait_for(lambda s: any(t == "Anh/chị không có quyền dùng lệnh này." for t in texts_to(s, TRADE)))
    with sqlite3.connect(tmp_path / "data" / "ketluan.db") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit WHERE action = 'task.reminders'")]
    assert len(actions) == 3

    # Withdrawn: the official is told, nothing stays pending, the task cannot be withdrawn twice.
    fake_api.user_command(SECRETARY, f"/thuhoi {task_id}")
    fake_api.wait_for(
        lambda s: any(t == f"Đã thu hồi nhiệm vụ #{task_id}; đã báo 1 cán bộ." for t in texts_to(s, SECRETARY))
    )
    assert any(t.startswith(f"🚫 Nhiệm vụ #{task_id} đã được văn phòng thu hồi") for t in texts_to(fake_api, TRADE))
    with sqlite3.connect(tmp_path / "data" / "ketluan.db") as db:
        assert db.execute(
            "SELECT count(*) FROM reminders WHERE task_id = ? AND state = 'pending'", [task_id]
        ).fetchone() == (0,)
    fake_api.user_command(SECRETARY, f"/thuhoi {task_id}")
    fake_api.wait_for(
        lambda s: any(t == f"Không có nhiệm vụ #{task_id} đang thực hiện." for t in texts_to(s, SECRETARY))
    )


def test_admin_removes_a_meetings_data_on_request_but_not_while_tasks_are_open(
    fake_api: FakeBotApi, weekday_bot: RunningBot, tmp_path: Path
) -> None:
    add_secretary(fake_api)
    issue_note(fake_api)  # meeting 1: issued, tasks open
    fake_api.user_text(SECRETARY, NOTE.replace("215/TB-VP", "216/TB-VP"))  # meeting 2: under review
    fake_api.wait_for(lambda s: sum("Ngày họp" in t for t in texts_to(s, SECRETARY)) >= 2, timeout=60)

    def said(chat: int, start: str) -> list[str]:
        return [t for t in texts_to(fake_api, chat) if t.startswith(start)]

    fake_api.user_command(SECRETARY, "/xoa 2 xacnhan")
    fake_api.wait_for(lambda s: said(SECRETARY, "Anh/chị không có quyền"))
    fake_api.user_command(ADMIN, "/xoa 1 xacnhan")
    refused = fake_api.wait_for(lambda s: said(ADMIN, "Cuộc họp số 1 còn"))[0]
    assert "chưa hoàn thành" in refused and "/thuhoi" in refused
    fake_api.user_command(ADMIN, "/xoa 2")
    assert "/xoa 2 xacnhan" in fake_api.wait_for(lambda s: said(ADMIN, "Sẽ xoá"))[0]
    with sqlite3.connect(tmp_path / "data" / "ketluan.db") as db:
        assert db.execute("SELECT count(*) FROM transcripts WHERE meeting_id = 2").fetchone() == (1,)
    fake_api.user_command(ADMIN, "/xoa 2 xacnhan")
    done = fake_api.wait_for(lambda s: said(ADMIN, "Đã xoá"))[0]
    assert re.fullmatch(
        r"Đã xoá \d+ mục dữ liệu \([\d,]+ [KM]?B\) của cuộc họp số 2\. Nhật ký ghi lại việc xoá\.", done
    )
    with sqlite3.connect(tmp_path / "data" / "ketluan.db") as db:
        assert db.execute("SELECT count(*) FROM transcripts WHERE meeting_id = 2").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM tasks WHERE meeting_id = 1 AND state = 'open'").fetchone()[0] >= 4
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'meeting.forget'").fetchone() == (1,)
    before = len(texts_to(fake_api, SECRETARY))
    fake_api.user_command(SECRETARY, "/xem 2")  # what is left of it answers sensibly
    fake_api.wait_for(lambda s: len(texts_to(s, SECRETARY)) > before)
    assert "Kết luận: 0 · Nhiệm vụ: 0" in texts_to(fake_api, SECRETARY)[before]  # the meeting's entry stays
    fake_api.user_command(ADMIN, "/xoa 2 xacnhan")
    fake_api.wait_for(lambda s: said(ADMIN, "Dữ liệu của cuộc họp số 2 đã được xóa trước đó"))
    assert not [c for c in fake_api.calls if c["status"] == 500]
