"""Whole user flows: the real bot, real SQLite and services, against the fake Bot API server."""

from __future__ import annotations

import html
import io
import json
import logging
import re
import time
from pathlib import Path

import pytest
from docx import Document

from tests.bot.conftest import ADMIN, SECRETARY, TOKEN, RunningBot, bot_settings
from tests.bot.fake_bot_api import FakeBotApi

NOTE = (Path(__file__).resolve().parents[1] / "data" / "provincial_notice.txt").read_text(encoding="utf-8")
OFFICIAL = 3000
STRANGER = 4000


def plain(text: str) -> str:
    """What Telegram shows of an HTML message."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def texts_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [plain(m["text"]) for m in api.sent_messages(chat_id) if m.get("text")]


def cards(api: FakeBotApi, chat_id: int) -> list[dict]:
    return [m for m in api.sent_messages(chat_id) if plain(m.get("text") or "").startswith("Nhiệm vụ ")]


def buttons(message: dict) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


def press(api: FakeBotApi, user_id: int, message: dict, label: str) -> None:
    data = next(data for text, data in buttons(message) if label in text)
    api.user_callback(user_id, message, data)


def add_secretary(api: FakeBotApi) -> None:
    api.user_command(ADMIN, f"/thuky {SECRETARY} Chị Lan")
    api.wait_for(lambda s: any("Đã thêm thư ký" in t for t in texts_to(s, ADMIN)))


def wait_ready(api: FakeBotApi, chat_id: int, n_cards: int = 1) -> None:
    """Wait for the review cards, then until the bot has stopped sending for half a second."""
    api.wait_for(lambda s: len(cards(s, chat_id)) >= n_cards, timeout=60)
    seen = -1
    while (count := len(api.calls)) != seen:
        seen = count
        time.sleep(0.5)


def test_typed_note_to_reviewed_draft(fake_api: FakeBotApi, running_bot: RunningBot) -> None:
    add_secretary(fake_api)
    fake_api.user_text(SECRETARY, NOTE)
    wait_ready(fake_api, SECRETARY, n_cards=4)
    sent = texts_to(fake_api, SECRETARY)
    first_send = next(c for c in fake_api.calls_for("sendMessage") if str(c["params"]["chat_id"]) == str(SECRETARY))
    assert first_send["params"]["text"].startswith("Cuộc họp số 1: ⏳ Đã nhận")  # acknowledged at once, then edited
    assert any("Ngày họp: 09/06/2026" in t and "Nhiệm vụ:" in t for t in sent)  # the summary
    status_id = fake_api.sent_messages(SECRETARY)[0]["message_id"]
    fake_api.wait_for(lambda s: "✅ Xong" in s.message_text(SECRETARY, status_id))
    assert not any(d["filename"].endswith(".srt") for d in fake_api.documents(SECRETARY))  # no ASR for notes

    first, second = cards(fake_api, SECRETARY)[:2]
    press(fake_api, SECRETARY, first, "Xác nhận")
    fake_api.wait_for(lambda s: "✅ Đã xác nhận" in s.message_text(SECRETARY, first["message_id"]))
    press(fake_api, SECRETARY, second, "Sửa")
    fake_api.wait_for(lambda s: any(t == "Sửa mục nào?" for t in texts_to(s, SECRETARY)))
    chooser = [m for m in fake_api.sent_messages(SECRETARY) if m.get("text") == "Sửa mục nào?"][-1]
    press(fake_api, SECRETARY, chooser, "Nội dung")
    fake_api.wait_for(lambda s: any(t.startswith("Gõ nội dung nhiệm vụ") for t in texts_to(s, SECRETARY)))
    fake_api.user_text(SECRETARY, "Rà soát quỹ đất sạch cho cụm công nghiệp Bắc Hà")
    fake_api.wait_for(lambda s: any("quỹ đất sạch" in t for t in texts_to(s, SECRETARY)))
    edited = [m for m in cards(fake_api, SECRETARY) if "quỹ đất sạch" in m["text"]][-1]
    press(fake_api, SECRETARY, edited, "Xác nhận")
    fake_api.wait_for(lambda s: "✅ Đã xác nhận" in s.message_text(SECRETARY, edited["message_id"]))

    fake_api.user_command(SECRETARY, "/xuat")
    fake_api.wait_for(lambda s: any(d["filename"].endswith(".docx") for d in s.documents(SECRETARY)), timeout=30)
    draft = next(d for d in fake_api.documents(SECRETARY) if d["filename"].endswith(".docx"))
    body = "\n".join(p.text for p in Document(io.BytesIO(draft["content"])).paragraphs)
    assert "Rà soát quỹ đất sạch cho cụm công nghiệp Bắc Hà".lower() in body.lower()
    assert "THÔNG BÁO" in body
    for callback in fake_api.calls_for("sendMessage"):
        for _, data in buttons(callback["params"]):
            assert len(data.encode("utf-8")) <= 64


def test_same_update_delivered_twice_makes_one_meeting(fake_api: FakeBotApi, running_bot: RunningBot) -> None:
    add_secretary(fake_api)
    update_id = fake_api.user_text(SECRETARY, NOTE)
    wait_ready(fake_api, SECRETARY, n_cards=4)
    n_messages = len(fake_api.sent_messages(SECRETARY))
    fake_api.redeliver(update_id)
    fake_api.user_command(SECRETARY, "/cuochop")
    fake_api.wait_for(lambda s: any("Cuộc họp gần đây" in t for t in texts_to(s, SECRETARY)))
    listing = next(t for t in texts_to(fake_api, SECRETARY) if "Cuộc họp gần đây" in t)
    assert "1. 09/06/2026" in listing and "\n2." not in listing
    assert len(fake_api.sent_messages(SECRETARY)) == n_messages + 1  # only the listing


def test_stranger_gets_one_polite_refusal(fake_api: FakeBotApi, running_bot: RunningBot) -> None:
    fake_api.user_text(STRANGER, NOTE)
    fake_api.user_command(STRANGER, "/cuochop")
    fake_api.user_command(STRANGER, "/help")
    fake_api.wait_for(lambda s: len(s.sent_messages(STRANGER)) >= 1)
    add_secretary(fake_api)  # later updates are handled: the stranger's are behind us
    refusals = texts_to(fake_api, STRANGER)
    assert len(refusals) == 1
    assert "Xin lỗi" in refusals[0] and str(STRANGER) in refusals[0]


def test_official_joins_by_invite_and_sees_no_meetings(fake_api: FakeBotApi, running_bot: RunningBot) -> None:
    add_secretary(fake_api)
    fake_api.user_command(SECRETARY, "/coquan them Sở Tài chính")
    fake_api.wait_for(lambda s: any("Đã thêm: Sở Tài chính" in t for t in texts_to(s, SECRETARY)))
    fake_api.user_command(SECRETARY, "/moi Sở Tài chính")
    fake_api.wait_for(lambda s: any("?start=" in t for t in texts_to(s, SECRETARY)))
    link = next(t for t in texts_to(fake_api, SECRETARY) if "?start=" in t)
    token = link.split("?start=")[1].split()[0]
    assert link.count("https://t.me/ketluan_test_bot?start=") == 1

    fake_api.user_command(OFFICIAL, f"/start {token}")
    fake_api.wait_for(lambda s: any("Sở Tài chính" in t for t in texts_to(s, OFFICIAL)))
    fake_api.user_command(OFFICIAL + 1, f"/start {token}")  # used once already
    fake_api.wait_for(lambda s: any("không hợp lệ" in t for t in texts_to(s, OFFICIAL + 1)))

    fake_api.user_text(SECRETARY, NOTE)
    wait_ready(fake_api, SECRETARY, n_cards=4)
    card = cards(fake_api, SECRETARY)[0]
    before = len(fake_api.sent_messages(OFFICIAL))
    fake_api.user_command(OFFICIAL, "/cuochop")
    fake_api.user_command(OFFICIAL, "/xuat 1")
    fake_api.wait_for(lambda s: len(s.sent_messages(OFFICIAL)) >= before + 2)
    assert all(t == "Anh/chị không có quyền dùng lệnh này." for t in texts_to(fake_api, OFFICIAL)[before:])
    fake_api.user_callback(OFFICIAL, card, next(d for t, d in buttons(card) if "Xác nhận" in t))
    fake_api.wait_for(
        lambda s: any(c["params"].get("show_alert") in (True, "true") for c in s.calls_for("answerCallbackQuery"))
    )
    assert "✅ Đã xác nhận" not in fake_api.message_text(SECRETARY, card["message_id"])
    assert fake_api.documents(OFFICIAL) == []


def test_oversized_recording_is_refused_before_download(fake_api: FakeBotApi, running_bot: RunningBot) -> None:
    add_secretary(fake_api)
    file_id, _ = fake_api.add_file(b"\0" * 16, size=25 * 1024 * 1024)
    fake_api.user_voice(SECRETARY, file_id, duration=3600, size=25 * 1024 * 1024)
    fake_api.wait_for(lambda s: any("vượt giới hạn" in t for t in texts_to(s, SECRETARY)))
    assert fake_api.calls_for("getFile") == []


def test_twenty_secretaries_send_notes_at_once(fake_api: FakeBotApi, running_bot: RunningBot) -> None:
    secretaries = [SECRETARY + i for i in range(20)]
    for user in secretaries:
        fake_api.user_command(ADMIN, f"/thuky {user}")
    fake_api.wait_for(lambda s: sum("Đã thêm thư ký" in t for t in texts_to(s, ADMIN)) == 20)
    for user in secretaries:
        fake_api.user_text(user, NOTE.replace("cụm công nghiệp", f"cụm công nghiệp số {user}", 1))
    fake_api.wait_for(lambda s: all(len(cards(s, user)) >= 4 for user in secretaries), timeout=120)
    summaries = {user: [t for t in texts_to(fake_api, user) if "Ngày họp" in t] for user in secretaries}
    assert all(len(found) == 1 for found in summaries.values())
    numbers = sorted(int(texts_to(fake_api, user)[0].split(":")[0].split()[-1]) for user in secretaries)
    assert numbers == list(range(1, 21))


def test_rate_limit_is_honoured(fake_api: FakeBotApi, running_bot: RunningBot) -> None:
    fake_api.fail_next("sendMessage", error_code=429, retry_after=1)
    fake_api.user_command(ADMIN, "/help")
    fake_api.wait_for(lambda s: any("Các lệnh" in t for t in texts_to(s, ADMIN)), timeout=10)


def test_token_and_notes_never_reach_the_logs(
    fake_api: FakeBotApi, tmp_path: Path, extractor, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.logsetup import configure_logging

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging("DEBUG", secrets=(TOKEN,))  # what main.py does, at the most talkative level
    try:
        bot = RunningBot(bot_settings(fake_api, tmp_path / "data"), extractor).start()
        try:
            add_secretary(fake_api)
            fake_api.user_text(SECRETARY, NOTE)
            wait_ready(fake_api, SECRETARY, n_cards=4)
            fake_api.user_command(STRANGER, "/start")
            fake_api.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found")
            fake_api.user_command(ADMIN, "/help")
            fake_api.wait_for(lambda s: len(s.calls_for("sendMessage")) > 10)
        finally:
            bot.stop()
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    logged = capsys.readouterr().err
    assert logged.count("\n") > 20
    assert TOKEN.split(":")[1] not in logged
    assert "phát triển các cụm công nghiệp" not in logged  # no note or transcript text


def test_work_accepted_before_a_crash_is_done_after_the_restart(
    fake_api: FakeBotApi, tmp_path: Path, extractor
) -> None:
    import datetime as dt

    from core.clock import FixedClock
    from core.records import Role, User
    from storage.db import open_database
    from storage.meetings import MeetingRepository
    from storage.people import PeopleRepository
    from storage.workqueue import WorkQueue

    data = tmp_path / "data"
    store = open_database(data / "ketluan.db")
    clock = FixedClock(dt.datetime(2026, 6, 12, tzinfo=dt.UTC))
    PeopleRepository(store, clock).put_user(User(SECRETARY, Role.SECRETARY, None, "Lan"), actor=ADMIN)
    meetings = MeetingRepository(store, clock)
    interrupted, _ = meetings.create(
        created_by=SECRETARY, chat_id=SECRETARY, source_kind="text", update_id=None, text=NOTE
    )
    waiting, _ = meetings.create(created_by=SECRETARY, chat_id=SECRETARY, source_kind="text", update_id=None, text=NOTE)
    assert WorkQueue(store, clock).claim() is not None  # the first was running when the process died
    store.close()

    bot = RunningBot(bot_settings(fake_api, data), extractor).start()
    try:
        fake_api.wait_for(lambda s: len(cards(s, SECRETARY)) >= 8, timeout=60)
        summaries = [t for t in texts_to(fake_api, SECRETARY) if "Ngày họp" in t]
        assert [s.splitlines()[0] for s in summaries] == [f"Cuộc họp số {interrupted.id}", f"Cuộc họp số {waiting.id}"]
    finally:
        bot.stop()


def test_docx_notes_forwarded_notes_menus_and_directory_offer(
    fake_api: FakeBotApi, running_bot: RunningBot, tmp_path: Path
) -> None:
    from docx import Document as NewDocument

    from render.pdf import find_soffice

    add_secretary(fake_api)
    secretary_chat = {"type": "chat", "chat_id": SECRETARY}
    fake_api.wait_for(lambda s: bool(s.my_commands(secretary_chat)))  # the menu is set just after the reply
    menu = [c["command"] for c in fake_api.my_commands(secretary_chat)]
    assert "xuat" in menu and "thuky" not in menu
    assert [c["command"] for c in fake_api.my_commands()] == ["start", "help"]

    notes = NewDocument()
    for line in NOTE.splitlines():
        notes.add_paragraph(line)
    path = tmp_path / "ghi-chu.docx"
    notes.save(str(path))
    file_id, _ = fake_api.add_file(path.read_bytes(), file_path="documents/ghi-chu.docx")
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    fake_api.user_document(SECRETARY, file_id, "ghi-chu.docx", mime, path.stat().st_size)
    wait_ready(fake_api, SECRETARY, n_cards=4)
    summary = next(m for m in fake_api.sent_messages(SECRETARY) if "Ngày họp: 09/06/2026" in (m.get("text") or ""))
    assert "Cơ quan chưa có trong danh mục" in summary["text"]
    press(fake_api, SECRETARY, summary, "Thêm cơ quan mới")
    fake_api.wait_for(
        lambda s: any(t.startswith("Đã thêm") and "cơ quan vào danh mục" in t for t in texts_to(s, SECRETARY))
    )
    fake_api.user_command(SECRETARY, "/coquan")
    fake_api.wait_for(lambda s: any("Danh mục cơ quan" in t for t in texts_to(s, SECRETARY)))
    listing = next(t for t in texts_to(fake_api, SECRETARY) if "Danh mục cơ quan" in t)
    assert "Sở Công Thương" in listing and "Sở Tài chính" in listing

    n_cards = len(cards(fake_api, SECRETARY))
    fake_api.user_forward(SECRETARY, NOTE, "Văn phòng UBND tỉnh")
    wait_ready(fake_api, SECRETARY, n_cards=n_cards + 4)
    fake_api.user_command(SECRETARY, "/xuat 2")
    expected = {".docx", ".pdf"} if find_soffice() else {".docx"}
    fake_api.wait_for(lambda s: {Path(d["filename"]).suffix for d in s.documents(SECRETARY)} >= expected, timeout=60)
    names = [d["filename"] for d in fake_api.documents(SECRETARY)]
    assert all(name.startswith("du-thao-thong-bao-ket-luan-2.") for name in names), names
