"""Everything the bot says, in Vietnamese, and the formatting of its messages."""

from __future__ import annotations

import datetime as dt
import html

from core.records import ItemStatus, Meeting, MeetingState, ReviewItem
from core.services.intake import Stage, WorkStatus
from core.services.reports import Digest, DigestLine
from core.services.status import SystemStatus
from core.services.tracking import TaskView

MAX_TEXT = 4096

REFUSAL = (
    "Xin lỗi, bot này chỉ phục vụ văn phòng đã đăng ký. Nếu anh/chị cần dùng, hãy gửi mã Telegram "
    "của mình ({user_id}) cho quản trị viên."
)
INVITE_INVALID = "Đường dẫn mời không hợp lệ hoặc đã được dùng. Hãy xin thư ký một đường dẫn mới."
INVITE_OK = (
    "Chào mừng! Anh/chị đã được ghi nhận là cán bộ của {agency}. Bot sẽ gửi nhiệm vụ và nhắc hạn cho cơ quan này."
)
WELCOME = {
    "secretary": "Chào anh/chị! Gửi cho bot bản ghi âm, tin nhắn thoại, video hoặc ghi chú cuộc họp "
    "(văn bản, .docx, .pdf); bot sẽ chuyển thành dự thảo Thông báo kết luận để anh/chị rà soát.",
    "official": "Chào anh/chị! Bot sẽ gửi nhiệm vụ được giao cho cơ quan của anh/chị và nhắc trước hạn.",
}
NOT_ALLOWED = "Anh/chị không có quyền dùng lệnh này."
GENERIC_ERROR = "Đã có lỗi khi xử lý yêu cầu. Dữ liệu đã nhận vẫn được giữ; anh/chị thử lại sau ít phút."
CANCELLED_INPUT = "Đã huỷ thao tác đang chờ."
NOTHING_PENDING = "Không có thao tác nào đang chờ."
DONE_NOTE_QUESTION = (
    "Đã ghi nhận hoàn thành nhiệm vụ #{id}. Nếu cần, gửi ngay ghi chú hoặc tệp kết quả (văn bản báo cáo) "
    "trong tin tiếp theo; gõ /huy nếu không gửi."
)
NO_MEETINGS = "Chưa có cuộc họp nào."
FORGET_CONFIRM = (
    "Sẽ xoá bản ghi âm hoặc tệp ghi chú, bản chuyển văn bản, kết luận và dữ liệu rà soát của cuộc họp số {id}; "
    "thông tin cuộc họp, các nhiệm vụ đã giao và nhật ký vẫn được giữ. Không thể hoàn tác. "
    "Gõ /xoa {id} xacnhan để xác nhận."
)
FORGET_DONE = "Đã xoá {n} mục dữ liệu ({size}) của cuộc họp số {id}. Nhật ký ghi lại việc xoá."
BACKUP_FAILED = (
    "⚠️ Sao lưu hằng ngày không thành công. Xem nhật ký (journalctl -u ketluan) và chạy "
    "«python main.py doctor» trên máy chủ."
)
ACK_DUPLICATE = "Bot đã nhận nội dung này rồi (cuộc họp số {id})."
CONFIRMED_ALL = "Đã xác nhận {n} nhiệm vụ."
EXPORTING = "Đang tạo dự thảo…"
AGENCIES_ADDED = "Đã thêm {n} cơ quan vào danh mục."

STAGE_TEXT = {
    Stage.DOWNLOADING: "⬇️ Đang tải tệp về…",
    Stage.READING: "📄 Đang đọc ghi chú…",
    Stage.EXTRACTING: "🔎 Đang trích xuất kết luận và nhiệm vụ…",
    Stage.READY: "✅ Xong. Mời anh/chị rà soát các nhiệm vụ bên dưới.",
    Stage.CANCELLED: "⛔ Đã huỷ.",
}

STATE_TEXT = {
    MeetingState.QUEUED: "chờ xử lý",
    MeetingState.WORKING: "đang xử lý",
    MeetingState.REVIEW: "đang rà soát",
    MeetingState.ISSUED: "đã ban hành",
    MeetingState.FAILED: "lỗi",
    MeetingState.CANCELLED: "đã huỷ",
}

ITEM_FIELD_NAMES = {
    "lead": "cơ quan chủ trì",
    "cooperating": "cơ quan phối hợp",
    "task": "nội dung",
    "deadline": "thời hạn",
}
MEETING_FIELD_NAMES = {
    "title": "nội dung cuộc họp",
    "meeting_date": "ngày họp",
    "chair": "người chủ trì",
    "location": "địa điểm",
}
ASK_ITEM = {
    "lead": "Gõ tên cơ quan chủ trì (ví dụ: Sở Tài chính).",
    "cooperating": "Gõ các cơ quan phối hợp, cách nhau bằng dấu phẩy; gõ «không» nếu không có.",
    "task": "Gõ nội dung nhiệm vụ.",
    "deadline": "Gõ thời hạn (ví dụ: 30/6/2026, trước ngày 15 tháng 12, trong 10 ngày làm việc); «không» nếu không có.",
}
ASK_MEETING = {
    "title": "Gõ nội dung (chủ đề) cuộc họp.",
    "meeting_date": "Gõ ngày họp (ví dụ: 22/11/2026).",
    "chair": "Gõ người chủ trì (ví dụ: đồng chí Nguyễn Văn A, Phó Chủ tịch UBND tỉnh).",
    "location": "Gõ địa điểm họp.",
}
ASK_ADD = (
    "Gõ nhiệm vụ cần thêm thành một câu, ví dụ: «Giao Sở Tài chính chủ trì, phối hợp với Sở Xây dựng rà soát "
    "dự toán, hoàn thành trước ngày 30/6/2026»."
)
CHOOSE_FIELD = "Sửa mục nào?"


def e(text: str | None) -> str:
    """Escape for Telegram HTML."""
    return html.escape(text or "")


def vn_date(day: dt.date | None) -> str:
    """A date as Vietnamese write it (22/11/2026), or "chưa rõ"."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day else "chưa rõ"


def duration(seconds: float | None) -> str:
    """A short ETA: "khoảng 3 phút", "dưới 1 phút"."""
    if seconds is None:
        return "đang ước tính"
    minutes = round(seconds / 60)
    return "dưới 1 phút" if minutes < 1 else f"khoảng {minutes} phút"


def status_text(status: WorkStatus) -> str:
    """The text of a meeting's status message."""
    head = f"Cuộc họp số {status.meeting_id}: "
    if status.stage == Stage.QUEUED:
        if status.position:
            return head + f"⏳ Đã nhận, đang chờ xử lý (còn {status.position} việc phía trước)."
        return head + "⏳ Đã nhận, sắp xử lý."
    if status.stage == Stage.TRANSCRIBING:
        percent = round(100 * (status.fraction or 0.0))
        return head + f"🎙 Đang chuyển giọng nói thành văn bản: {percent}% (còn {duration(status.eta_s)})."
    if status.stage == Stage.FAILED:
        return head + f"❌ Không xử lý được: {status.message or 'lỗi không rõ'}"
    return head + STAGE_TEXT.get(status.stage, status.stage)


NO_ASSIGNMENTS_HINT = (
    "Chưa nhận ra nhiệm vụ nào. Bấm «➕ Thêm nhiệm vụ» để thêm từng nhiệm vụ, hoặc gửi lại ghi chú có dòng "
    "«Kết luận:» đứng trước danh sách nhiệm vụ, mỗi nhiệm vụ một dòng, ví dụ: «- Sở Tài chính chủ trì, phối hợp "
    "với Sở Xây dựng rà soát dự toán, hoàn thành trước ngày 15/12»."
)


def summary_text(meeting: Meeting, n_conclusions: int, items: list[ReviewItem], unknown: list[str]) -> str:
    """The review's summary message (HTML)."""
    live = [i for i in items if i.status is not ItemStatus.DROPPED]
    with_deadline = sum(1 for i in live if i.deadline is not None)
    lines = [
        f"<b>Cuộc họp số {meeting.id}</b>",
        f"Ngày họp: {vn_date(meeting.meeting_date)}",
        f"Chủ trì: {e(meeting.chair) or 'chưa rõ'}",
        f"Nội dung: {e(meeting.title) or 'chưa rõ'}",
        f"Địa điểm: {e(meeting.location) or 'chưa rõ'}",
        f"Kết luận: {n_conclusions} · Nhiệm vụ: {len(live)} (có thời hạn: {with_deadline})",
    ]
    if unknown:
        lines.append("Cơ quan chưa có trong danh mục: " + e("; ".join(unknown)))
    if not items:
        lines.append(NO_ASSIGNMENTS_HINT)
    return "\n".join(lines)


def card_text(item: ReviewItem) -> str:
    """One assignment's review card (HTML)."""
    mark = {
        ItemStatus.CONFIRMED: "✅ Đã xác nhận",
        ItemStatus.DROPPED: "🗑 Đã bỏ",
        ItemStatus.PROPOSED: "❔ Chờ xác nhận",
    }
    deadline = vn_date(item.deadline) if item.deadline else "không có"
    if item.deadline_text:
        deadline += f" («{e(item.deadline_text)}»)"
    elif item.recurrence:
        deadline = e(item.recurrence)
    lines = [
        f"<b>Nhiệm vụ {item.position + 1}</b> — {mark[item.status]}",
        f"Chủ trì: <b>{e(item.lead)}</b>",
        f"Phối hợp: {e(', '.join(item.cooperating)) or 'không có'}",
        f"Nội dung: {e(item.task)}",
        f"Thời hạn: {deadline}",
    ]
    if item.evidence:
        quote = item.evidence if len(item.evidence) <= 600 else item.evidence[:600] + "…"  # noqa: PLR2004
        lines.append(f"<blockquote>{e(quote)}</blockquote>")
    return "\n".join(lines)[:MAX_TEXT]


def meetings_text(meetings: list[Meeting]) -> str:
    """The /cuochop list (HTML)."""
    if not meetings:
        return NO_MEETINGS
    lines = ["<b>Cuộc họp gần đây</b>"]
    for m in meetings:
        title = e(m.title) if m.title else "(chưa có tiêu đề)"
        lines.append(f"{m.id}. {vn_date(m.meeting_date)} — {title} — <i>{STATE_TEXT[m.state]}</i>")
    lines.append("Xuất dự thảo: /xuat &lt;số cuộc họp&gt;")
    return "\n".join(lines)


ROLE_TEXT = {"lead": "chủ trì", "cooperating": "phối hợp"}


def task_text(view: TaskView, role: str | None = None) -> str:
    """One task as an official or a secretary sees it (HTML)."""
    task = view.task
    head = f"📌 <b>Nhiệm vụ #{task.id}</b>"
    if role is not None:
        head += f" — cơ quan anh/chị <b>{ROLE_TEXT.get(role, role)}</b>"
    deadline = vn_date(task.deadline) if task.deadline else "không có"
    if task.original_deadline and task.deadline != task.original_deadline:
        deadline += f" (đã gia hạn; hạn ban đầu {vn_date(task.original_deadline)})"
    if task.recurrence:
        deadline += f"; định kỳ {e(task.recurrence)}"
    lines = [
        head,
        f"Chủ trì: {e(view.lead)}",
        f"Phối hợp: {e(', '.join(view.cooperating)) or 'không có'}",
        f"Nội dung: {e(task.task)}",
        f"Thời hạn: {deadline}",
        f"Tình trạng: {view.status.value}",
    ]
    if task.acknowledged_at is not None:
        lines.append("Đã nhận: có")
    return "\n".join(lines)[:MAX_TEXT]


def tasks_text(views: list[TaskView], title: str) -> str:
    """The /nhiemvu list (HTML), one line per task."""
    if not views:
        return f"<b>{e(title)}</b>\nKhông có nhiệm vụ nào."
    lines = [f"<b>{e(title)}</b>"]
    for v in views:
        task = e(v.task.task[:120])
        lines.append(f"#{v.task.id} · {vn_date(v.task.deadline)} · {e(v.lead)} — {task} <i>({v.status.value})</i>")
    return "\n".join(lines)[:MAX_TEXT]


KIB = 1024
DIGEST_LIST_MAX = 12  # tasks listed per section; the rest are counted


def digest_text(digest: Digest) -> str:
    """The secretaries' weekly digest (HTML)."""
    today = digest.today

    def listed(lines: tuple[DigestLine, ...], late: bool) -> list[str]:
        out = []
        for line in lines[:DIGEST_LIST_MAX]:
            days = (today - line.deadline).days if line.deadline is not None else 0
            when = f"quá {days} ngày" if late else f"hạn {vn_date(line.deadline)}"
            out.append(f"• #{line.task_id} {e(line.agency)}: {e(_shorten(line.task, 80))} ({when})")
        if len(lines) > DIGEST_LIST_MAX:
            out.append(f"… và {len(lines) - DIGEST_LIST_MAX} nhiệm vụ khác")
        return out

    parts = [
        f"<b>📊 Tổng hợp tình hình thực hiện nhiệm vụ, tuần đến {vn_date(today)}</b>",
        f"Quá hạn: {len(digest.overdue)} · Đang thực hiện trong hạn: {digest.in_progress} · "
        f"Hoàn thành trong 7 ngày qua: {digest.done_on_time} đúng hạn, {digest.done_late} quá hạn",
    ]
    if digest.overdue:
        parts += ["", "<b>Quá hạn</b>", *listed(digest.overdue, late=True)]
    if digest.due_soon:
        parts += ["", "<b>Đến hạn trong 7 ngày tới</b>", *listed(digest.due_soon, late=False)]
    parts += ["", "Báo cáo chi tiết theo cơ quan: /baocao"]
    return "\n".join(parts)[:MAX_TEXT]


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def size(n_bytes: int) -> str:
    """A size as Vietnamese write it: "12,3 MB", "53,1 GB"."""
    units = ("B", "KB", "MB", "GB", "TB")
    power = 0
    while power < len(units) - 1 and n_bytes >= KIB ** (power + 1):
        power += 1
    return f"{n_bytes / KIB**power:.1f} {units[power]}".replace(".", ",")


def system_status_text(status: SystemStatus, progress: WorkStatus | None) -> str:
    """The admins' /trangthai answer (HTML)."""
    sent = status.last_reminder_sent
    lines = [
        "<b>Tình trạng hệ thống</b>",
        f"Hàng đợi: {status.queued} việc đang chờ",
        "Đang xử lý: " + (e(status_text(progress)) if progress is not None else "không có việc nào"),
        f"Nhắc việc đến hạn trong 24 giờ tới: {status.reminders_next_24h}",
        f"Lần gửi nhắc việc gần nhất: {f'{sent:%H:%M} {vn_date(sent.date())}' if sent else 'chưa có'}",
        f"Cơ sở dữ liệu: {size(status.database_bytes)}",
        f"Dung lượng trống: {size(status.free_bytes)}"
        + (" ⚠️ sắp đầy, cần dọn hoặc mở rộng ổ đĩa" if status.low_disk else ""),
    ]
    return "\n".join(lines)
