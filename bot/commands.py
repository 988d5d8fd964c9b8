"""The command registry: /help and the per-role command menus are generated from it."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand

from core.records import Role

EVERYONE = frozenset({Role.ADMIN, Role.SECRETARY, Role.OFFICIAL})
PUBLIC = EVERYONE | {Role.NONE}  # in the default menu that strangers see too
SECRETARIES = frozenset({Role.ADMIN, Role.SECRETARY})
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Command:
    """One command: its Vietnamese name, English aliases, what it does and who may use it."""

    name: str
    aliases: tuple[str, ...]
    usage: str  # arguments shown in /help
    description: str
    roles: frozenset[Role]

    @property
    def names(self) -> tuple[str, ...]:
        """The name and its aliases."""
        return (self.name, *self.aliases)


COMMANDS: tuple[Command, ...] = (
    Command("start", (), "", "Bắt đầu; tham gia bằng đường dẫn mời", PUBLIC),
    Command("help", ("trogiup",), "", "Hướng dẫn sử dụng", PUBLIC),
    Command("cuochop", ("meetings",), "", "Các cuộc họp gần đây và trạng thái", SECRETARIES),
    Command("xem", ("review",), "[số cuộc họp]", "Xem lại tóm tắt và các nhiệm vụ để rà soát", SECRETARIES),
    Command("xuat", ("export",), "[số cuộc họp]", "Xuất dự thảo Thông báo kết luận (.docx, .pdf)", SECRETARIES),
    Command(
        "coquan",
        ("agencies",),
        "[them <tên> | doiten <số> = <tên mới> | bidanh <số> = <tên khác>, … | daumoi <số> = <mã cán bộ>]",
        "Danh mục cơ quan; thêm, đổi tên, tên gọi khác, đầu mối nhận tin quá hạn",
        SECRETARIES,
    ),
    Command(
        "banhanh", ("issue",), "[số cuộc họp]", "Ban hành: giao các nhiệm vụ đã xác nhận cho các cơ quan", SECRETARIES
    ),
    Command(
        "nhiemvu",
        ("tasks",),
        "[quahan | sapden | <cơ quan>]",
        "Nhiệm vụ và tình trạng (cán bộ: của cơ quan mình)",
        EVERYONE,
    ),
    Command(
        "nhacviec",
        ("reminders",),
        "<số nhiệm vụ> <10,5,1 | tat | macdinh>",
        "Lịch nhắc riêng của một nhiệm vụ: số ngày nhắc trước hạn, tắt, hoặc theo mặc định",
        SECRETARIES,
    ),
    Command("thuhoi", ("withdraw",), "<số nhiệm vụ>", "Thu hồi một nhiệm vụ đã giao (dừng nhắc việc)", SECRETARIES),
    Command(
        "baocao", ("report",), "[từ ngày] [đến ngày]", "Báo cáo theo cơ quan, bốn tình trạng (.xlsx, .csv)", SECRETARIES
    ),
    Command("tim", ("search",), "<từ khoá>", "Tìm trong cuộc họp, kết luận, nhiệm vụ", EVERYONE),
    Command("moi", ("invite",), "<tên hoặc số cơ quan>", "Tạo đường dẫn mời cán bộ của một cơ quan", SECRETARIES),
    Command("huy", ("cancel",), "", "Huỷ thao tác đang chờ (sửa, gia hạn, ghi chú hoàn thành)", EVERYONE),
    Command("thuky", ("secretary",), "<mã Telegram> [tên]", "Thêm thư ký (quản trị viên)", ADMINS),
    Command(
        "xoa",
        ("forget",),
        "<số cuộc họp> [xacnhan]",
        "Xoá bản ghi âm, văn bản và dữ liệu rà soát của một cuộc họp (quản trị viên)",
        ADMINS,
    ),
    Command(
        "trangthai", ("status",), "", "Tình trạng hệ thống: hàng đợi, nhắc việc, dung lượng (quản trị viên)", ADMINS
    ),
)


def by_name(name: str) -> Command | None:
    """The command called ``name`` or one of its aliases."""
    for command in COMMANDS:
        if name in command.names:
            return command
    return None


def help_text(role: Role) -> str:
    """The /help text for a role (HTML), generated from :data:`COMMANDS`."""
    lines = ["<b>Các lệnh</b>"]
    for command in COMMANDS:
        if role in command.roles:
            aliases = "".join(f", /{alias}" for alias in command.aliases)
            usage = f" {command.usage}" if command.usage else ""
            lines.append(f"/{command.name}{aliases}{_escape(usage)} — {command.description}")
    if role in SECRETARIES:
        lines += [
            "",
            "Gửi bản ghi âm, tin nhắn thoại, video hoặc ghi chú (văn bản, .docx, .pdf, .txt) để bot lập dự thảo "
            "Thông báo kết luận. Mỗi nhiệm vụ có nút ✅ xác nhận, ✏️ sửa, 🗑 bỏ.",
        ]
    return "\n".join(lines)


def menu(role: Role) -> list[BotCommand]:
    """The command menu Telegram shows a role (aliases are left out)."""
    return [BotCommand(c.name, c.description[:256]) for c in COMMANDS if role in c.roles]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
