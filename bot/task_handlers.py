"""Telegram handlers for issued tasks: issue, acknowledge, done, extensions, /nhiemvu.

Officials act only on their own agency's tasks (the service refuses others); secretaries
issue meetings and decide extension requests.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import commands, keyboards, texts
from bot.handlers import replies_errors, reply
from bot.notifier import ReminderRuntime
from core.errors import InputError, KetluanError
from core.records import Role
from core.services.access import AccessService
from core.services.reports import Report, ReportService
from core.services.review import ReviewService
from core.services.tracking import DONE_NOTE_KIND, EXTEND_KIND, Delivery, TrackingService
from jobs.routines import Routines

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
FILTERS = {"quahan": "quá hạn", "sapden": "sắp đến hạn"}
SOON_DAYS = 7


@dataclass
class TaskHandlers:
    """Handlers of the tracking commands and buttons."""

    access: AccessService
    review: ReviewService
    tracking: TrackingService
    reports: ReportService
    reminders: ReminderRuntime | None = None  # set while the application runs
    routines: Routines | None = None  # likewise

    def _role(self, update: Update) -> Role:
        user = update.effective_user
        return self.access.role(user.id) if user is not None else Role.NONE

    @replies_errors
    async def issue_command(self, update: Update, context: Context) -> None:
        """/banhanh [meeting]: issue a reviewed meeting (the latest by default)."""
        user = update.effective_user
        if user is None or self._role(update) not in commands.SECRETARIES:
            await reply(update, texts.NOT_ALLOWED)
            return
        args = context.args or []
        meeting_id = int(args[0]) if args and args[0].isdigit() else None
        if meeting_id is None:
            latest = self.review.meetings.latest_for(user.id)
            meeting_id = latest.id if latest is not None else None
        if meeting_id is None:
            await reply(update, texts.NO_MEETINGS)
            return
        await self._issue(update, context, meeting_id, user.id)

    async def _issue(self, update: Update, context: Context, meeting_id: int, actor: int) -> None:
        result = self.tracking.issue(meeting_id, actor=actor)
        sent = await self._deliver(context.bot, result.deliveries)
        lines = [
            f"Đã ban hành {len(result.tasks)} nhiệm vụ của cuộc họp số {meeting_id}; đã gửi {sent} tin cho cán bộ."
        ]
        if result.without_officials:
            lines.append("Các cơ quan chưa có cán bộ nhận nhiệm vụ (gửi đường dẫn mời cho họ):")
            for agency in result.without_officials:
                _, token = self.access.create_invite(agency.name, actor=actor)
                lines.append(f"- {texts.e(agency.name)}: https://t.me/{context.bot.username}?start={token}")
        await reply(update, "\n".join(lines)[: texts.MAX_TEXT])

    async def welcome_official(self, update: Update, context: Context) -> None:
        """After an official joined: their command menu and their agency's open tasks, with buttons."""
        user = update.effective_user
        if user is None:
            return
        try:
            await context.bot.set_my_commands(commands.menu(Role.OFFICIAL), scope=BotCommandScopeChat(user.id))
        except TelegramError as exc:  # the menu is a convenience
            logger.warning("could not set an official's menu", extra={"error": type(exc).__name__})
        await self._deliver(context.bot, self.tracking.official_joined(user.id))

    async def _deliver(self, bot: Any, deliveries: Iterable[Delivery]) -> int:
        """Send each official the task, lead and co-operating roles shown distinctly; returns how many went."""
        sent = 0
        for delivery in deliveries:
            view = self.tracking.view(delivery.task)
            markup = keyboards.task(delivery.task.id, lead=delivery.role == "lead", acknowledged=False)
            try:
                await bot.send_message(
                    delivery.chat_id,
                    texts.task_text(view, delivery.role),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
                sent += 1
            except TelegramError as exc:  # the reminders will try again
                logger.warning("task not delivered", extra={"task": delivery.task.id, "error": type(exc).__name__})
        return sent

    @replies_errors
    async def tasks_command(self, update: Update, context: Context) -> None:
        """/nhiemvu [quahan | sapden | <agency>]: tasks (an official sees their own agency's only)."""
        user = update.effective_user
        role = self._role(update)
        if user is None or role is Role.NONE:
            return
        args = " ".join(context.args or []).strip()
        agency_id = None
        if args and args not in FILTERS and role is not Role.OFFICIAL:
            agency_id = self.access.find_agency(args).id
        views = self.tracking.list_for(user.id, role, agency_id=agency_id)
        today = self.tracking.today()
        if args == "quahan":
            views = [v for v in views if v.status.value == "quá hạn"]
        elif args == "sapden":
            views = [
                v
                for v in views
                if v.task.deadline is not None
                and v.status.value == "đang thực hiện trong hạn"
                and (v.task.deadline - today).days <= SOON_DAYS
            ]
        title = "Nhiệm vụ" + (f" ({FILTERS[args]})" if args in FILTERS else "")
        await reply(update, texts.tasks_text(views, title))

    @replies_errors
    async def reminders_command(self, update: Update, context: Context) -> None:
        """/nhacviec <task> <10,5,1 | tat | macdinh>: a task's own reminder days, or none, or the default."""
        user = update.effective_user
        if user is None or self._role(update) not in commands.SECRETARIES:
            await reply(update, texts.NOT_ALLOWED)
            return
        args = context.args or []
        if len(args) < 2 or not args[0].lstrip("#").isdigit():  # noqa: PLR2004 - a task and a setting
            await reply(update, "Cú pháp: /nhacviec &lt;số nhiệm vụ&gt; &lt;10,5,1 | tat | macdinh&gt;")
            return
        task, pending = self.tracking.set_reminders(int(args[0].lstrip("#")), " ".join(args[1:]), actor=user.id)
        if task.reminders_off:
            setting = "đã tắt nhắc việc"
        elif task.reminder_days is not None:
            setting = "nhắc trước hạn " + ", ".join(str(d) for d in task.reminder_days) + " ngày"
        else:
            setting = "nhắc theo mặc định của cơ quan"
        await reply(update, f"Nhiệm vụ #{task.id}: {setting}; {pending} lần nhắc đang chờ gửi.")

    @replies_errors
    async def withdraw_command(self, update: Update, context: Context) -> None:
        """/thuhoi <task>: withdraw an open task; its officials are told and reminders stop."""
        user = update.effective_user
        if user is None or self._role(update) not in commands.SECRETARIES:
            await reply(update, texts.NOT_ALLOWED)
            return
        args = context.args or []
        if not args or not args[0].lstrip("#").isdigit():
            await reply(update, "Cú pháp: /thuhoi &lt;số nhiệm vụ&gt;")
            return
        task, officials = self.tracking.withdraw(int(args[0].lstrip("#")), actor=user.id)
        note = f"🚫 Nhiệm vụ #{task.id} đã được văn phòng thu hồi; không cần thực hiện nữa.\n{texts.e(task.task)}"
        for chat in officials:
            try:
                await context.bot.send_message(chat, note, parse_mode=ParseMode.HTML)
            except TelegramError as exc:
                logger.warning("withdrawal not delivered", extra={"task": task.id, "error": type(exc).__name__})
        await reply(update, f"Đã thu hồi nhiệm vụ #{task.id}; đã báo {len(officials)} cán bộ.")

    @replies_errors
    async def report_command(self, update: Update, context: Context) -> None:
        """/baocao [from] [to]: per-agency counts in the four states, with .xlsx and .csv."""
        chat = update.effective_chat
        if chat is None or self._role(update) not in commands.SECRETARIES:
            await reply(update, texts.NOT_ALLOWED)
            return
        start, end = self.reports.period(" ".join(context.args or []))
        report = self.reports.report(start, end)
        await reply(update, report_text(report))
        with tempfile.TemporaryDirectory(prefix="ketluan-report-") as tmp:
            for path in self.reports.files(report, Path(tmp)):
                with path.open("rb") as handle:
                    await chat.send_document(handle, filename=path.name)

    @replies_errors
    async def search_command(self, update: Update, context: Context) -> None:
        """/tim <words>: full-text search (officials: their agency's tasks only)."""
        user = update.effective_user
        role = self._role(update)
        if user is None or role is Role.NONE:
            return
        words = " ".join(context.args or [])
        if not words.strip():
            await reply(update, "Cú pháp: /tim &lt;từ khoá&gt;, ví dụ /tim cụm công nghiệp")
            return
        hits = self.reports.search(words, user_id=user.id, role=role)
        if not hits:
            await reply(update, f"Không tìm thấy «{texts.e(words)}».")
            return
        kinds = {"text": "văn bản", "conclusion": "kết luận", "assignment": "nhiệm vụ (rà soát)", "task": "nhiệm vụ"}
        lines = [f"<b>Kết quả cho «{texts.e(words)}»</b>"]
        for hit in hits:
            ref = f"#{hit.ref_id}" if hit.kind == "task" else f"cuộc họp {hit.meeting_id}"
            lines.append(f"• {kinds.get(hit.kind, hit.kind)} {ref}: {texts.e(hit.snippet)}")
        await reply(update, "\n".join(lines)[: texts.MAX_TEXT])

    @replies_errors
    async def button(self, update: Update, context: Context) -> None:
        """👍 / ✅ / ⏳ from officials, ✔️ / ✖️ on extensions and 🏛 issue from secretaries."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        action = keyboards.unpack(query.data or "")
        if action is None:
            await query.answer()
            return
        try:
            await self._button(update, context, query, action, user.id)
        except KetluanError as exc:
            await query.answer(exc.message[:200], show_alert=True)

    async def _button(self, update: Update, context: Context, query: Any, action: keyboards.Action, user: int) -> None:
        code, target = action.code, action.target
        if code in keyboards.TASK_CODES:
            if self._role(update) is not Role.OFFICIAL:
                raise InputError(texts.NOT_ALLOWED, detail="task button from a non-official")
            if code == keyboards.ACKNOWLEDGE:
                task, role = self.tracking.acknowledge(target, user_id=user)
                await query.answer("Đã ghi nhận.")
                await query.edit_message_reply_markup(keyboards.task(task.id, lead=role == "lead", acknowledged=True))
            elif code == keyboards.COMPLETE:
                task = self.tracking.complete(target, user_id=user)
                await query.answer("Đã báo cáo hoàn thành.")
                await query.edit_message_text(
                    texts.task_text(self.tracking.view(task), "lead"), parse_mode=ParseMode.HTML
                )
                await reply(update, texts.DONE_NOTE_QUESTION.format(id=task.id))
                await self._tell_secretaries(context, f"✅ Nhiệm vụ #{task.id} đã được báo cáo hoàn thành.")
            else:
                self.tracking.ask_extension(target, user_id=user)
                await query.answer()
                await reply(update, "Gõ thời hạn mới và lý do, ví dụ: «30/6/2026; chờ ý kiến của Bộ Tài chính».")
            return
        if self._role(update) not in commands.SECRETARIES:
            raise InputError(texts.NOT_ALLOWED, detail="secretary button from someone else")
        if code in (keyboards.APPROVE, keyboards.REJECT):
            request, task = self.tracking.decide_extension(target, actor=user, approve=code == keyboards.APPROVE)
            verdict = "đồng ý" if request.state == "approved" else "không đồng ý"
            await query.answer(f"Đã {verdict}.")
            await query.edit_message_reply_markup(None)
            try:
                await context.bot.send_message(
                    request.requested_by,
                    f"Đề nghị gia hạn nhiệm vụ #{task.id} đến {texts.vn_date(request.new_deadline)}: {verdict}.",
                )
            except TelegramError as exc:
                logger.warning("extension answer not delivered", extra={"error": type(exc).__name__})
        elif code == keyboards.ISSUE:
            await query.answer()
            await self._issue(update, context, target, user)
        else:
            await query.answer()

    async def answer(self, update: Update, context: Context) -> bool:
        """An official's answer to "⏳ Xin gia hạn" or "✅ Hoàn thành"; False when no question was asked."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return False
        kind = self.tracking.pending_kind(user.id)
        if kind == DONE_NOTE_KIND:
            await self._completion_note(update, context)
            return True
        if kind != EXTEND_KIND or not message.text:
            return False
        try:
            request = self.tracking.answer_extension(user.id, message.text)
        except KetluanError as exc:
            await reply(update, texts.e(exc.message))
            return True
        if request is None:
            return False
        await reply(
            update, f"Đã gửi đề nghị gia hạn đến {texts.vn_date(request.new_deadline)}; chờ văn phòng quyết định."
        )
        agency = self.access.agency_of(user.id)
        await self._tell_secretaries(
            context,
            f"⏳ {texts.e(agency.name if agency else '')} xin gia hạn nhiệm vụ #{request.task_id} đến "
            f"{texts.vn_date(request.new_deadline)}. Lý do: {texts.e(request.reason) or 'không nêu'}",
            markup=keyboards.extension(request.id),
        )
        return True

    async def _completion_note(self, update: Update, context: Context) -> None:
        """The note or file after "✅ Hoàn thành": kept with the task and passed on to the secretaries."""
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None  # noqa: S101 - checked by the caller
        attachment = message.effective_attachment  # a document, voice, audio or video (the handlers' filters)
        file_id: str | None = getattr(attachment, "file_id", None)
        note = message.text or message.caption or ""
        if file_id is not None:
            note = f"{note}\n[tệp: {getattr(attachment, 'file_name', None) or 'tệp đính kèm'}]".strip()
        if not note:
            await reply(update, "Hãy gửi ghi chú hoặc tệp; gõ /huy nếu không gửi.")
            return
        try:
            task = self.tracking.add_completion_note(user.id, note, file_id=file_id)
        except KetluanError as exc:
            await reply(update, texts.e(exc.message))
            return
        if task is None:
            return
        await reply(update, f"Đã gửi kèm báo cáo hoàn thành nhiệm vụ #{task.id} cho văn phòng.")
        agency = self.access.agency_of(user.id)
        head = f"📝 {texts.e(agency.name if agency else '')} gửi kèm báo cáo hoàn thành nhiệm vụ #{task.id}:"
        await self._tell_secretaries(context, f"{head}\n{texts.e(note)}")
        if file_id is not None:
            for chat in self.tracking.secretaries():
                try:
                    await context.bot.copy_message(chat, message.chat_id, message.message_id)
                except TelegramError as exc:
                    logger.warning("completion file not passed on", extra={"error": type(exc).__name__})

    async def _tell_secretaries(self, context: Context, text: str, markup: Any = None) -> None:
        for chat in self.tracking.secretaries():
            try:
                await context.bot.send_message(chat, text, parse_mode=ParseMode.HTML, reply_markup=markup)
            except TelegramError as exc:
                logger.warning("secretary not told", extra={"error": type(exc).__name__})


def report_text(report: Report) -> str:
    """The report as a message (HTML): one line per agency, the totals last."""
    head = f"<b>Báo cáo nhiệm vụ {report.start:%d/%m/%Y} – {report.end:%d/%m/%Y}</b>"
    legend = "(đúng hạn / quá hạn / đang làm trong hạn / quá hạn chưa xong)"
    if not report.rows:
        return head + "\nKhông có nhiệm vụ nào được giao trong kỳ."
    lines = [head, legend]
    lines += [f"{texts.e(r.agency)}: {' / '.join(str(c) for c in r.counts)}" for r in report.rows]
    lines.append("Tổng: " + " / ".join(str(c) for c in report.totals))
    return "\n".join(lines)[: texts.MAX_TEXT]
