"""Voice notes through the real bot and the real Whisper model (espeak-ng speech, Opus like Telegram)."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import numpy as np
import pytest
from docx import Document

from tests.bot.fake_bot_api import FakeBotApi
from tests.bot.test_flows import ADMIN, SECRETARY, add_secretary, cards, press, texts_to
from tests.speech import encode, espeak

pytestmark = [pytest.mark.model, pytest.mark.slow]

SPOKEN = (
    "Chủ tịch Ủy ban nhân dân tỉnh kết luận như sau. "
    "Giao Sở Tài chính chủ trì rà soát dự toán ngân sách, hoàn thành trước ngày ba mươi tháng sáu."
)
ADDED = "Giao Sở Xây dựng chủ trì kiểm tra hạ tầng cụm công nghiệp, hoàn thành trước ngày 30/9/2027."


def voice_note(tmp_path: Path, text: str, *, seconds: float | None = None) -> bytes:
    """``text`` spoken by espeak-ng, repeated with pauses up to ``seconds``, as an Ogg/Opus voice note."""
    samples, rate = espeak(text, tmp_path / "speech.wav")
    pause = np.zeros(rate, dtype=np.float32)
    chunks = [samples, pause]
    while seconds is not None and sum(len(c) for c in chunks) / rate < seconds:
        chunks += [samples, pause]
    path = encode(chunks, rate, tmp_path / "voice.ogg", codec="libopus", bit_rate=32000)
    return path.read_bytes()


def test_voice_note_to_transcript_review_and_draft(fake_api: FakeBotApi, running_bot, tmp_path: Path) -> None:
    add_secretary(fake_api)
    audio = voice_note(tmp_path, SPOKEN)
    file_id, _ = fake_api.add_file(audio, file_path="voice/file_1.oga")
    fake_api.user_voice(SECRETARY, file_id, duration=12, size=len(audio))
    fake_api.wait_for(lambda s: any("Ngày họp" in t for t in texts_to(s, SECRETARY)), timeout=120)
    documents = {d["filename"]: d["content"].decode("utf-8") for d in fake_api.documents(SECRETARY)}
    assert set(documents) == {"ban-ghi-1.txt", "ban-ghi-1.srt"}
    transcript = documents["ban-ghi-1.txt"].lower()
    assert sum(word in transcript for word in ("như sau", "chính", "ngân sách", "hoàn thành", "mươi")) >= 2
    assert "00:00:0" in documents["ban-ghi-1.srt"] and " --> " in documents["ban-ghi-1.srt"]

    summary = next(m for m in fake_api.sent_messages(SECRETARY) if "Ngày họp" in (m.get("text") or ""))
    press(fake_api, SECRETARY, summary, "Thêm nhiệm vụ")
    fake_api.wait_for(lambda s: any(t.startswith("Gõ nhiệm vụ cần thêm") for t in texts_to(s, SECRETARY)))
    fake_api.user_text(SECRETARY, ADDED)
    fake_api.wait_for(lambda s: any("kiểm tra hạ tầng cụm công nghiệp" in t.lower() for t in texts_to(s, SECRETARY)))
    added = [m for m in cards(fake_api, SECRETARY) if "kiểm tra hạ tầng" in m["text"].lower()][-1]
    assert "Sở Xây dựng" in added["text"] and "30/09/2027" in added["text"]

    fake_api.user_command(SECRETARY, "/xuat 1")
    fake_api.wait_for(lambda s: any(d["filename"].endswith(".docx") for d in s.documents(SECRETARY)), timeout=30)
    draft = next(d for d in fake_api.documents(SECRETARY) if d["filename"].endswith(".docx"))
    body = "\n".join(p.text for p in Document(io.BytesIO(draft["content"])).paragraphs)
    assert "kiểm tra hạ tầng cụm công nghiệp" in body.lower() and "Sở Xây dựng" in body


def test_help_is_answered_within_a_second_while_a_long_voice_note_is_transcribed(
    fake_api: FakeBotApi, running_bot, tmp_path: Path
) -> None:
    add_secretary(fake_api)
    audio = voice_note(tmp_path, SPOKEN, seconds=600)
    file_id, _ = fake_api.add_file(audio, file_path="voice/long.oga")
    fake_api.user_voice(SECRETARY, file_id, duration=600, size=len(audio))
    fake_api.wait_for(lambda s: s.sent_messages(SECRETARY), timeout=10)
    status = fake_api.sent_messages(SECRETARY)[0]
    fake_api.wait_for(lambda s: "Đang chuyển giọng nói" in s.message_text(SECRETARY, status["message_id"]), timeout=60)

    latencies = []
    for _ in range(3):
        before = len(texts_to(fake_api, ADMIN))
        sent_at = time.monotonic()
        fake_api.user_command(ADMIN, "/help")
        fake_api.wait_for(lambda s, n=before: len(texts_to(s, ADMIN)) > n, timeout=10)
        latencies.append(time.monotonic() - sent_at)
        time.sleep(0.5)
    assert "Đang chuyển giọng nói" in fake_api.message_text(SECRETARY, status["message_id"])  # still working
    assert max(latencies) < 1.0, latencies

    # The admins' status view shows the job in progress; a secretary may not see it.
    fake_api.user_command(ADMIN, "/trangthai")
    report = fake_api.wait_for(lambda s: [t for t in texts_to(s, ADMIN) if t.startswith("Tình trạng hệ thống")])[0]
    assert "Hàng đợi: 0 việc đang chờ" in report and "Nhắc việc đến hạn trong 24 giờ tới: 0" in report
    assert re.search(r"Đang xử lý: Cuộc họp số \d+: 🎙 Đang chuyển giọng nói thành văn bản: \d+%", report)
    assert re.search(r"Cơ sở dữ liệu: [\d,]+ [KM]B", report) and "Dung lượng trống: " in report
    fake_api.user_command(SECRETARY, "/trangthai")
    fake_api.wait_for(lambda s: any(t == "Anh/chị không có quyền dùng lệnh này." for t in texts_to(s, SECRETARY)))

    press(fake_api, SECRETARY, status, "Huỷ")
    fake_api.wait_for(lambda s: "Đã huỷ" in s.message_text(SECRETARY, status["message_id"]), timeout=60)
