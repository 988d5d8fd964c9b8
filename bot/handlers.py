"""Telegram handlers: parse the update, make one service call, reply.

Access is checked first: strangers get one polite refusal, officials only what concerns
their own agency, and review, export and the directory are for secretaries and admins.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from telegram import BotCommandScopeChat, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import commands, keyboards, texts
from bot.worker import Worker
from core.errors import KetluanError
from core.records import ItemStatus, Role, SourceFile
from core.services.access import AccessService
from core.services.intake import IntakeService, Stage, WorkStatus
from core.services.maintenance import RetentionService
from core.services.review import EditResult, ReviewService
from core.services.status import StatusService

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Awaitable[None]]
MAX_REFUSED_REMEMBERED = 10_000


S = TypeVar("S")


def replies_errors(
    handler: Callable[[S, Update, Context], Coroutine[Any, Any, None]],
) -> Callable[[S, Update, Context], Coroutine[Any, Any, None]]:
    """Turn a :class:`KetluanError` raised by a service into its Vietnamese message as the reply."""

    @wraps(handler)
    async def wrapped(self: S, update: Update, context: Context) -> None:
        try:
            await handler(self, update, context)
        except KetluanError as exc:
            logger.info("request refused", extra={"handler": handler.__name__, "detail": exc.detail})
            await reply(update, texts.e(exc.message))

    return wrapped


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Answer in the chat the update came from (HTML)."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, parse_mode=ParseMode.HTML, **kwargs)


def _name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user is not None else ""


@dataclass
class BotHandlers:
    """The handlers, with the services they call."""

    access: AccessService
    intake: IntakeService
    review: ReviewService
    status: StatusService
    retention: RetentionService
    worker: Worker | None = None  # set once the application runs
    official_message: Callable[[Update, Context], Awaitable[bool]] | None = None  # an official's answer (text or file)
    official_joined: Callable[[Update, Context], Awaitable[None]] | None = None  # menu and open tasks
    export_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))
    _refused: set[int] = field(default_factory=set)

    # Gate (group -1): duplicates and strangers stop here
    async def gate(self, update: Update, context: Context) -> None:
        """Drop redelivered updates; refuse strangers once; let invite links through."""
        if not self.intake.queue.first_delivery(update.update_id):
            logger.info("duplicate update dropped", extra={"update_id": update.update_id})
            raise ApplicationHandlerStop
        user = update.effective_user
        if user is None:
            raise ApplicationHandlerStop
        if self.access.role(user.id) is not Role.NONE:
            return
        message = update.effective_message
        words = (message.text or "").split() if message is not None else []
        if len(words) == 2 and words[0] == "/start":  # noqa: PLR2004 - an invite link: /start <token>
            return  # the start handler checks the token
        logger.info("stranger refused", extra={"user": user.id})
        if user.id not in self._refused and len(self._refused) < MAX_REFUSED_REMEMBERED:
            self._refused.add(user.id)
            if update.callback_query is not None:
                await update.callback_query.answer(texts.NOT_ALLOWED)
            else:
                await reply(update, texts.REFUSAL.format(user_id=user.id))
        raise ApplicationHandlerStop

    def role(self, update: Update) -> Role:
        """The role of whoever sent the update."""
        user = update.effective_user
        return self.access.role(user.id) if user is not None else Role.NONE

    async def _allowed(self, update: Update, command: str) -> bool:
        spec = commands.by_name(command)
        if spec is not None and self.role(update) in spec.roles:
            return True
        if update.callback_query is not None:
            await update.callback_query.answer(texts.NOT_ALLOWED, show_alert=True)
        else:
            await reply(update, texts.NOT_ALLOWED)
        return False

    # Commands
    @replies_errors
    async def start(self, update: Update, context: Context) -> None:
        """/start, or /start <invite token> from an invite link."""
        user = update.effective_user
        assert user is not None  # noqa: S101 - the gate lets no update without a user through
        if context.args:
            agency = self.access.redeem(context.args[0], user_id=user.id, name=_name(update))
            if agency is None:
                if self.role(update) is Role.NONE:
                    await reply(update, texts.INVITE_INVALID)
                    return
            else:
                await reply(update, texts.INVITE_OK.format(agency=texts.e(agency.name)))
                if self.official_joined is not None:
                    await self.official_joined(update, context)
                return
        role = self.role(update)
        welcome = texts.WELCOME["official" if role is Role.OFFICIAL else "secretary"]
        await reply(update, texts.e(welcome) + "\n\n" + commands.help_text(role))

    async def help(self, update: Update, context: Context) -> None:
        """/help: the commands this user may use."""
        await reply(update, commands.help_text(self.role(update)))

    @replies_errors
    async def meetings(self, update: Update, context: Context) -> None:
        """/cuochop: recent meetings and their state."""
        if await self._allowed(update, "cuochop"):
            await reply(update, texts.meetings_text(self.review.meetings.recent(limit=15)))

    @replies_errors
    async def export(self, update: Update, context: Context) -> None:
        """/xuat [meeting]: the draft .docx (and .pdf) from the reviewed data."""
        if not await self._allowed(update, "xuat"):
            return
        meeting_id = self._meeting_arg(update, context)
        if meeting_id is None:
            await reply(update, texts.NO_MEETINGS)
            return
        await self._send_draft(update, meeting_id)

    @replies_errors
    async def show_review(self, update: Update, context: Context) -> None:
        """/xem [meeting]: the summary and the cards again (the latest meeting by default)."""
        if not await self._allowed(update, "xem"):
            return
        meeting_id = self._meeting_arg(update, context)
        if meeting_id is None or self.review.meetings.get(meeting_id) is None:
            await reply(update, texts.NO_MEETINGS)
            return
        await self.send_review(meeting_id, context.bot, with_files=False)

    def _meeting_arg(self, update: Update, context: Context) -> int | None:
        """The meeting number given, or the sender's latest meeting."""
        meeting_id = _int_arg(context.args)
        if meeting_id is not None:
            return meeting_id
        user = update.effective_user
        latest = self.review.meetings.latest_for(user.id) if user is not None else None
        return latest.id if latest is not None else None

    async def _send_draft(self, update: Update, meeting_id: int) -> None:
        chat = update.effective_chat
        assert chat is not None  # noqa: S101
        with tempfile.TemporaryDirectory(prefix="ketluan-export-", dir=self.export_dir) as tmp:
            files = await asyncio.to_thread(self.review.export, meeting_id, Path(tmp))  # LibreOffice takes a second
            for path in files:
                with path.open("rb") as handle:
                    await chat.send_document(handle, filename=path.name)
        logger.info("draft exported", extra={"meeting": meeting_id, "files": len(files)})

    @replies_errors
    async def agencies(self, update: Update, context: Context) -> None:
        """/coquan [them … | doiten … = … | bidanh … = … | daumoi … = …]: the agency directory."""
        if not await self._allowed(update, "coquan"):
            return
        user = update.effective_user
        assert user is not None  # noqa: S101
        args = list(context.args or [])
        verb = args[0].casefold() if args else ""
        await reply(update, self._directory(verb, " ".join(args[1:]), user.id)[: texts.MAX_TEXT])

    def _directory(self, verb: str, rest: str, actor: int) -> str:
        """Carry out one /coquan sub-command; the answer (HTML)."""
        if verb in {"them", "thêm", "add"}:
            return f"Đã thêm: {texts.e(self.access.add_agency(rest, actor=actor).name)}"
        target, sep, value = rest.partition("=")
        if verb in {"daumoi", "đầumối", "head"}:
            if not sep:
                return "Cú pháp: /coquan daumoi &lt;số&gt; = &lt;mã Telegram hoặc tên cán bộ | bo&gt;"
            agency, head = self.access.set_head(target, value, actor=actor)
            named = texts.e(head.name or str(head.id)) if head is not None else "không có"
            return f"Đầu mối của {texts.e(agency.name)} (nhận tin báo nhiệm vụ quá hạn): {named}"
        if verb in {"doiten", "đổitên", "rename", "bidanh", "bídanh", "alias"}:
            if not sep:
                return "Cú pháp: /coquan doiten &lt;số&gt; = &lt;tên mới&gt;"
            if verb in {"doiten", "đổitên", "rename"}:
                agency = self.access.rename_agency(target, value, actor=actor)
            else:
                agency = self.access.set_aliases(target, value.split(","), actor=actor)
            aliases = f" (tên khác: {texts.e(', '.join(agency.aliases))})" if agency.aliases else ""
            return f"Đã cập nhật: {texts.e(agency.name)}{aliases}"
        return self._directory_listing()

    def _directory_listing(self) -> str:
        listing = self.access.agencies()
        if not listing:
            return "Danh mục cơ quan đang trống. Thêm bằng: /coquan them &lt;tên cơ quan&gt;"
        lines = ["<b>Danh mục cơ quan</b>"]
        for number, agency in enumerate(listing, 1):
            aliases = f" (tên khác: {texts.e(', '.join(agency.aliases))})" if agency.aliases else ""
            head = self.access.user(agency.head_user_id) if agency.head_user_id is not None else None
            contact = f" — đầu mối: {texts.e(head.name or str(head.id))}" if head is not None else ""
            lines.append(f"{number}. {texts.e(agency.name)}{aliases}{contact}")
        lines.append("Mời cán bộ: /moi &lt;số hoặc tên cơ quan&gt;")
        lines.append("Đầu mối nhận tin quá hạn: /coquan daumoi &lt;số&gt; = &lt;mã Telegram của cán bộ&gt;")
        return "\n".join(lines)

    @replies_errors
    async def invite(self, update: Update, context: Context) -> None:
        """/moi <agency>: a one-time invite link for an agency's official."""
        if not await self._allowed(update, "moi"):
            return
        user = update.effective_user
        assert user is not None  # noqa: S101
        agency, token = self.access.create_invite(" ".join(context.args or []), actor=user.id)
        link = f"https://t.me/{context.bot.username}?start={token}"
        await reply(
            update,
            f"Đường dẫn mời cán bộ của <b>{texts.e(agency.name)}</b> (dùng được một lần):\n{link}",
        )

    @replies_errors
    async def add_secretary(self, update: Update, context: Context) -> None:
        """/thuky <telegram id> [name]: an admin adds a secretary."""
        if not await self._allowed(update, "thuky"):
            return
        user = update.effective_user
        assert user is not None  # noqa: S101
        target = _int_arg(context.args)
        if target is None:
            await reply(update, "Cú pháp: /thuky &lt;mã Telegram&gt; [tên]")
            return
        name = " ".join((context.args or [])[1:])
        self.access.add_secretary(target, name, actor=user.id)
        await reply(update, f"Đã thêm thư ký {target} {texts.e(name)}".rstrip())
        try:
            await context.bot.set_my_commands(commands.menu(Role.SECRETARY), scope=BotCommandScopeChat(target))
        except TelegramError as exc:  # the menu is a convenience: the secretary can already use the bot
            logger.warning("could not set a secretary's menu", extra={"error": type(exc).__name__})

    @replies_errors
    async def system_status(self, update: Update, context: Context) -> None:
        """/trangthai (admins): the queue, the job in progress, reminders, database and disk."""
        if await self._allowed(update, "trangthai"):
            progress = self.worker.progress if self.worker is not None else None
            await reply(update, texts.system_status_text(self.status.snapshot(), progress))

    @replies_errors
    async def forget(self, update: Update, context: Context) -> None:
        """/xoa <meeting> [xacnhan] (admins): remove one meeting's recordings, transcript and review data."""
        if not await self._allowed(update, "xoa"):
            return
        user = update.effective_user
        assert user is not None  # noqa: S101
        args = context.args or []
        meeting_id = _int_arg(args)
        if meeting_id is None:
            await reply(update, "Cú pháp: /xoa &lt;số cuộc họp&gt;")
            return
        if len(args) < 2 or args[1].casefold() not in {"xacnhan", "xácnhận", "confirm"}:  # noqa: PLR2004
            await reply(update, texts.FORGET_CONFIRM.format(id=meeting_id))
            return
        report = self.retention.forget_meeting(meeting_id, user.id)
        await reply(
            update, texts.FORGET_DONE.format(id=meeting_id, n=len(report.removed), size=texts.size(report.bytes_freed))
        )

    async def cancel_input(self, update: Update, context: Context) -> None:
        """/huy: forget the edit question asked last."""
        user = update.effective_user
        if user is None or not await self._allowed(update, "huy"):
            return
        pending = self.review.meetings.pop_pending(user.id)
        await reply(update, texts.CANCELLED_INPUT if pending else texts.NOTHING_PENDING)

    # Intake
    @replies_errors
    async def text(self, update: Update, context: Context) -> None:
        """A typed or forwarded text: the answer to an edit question, or meeting notes."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text:
            return
        if self.role(update) not in commands.SECRETARIES:
            if self.official_message is None or not await self.official_message(update, context):
                await reply(update, commands.help_text(self.role(update)))
            return
        edited = self.review.answer(user.id, message.text)
        if edited is not None:
            await self._after_edit(update, edited)
            return
        submission = self.intake.submit_text(
            user_id=user.id, chat_id=message.chat_id, update_id=update.update_id, text=message.text
        )
        await self._acknowledge(update, submission.meeting.id, submission.new, submission.position)

    @replies_errors
    async def file(self, update: Update, context: Context) -> None:
        """A document, voice note, audio, video or video note: checked, then queued."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        if self.role(update) not in commands.SECRETARIES:
            if self.official_message is None or not await self.official_message(update, context):
                await reply(update, commands.help_text(self.role(update)))
            return
        source = source_of(message)
        if source is None:
            return
        submission = self.intake.submit_file(
            user_id=user.id, chat_id=message.chat_id, update_id=update.update_id, source=source
        )
        await self._acknowledge(update, submission.meeting.id, submission.new, submission.position)

    async def _acknowledge(self, update: Update, meeting_id: int, new: bool, position: int | None) -> None:
        if not new:
            await reply(update, texts.ACK_DUPLICATE.format(id=meeting_id))
            return
        status = WorkStatus(meeting_id, Stage.QUEUED, position=position)
        sent = await reply(update, texts.status_text(status), reply_markup=keyboards.cancel(meeting_id))
        if sent is not None:
            self.review.meetings.set_status_message(meeting_id, sent.message_id)
        if self.worker is not None:
            self.worker.wake()

    # Review
    async def send_review(self, meeting_id: int, bot: Any, *, with_files: bool = True) -> None:
        """After processing: the transcript file(s), the summary and one card per assignment."""
        meeting = self.review.meetings.get(meeting_id)
        if meeting is None:
            return
        chat_id = meeting.chat_id
        text = self.review.meetings.text(meeting_id) or ""
        if with_files and meeting.source_kind == "media":
            await bot.send_document(
                chat_id, text.encode("utf-8"), filename=f"ban-ghi-{meeting_id}.txt", caption="Văn bản của cuộc họp"
            )
            srt = self.review.transcript_srt(meeting_id)
            if srt:
                await bot.send_document(chat_id, srt.encode("utf-8"), filename=f"ban-ghi-{meeting_id}.srt")
        items = self.review.meetings.items(meeting_id)
        unknown = self.review.unknown_to_directory(meeting_id)
        summary = texts.summary_text(meeting, len(self.review.meetings.conclusions(meeting_id)), items, unknown)
        await bot.send_message(
            chat_id,
            summary,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboards.summary(meeting_id, unknown_agencies=bool(unknown)),
        )
        for item in items:
            await bot.send_message(
                chat_id, texts.card_text(item), parse_mode=ParseMode.HTML, reply_markup=keyboards.card(item)
            )

    @replies_errors
    async def button(self, update: Update, context: Context) -> None:
        """A press on a review, edit or cancel button."""
        query = update.callback_query
        user = update.effective_user
        if query is None or user is None:
            return
        action = keyboards.unpack(query.data or "")
        if action is None or not await self._allowed(update, "xuat"):
            await query.answer()
            return
        try:
            await self._button(update, query, action, user.id)
        except KetluanError as exc:
            await query.answer(exc.message[:200], show_alert=True)

    async def _button(self, update: Update, query: Any, action: keyboards.Action, user_id: int) -> None:
        code, target = action.code, action.target
        statuses = {keyboards.CONFIRM: ItemStatus.CONFIRMED, keyboards.DROP: ItemStatus.DROPPED}
        if code in statuses or code == keyboards.REOPEN:
            item = self.review.set_status(target, statuses.get(code, ItemStatus.PROPOSED), actor=user_id)
            await query.answer()
            await query.edit_message_text(
                texts.card_text(item), parse_mode=ParseMode.HTML, reply_markup=keyboards.card(item)
            )
        elif code == keyboards.EDIT:
            await query.answer()
            await reply(update, texts.CHOOSE_FIELD, reply_markup=keyboards.item_fields(target))
        elif code == keyboards.FIELD and action.field in keyboards.ITEM_FIELDS:
            field_name = keyboards.ITEM_FIELDS[action.field]
            self.review.ask(user_id, kind="item", target_id=target, field=field_name)
            await query.answer()
            await reply(update, texts.ASK_ITEM[field_name] + " (/huy để thôi)")
        elif code == keyboards.MEETING_EDIT:
            await query.answer()
            await reply(update, texts.CHOOSE_FIELD, reply_markup=keyboards.meeting_fields(target))
        elif code == keyboards.MEETING_FIELD and action.field in keyboards.MEETING_FIELDS:
            field_name = keyboards.MEETING_FIELDS[action.field]
            self.review.ask(user_id, kind="meeting", target_id=target, field=field_name)
            await query.answer()
            await reply(update, texts.ASK_MEETING[field_name] + " (/huy để thôi)")
        elif code == keyboards.ADD:
            self.review.ask(user_id, kind="add", target_id=target)
            await query.answer()
            await reply(update, texts.e(texts.ASK_ADD) + " (/huy để thôi)")
        elif code == keyboards.CONFIRM_ALL:
            count = self.review.confirm_all(target, actor=user_id)
            await query.answer(texts.CONFIRMED_ALL.format(n=count))
            await reply(update, texts.CONFIRMED_ALL.format(n=count))
        elif code == keyboards.EXPORT:
            await query.answer(texts.EXPORTING)
            await self._send_draft(update, target)
        elif code == keyboards.ADD_AGENCIES:
            added = self.review.add_to_directory(self.review.unknown_to_directory(target), actor=user_id)
            await query.answer(texts.AGENCIES_ADDED.format(n=added))
            await reply(update, texts.AGENCIES_ADDED.format(n=added))
        elif code == keyboards.CANCEL_JOB:
            done = self.worker.cancel(target) if self.worker is not None else False
            await query.answer("Đang huỷ…" if done else "Việc này đã xong hoặc đã huỷ.")
        else:
            await query.answer()

    async def _after_edit(self, update: Update, result: EditResult) -> None:
        if result.item is not None:
            await reply(update, texts.card_text(result.item), reply_markup=keyboards.card(result.item))
        if result.meeting is not None:
            meeting = result.meeting
            items = self.review.meetings.items(meeting.id)
            n_conclusions = len(self.review.meetings.conclusions(meeting.id))
            await reply(update, texts.summary_text(meeting, n_conclusions, items, []))
        for unknown in result.unknown_agencies:
            hint = f" Có phải: {', '.join(unknown.suggestions)}?" if unknown.suggestions else ""
            await reply(
                update,
                texts.e(
                    f"«{unknown.name}» chưa có trong danh mục cơ quan.{hint} "
                    f"Thêm bằng /coquan them {unknown.name} hoặc sửa lại."
                ),
            )

    # Errors
    async def error(self, update: object, context: Context) -> None:
        """The one error handler: log the failure (no token, no text bodies) and apologise."""
        logger.error("handler failed", exc_info=context.error)
        if isinstance(update, Update):
            try:
                await reply(update, texts.GENERIC_ERROR)
            except Exception:
                logger.warning("could not send the error apology")


def _int_arg(args: list[str] | None) -> int | None:
    if not args:
        return None
    value = args[0].lstrip("#")
    return int(value) if value.isdigit() else None


def source_of(message: Message) -> SourceFile | None:
    """The file a message carries (document, voice, audio, video, video note), or None."""
    if message.document is not None:
        d = message.document
        name = d.file_name or "tep"
        return SourceFile(d.file_id, name, d.mime_type, d.file_size, d.file_unique_id)
    named: list[tuple[Any, str]] = [
        (message.voice, "voice.ogg"),
        (message.audio, "audio.mp3"),
        (message.video, "video.mp4"),
        (message.video_note, "video_note.mp4"),
    ]
    for media, default_name in named:
        if media is not None:
            name = getattr(media, "file_name", None) or default_name
            return SourceFile(
                media.file_id, name, getattr(media, "mime_type", None), media.file_size, media.file_unique_id
            )
    return None
