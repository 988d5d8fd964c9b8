"""Inline keyboards and their compact ``callback_data`` (ASCII ids only: at most 64 bytes)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.records import ItemStatus, ReviewItem

MAX_CALLBACK_BYTES = 64

# Short codes of the actions and fields in callback_data.
CONFIRM, DROP, REOPEN, EDIT, FIELD = "c", "d", "o", "e", "f"
MEETING_EDIT, MEETING_FIELD, ADD, CONFIRM_ALL, EXPORT, CANCEL_JOB, ADD_AGENCIES = "m", "g", "a", "A", "x", "k", "n"
ITEM_FIELDS = {"l": "lead", "p": "cooperating", "t": "task", "d": "deadline"}
MEETING_FIELDS = {"t": "title", "d": "meeting_date", "c": "chair", "l": "location"}


@dataclass(frozen=True, slots=True)
class Action:
    """A decoded button press."""

    code: str
    target: int
    field: str | None = None


def pack(code: str, target: int, field: str | None = None) -> str:
    """Encode an action; raises ValueError if it would not fit Telegram's 64 bytes."""
    data = f"{code}:{target}" + (f":{field}" if field else "")
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        msg = f"callback_data too long: {data!r}"
        raise ValueError(msg)
    return data


def unpack(data: str) -> Action | None:
    """Decode ``callback_data``; None when it is not one of ours."""
    parts = data.split(":")
    if len(parts) not in (2, 3) or not parts[1].isdigit():
        return None
    return Action(parts[0], int(parts[1]), parts[2] if len(parts) == 3 else None)  # noqa: PLR2004


def _button(text: str, code: str, target: int, field: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=pack(code, target, field))


def card(item: ReviewItem) -> InlineKeyboardMarkup:
    """✅ confirm / ✏️ edit / 🗑 drop for a card (↩️ reopen once decided)."""
    if item.status is ItemStatus.PROPOSED:
        row = [
            _button("✅ Xác nhận", CONFIRM, item.id),
            _button("✏️ Sửa", EDIT, item.id),
            _button("🗑 Bỏ", DROP, item.id),
        ]
    else:
        row = [_button("✏️ Sửa", EDIT, item.id), _button("↩️ Xét lại", REOPEN, item.id)]
    return InlineKeyboardMarkup([row])


def item_fields(item_id: int) -> InlineKeyboardMarkup:
    """Which field of an assignment to edit."""
    names = {"l": "Chủ trì", "p": "Phối hợp", "t": "Nội dung", "d": "Thời hạn"}
    return InlineKeyboardMarkup([[_button(names[k], FIELD, item_id, k) for k in ITEM_FIELDS]])


def meeting_fields(meeting_id: int) -> InlineKeyboardMarkup:
    """Which field of the meeting to edit."""
    names = {"t": "Nội dung", "d": "Ngày họp", "c": "Chủ trì", "l": "Địa điểm"}
    return InlineKeyboardMarkup([[_button(names[k], MEETING_FIELD, meeting_id, k) for k in MEETING_FIELDS]])


def summary(meeting_id: int, *, unknown_agencies: bool) -> InlineKeyboardMarkup:
    """Actions on the whole meeting under review."""
    rows = [
        [_button("✅ Xác nhận tất cả", CONFIRM_ALL, meeting_id), _button("➕ Thêm nhiệm vụ", ADD, meeting_id)],
        [
            _button("📝 Sửa thông tin cuộc họp", MEETING_EDIT, meeting_id),
            _button("📄 Xuất dự thảo", EXPORT, meeting_id),
        ],
        [_button("🏛 Ban hành (giao nhiệm vụ)", ISSUE, meeting_id)],
    ]
    if unknown_agencies:
        rows.append([_button("📇 Thêm cơ quan mới vào danh mục", ADD_AGENCIES, meeting_id)])
    return InlineKeyboardMarkup(rows)


def cancel(meeting_id: int) -> InlineKeyboardMarkup:
    """The cancel button of a status message."""
    return InlineKeyboardMarkup([[_button("⛔ Huỷ", CANCEL_JOB, meeting_id)]])


# Task actions (officials) and decisions (secretaries).
ACKNOWLEDGE, COMPLETE, EXTEND, APPROVE, REJECT, ISSUE = "K", "H", "G", "Y", "N", "I"
TASK_CODES = frozenset({ACKNOWLEDGE, COMPLETE, EXTEND})


def task(task_id: int, *, lead: bool, acknowledged: bool) -> InlineKeyboardMarkup:
    """👍 acknowledge, ✅ done and ⏳ extension (the last two for the lead agency)."""
    row = [] if acknowledged else [_button("👍 Đã nhận", ACKNOWLEDGE, task_id)]
    if lead:
        row += [_button("✅ Hoàn thành", COMPLETE, task_id), _button("⏳ Xin gia hạn", EXTEND, task_id)]
    return InlineKeyboardMarkup([row] if row else [])


def extension(request_id: int) -> InlineKeyboardMarkup:
    """A secretary's decision on an extension request."""
    return InlineKeyboardMarkup(
        [[_button("✔️ Đồng ý", APPROVE, request_id), _button("✖️ Không đồng ý", REJECT, request_id)]]
    )
