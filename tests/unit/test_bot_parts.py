"""Pure parts of the bot: callback data, the command registry, message texts, log redaction."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from bot import commands, keyboards, texts
from core.logsetup import RedactFilter
from core.records import ItemStatus, Meeting, MeetingState, ReviewItem, Role
from core.services.intake import Stage, WorkStatus, kind_of


def _item(**changes) -> ReviewItem:
    base = {
        "id": 987654321,
        "meeting_id": 12,
        "position": 0,
        "lead": "Sở Nông nghiệp và Môi trường",
        "lead_canonical": "Sở Nông nghiệp và Môi trường",
        "cooperating": ("Sở Tài chính",),
        "task": "rà soát <quy hoạch> & báo cáo",
        "deadline": dt.date(2026, 12, 31),
        "deadline_text": "trước ngày 31/12/2026",
        "recurrence": None,
        "evidence": "Giao Sở Nông nghiệp và Môi trường chủ trì…",
        "status": ItemStatus.PROPOSED,
    }
    return ReviewItem(**(base | changes))


def test_callback_data_round_trips_and_fits_64_bytes() -> None:
    markup = keyboards.card(_item())
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert data == ["c:987654321", "e:987654321", "d:987654321"]
    for value in data:
        assert len(value.encode()) <= keyboards.MAX_CALLBACK_BYTES
        action = keyboards.unpack(value)
        assert action is not None and action.target == 987654321
    assert keyboards.unpack("f:5:d") == keyboards.Action("f", 5, "d")
    assert keyboards.unpack("garbage") is None
    assert keyboards.unpack("c:abc") is None
    with pytest.raises(ValueError, match="too long"):
        keyboards.pack("c", 1, "x" * 70)


def test_decided_card_offers_edit_and_reopen() -> None:
    markup = keyboards.card(_item(status=ItemStatus.CONFIRMED))
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == ["e:987654321", "o:987654321"]


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (Role.OFFICIAL, ["/start", "/help"], ["/cuochop", "/xuat", "/moi", "/thuky"]),
        (Role.SECRETARY, ["/cuochop, /meetings", "/xuat, /export", "/moi, /invite"], ["/thuky"]),
        (Role.ADMIN, ["/thuky, /secretary", "/coquan, /agencies"], []),
    ],
)
def test_help_is_generated_from_the_registry_per_role(role: Role, present: list[str], absent: list[str]) -> None:
    text = commands.help_text(role)
    for item in present:
        assert item in text
    for item in absent:
        assert item not in text
    assert [c.command for c in commands.menu(role)] == [c.name for c in commands.COMMANDS if role in c.roles]


def test_every_alias_resolves_to_its_command() -> None:
    for command in commands.COMMANDS:
        for name in command.names:
            assert commands.by_name(name) is command
    assert commands.by_name("nope") is None


def test_card_text_escapes_html_and_quotes_the_source() -> None:
    text = texts.card_text(_item())
    assert "rà soát &lt;quy hoạch&gt; &amp; báo cáo" in text
    assert "Thời hạn: 31/12/2026 («trước ngày 31/12/2026»)" in text
    assert "<blockquote>Giao Sở Nông nghiệp" in text


def test_status_texts() -> None:
    assert "còn 2 việc phía trước" in texts.status_text(WorkStatus(3, Stage.QUEUED, position=2))
    progress = texts.status_text(WorkStatus(3, Stage.TRANSCRIBING, fraction=0.456, eta_s=300))
    assert "46%" in progress and "khoảng 5 phút" in progress
    assert "lỗi X" in texts.status_text(WorkStatus(3, Stage.FAILED, message="lỗi X"))


@pytest.mark.parametrize(
    ("name", "mime", "kind"),
    [
        ("voice.ogg", "audio/ogg", "media"),
        ("hop.M4A", None, "media"),
        ("clip.bin", "video/mp4", "media"),
        ("ghi-chu.docx", None, "document"),
        ("bien-ban.pdf", "application/pdf", "document"),
        ("bang.xlsx", None, None),
    ],
)
def test_kind_of_files(name: str, mime: str | None, kind: str | None) -> None:
    assert kind_of(name, mime) == kind


def test_redact_filter_removes_the_token_from_messages_and_args() -> None:
    token = "123:SECRET"
    record = logging.LogRecord("httpx", logging.INFO, "", 0, "POST %s", (f"http://x/bot{token}/getMe",), None)
    assert RedactFilter((token,)).filter(record)
    assert record.getMessage() == "POST http://x/bot<redacted>/getMe"


def test_summary_explains_how_to_give_assignments_when_none_was_recognised() -> None:
    meeting = Meeting(
        id=7, created_by=1, chat_id=1, created_at=dt.datetime(2026, 12, 4, tzinfo=dt.UTC),
        state=MeetingState.REVIEW, source_kind="text",
    )  # fmt: skip
    empty = texts.summary_text(meeting, 0, [], [])
    assert "Nhiệm vụ: 0" in empty and "Chưa nhận ra nhiệm vụ nào" in empty and "«Kết luận:»" in empty
    assert "Chưa nhận ra" not in texts.summary_text(meeting, 1, [_item()], [])
