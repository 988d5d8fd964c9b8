"""The fake Bot API server, checked with the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, InvalidToken, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.bot.fake_bot_api import FakeBotApi

TOKEN = "123456:TEST-fake-token-abcdefghijklmnopqrstu"
USER = 2000


@pytest.fixture
def server() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN) as api:
        yield api
        assert api.errors == []


def make_bot(server: FakeBotApi, token: str = TOKEN, **kwargs) -> Bot:
    return Bot(token, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot", **kwargs)


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in pairs]])


def test_get_me_and_the_token(server: FakeBotApi) -> None:
    async def scenario() -> None:
        async with make_bot(server) as bot:
            assert bot.username == "ketluan_test_bot"
            me = await bot.get_me()
            assert me.is_bot
            assert me.id == 123456
        with pytest.raises(InvalidToken):  # Bot.initialize() calls getMe
            async with make_bot(server, token="654321:wrong"):
                pass

    asyncio.run(scenario())
    assert [c["status"] for c in server.calls_for("getMe")] == [200, 200, 401]
    assert all(c["token_in_url"] for c in server.calls[:2])
    assert TOKEN not in repr(server)


def test_send_edit_and_delete_messages(server: FakeBotApi) -> None:
    server.user_text(USER, "xin chào")  # the user's message takes id 1 in the chat

    async def scenario() -> None:
        async with make_bot(server) as bot:
            sent = await bot.send_message(
                USER, "Nhiệm vụ 1: Sở Tài chính", reply_markup=keyboard(("✅ Xác nhận", "ok:1"))
            )
            assert sent.message_id == 2
            assert sent.from_user is not None
            assert sent.from_user.username == "ketluan_test_bot"
            assert sent.chat.type == "private"
            assert sent.reply_markup is not None
            assert sent.reply_markup.inline_keyboard[0][0].callback_data == "ok:1"
            edited = await bot.edit_message_text("Nhiệm vụ 1: ✅ Đã xác nhận", chat_id=USER, message_id=sent.message_id)
            assert isinstance(edited, type(sent))
            assert edited.text == "Nhiệm vụ 1: ✅ Đã xác nhận"
            assert edited.reply_markup is None  # an edit without reply_markup removes the keyboard
            with pytest.raises(BadRequest, match=r"(?i)not modified"):
                await bot.edit_message_text("Nhiệm vụ 1: ✅ Đã xác nhận", chat_id=USER, message_id=sent.message_id)
            await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard(("Huỷ", "undo:1")))
            with pytest.raises(BadRequest, match=r"(?i)not modified"):
                await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard(("Huỷ", "undo:1")))
            with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
                await bot.edit_message_text("x", chat_id=USER, message_id=1)
            second = await bot.send_message(USER, "<b>Đậm</b> &amp; thường", parse_mode=ParseMode.HTML)
            assert second.text == "Đậm & thường"
            assert await bot.delete_message(USER, second.message_id)
            with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
                await bot.delete_message(USER, second.message_id)
            assert await bot.send_chat_action(USER, "typing")

    asyncio.run(scenario())
    first, second = server.sent_messages(USER)
    assert first["text"] == "Nhiệm vụ 1: ✅ Đã xác nhận"
    assert first["edits"] == 2
    assert first["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "undo:1"
    assert server.message_text(USER, first["message_id"]) == "Nhiệm vụ 1: ✅ Đã xác nhận"
    assert second["deleted"]
    assert second["raw_text"] == "<b>Đậm</b> &amp; thường"
    assert server.last_message(USER) == first
    params = server.calls_for("sendMessage")[0]["params"]
    assert params["chat_id"] == USER
    assert params["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ Xác nhận"


def test_send_document_and_read_it_back(server: FakeBotApi) -> None:
    content = "Thông báo kết luận\n".encode() * 100
    name = 'Thông báo "kết luận" số 1.docx'

    async def scenario() -> None:
        async with make_bot(server) as bot:
            message = await bot.send_document(USER, document=content, filename=name, caption="Dự thảo số 1")
            assert message.document is not None
            assert message.document.file_name == name
            assert message.caption == "Dự thảo số 1"
            file = await bot.get_file(message.document.file_id)  # the upload is a stored file too
            buffer = io.BytesIO()
            await file.download_to_memory(buffer)
            assert buffer.getvalue() == content
            again = await bot.send_document(USER, document=message.document.file_id)
            assert again.document is not None
            assert again.message_id == message.message_id + 1

    asyncio.run(scenario())
    first = server.documents(USER)[0]
    assert first["filename"] == name
    assert first["content"] == content
    assert first["caption"] == "Dự thảo số 1"
    assert first["mime_type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert len(server.documents()) == 2
    assert server.calls_for("sendDocument")[0]["files"] == {"document": (name, len(content))}
    assert [m["message_id"] for m in server.sent_messages(USER)] == [1, 2]


def test_user_files_download_and_the_20_mb_limit(server: FakeBotApi) -> None:
    audio = b"OggS" + bytes(range(256)) * 40
    file_id, unique_id = server.add_file(audio, file_path="voice/file_1.oga")
    big_id, _ = server.add_file(b"\0" * 16, size=25 * 1024 * 1024)
    update_id = server.user_voice(USER, file_id, duration=12, size=len(audio))

    async def scenario() -> None:
        async with make_bot(server) as bot:
            (update,) = await bot.get_updates(timeout=0)
            assert update.update_id == update_id
            assert update.message is not None
            assert update.message.voice is not None
            assert update.message.voice.file_unique_id == unique_id
            file = await update.message.voice.get_file()
            assert file.file_path == f"{server.url}/file/bot{TOKEN}/voice/file_1.oga"
            assert bytes(await file.download_as_bytearray()) == audio
            with pytest.raises(BadRequest, match=r"(?i)file is too big"):
                await bot.get_file(big_id)
            with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
                await bot.get_file("nope")

    asyncio.run(scenario())


def test_local_mode_answers_an_absolute_path_without_limit() -> None:
    with FakeBotApi(token=TOKEN, local_mode=True) as server:
        big_id, _ = server.add_file(b"\1" * 1000, size=300 * 1024 * 1024, file_path="documents/hop.mp4")

        async def scenario() -> Path:
            async with make_bot(server, local_mode=True) as bot:
                file = await bot.get_file(big_id)
                assert file.file_path is not None
                path = Path(file.file_path)
                assert path.is_absolute()
                assert bytes(await file.download_as_bytearray()) == b"\1" * 1000
                return path

        path = asyncio.run(scenario())
        assert path.exists()
    assert not path.exists()  # the temporary folder goes with the server


def test_retry_after_and_the_rate_limiter(server: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else RetryAfter.retry_after warns (an error here)
    server.fail_next("sendMessage", error_code=429, retry_after=2)
    server.fail_next("sendMessage", error_code=429, retry_after=1)

    async def scenario() -> None:
        async with make_bot(server) as bot:
            with pytest.raises(RetryAfter) as raised:
                await bot.send_message(USER, "một")
            assert raised.value.retry_after == dt.timedelta(seconds=2)
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(f"{server.url}/bot")
            .rate_limiter(AIORateLimiter(max_retries=1))
            .build()
        )
        async with app:
            started = time.monotonic()
            await app.bot.send_message(USER, "hai")
            assert time.monotonic() - started >= 1.0

    asyncio.run(scenario())
    assert [c["status"] for c in server.calls_for("sendMessage")] == [429, 429, 200]
    assert [m["text"] for m in server.sent_messages(USER)] == ["hai"]


def test_injected_errors_and_delays(server: FakeBotApi) -> None:
    server.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found")
    server.fail_next("sendMessage", error_code=403)
    server.delay_next("sendMessage", 0.4)

    async def scenario() -> None:
        request = HTTPXRequest(read_timeout=0.1)
        async with make_bot(server, request=request) as bot:
            with pytest.raises(BadRequest, match=r"(?i)chat not found"):
                await bot.send_message(USER, "a")
            with pytest.raises(Exception, match=r"(?i)blocked by the user"):
                await bot.send_message(USER, "b")
            with pytest.raises(TimedOut):
                await bot.send_message(USER, "c")

    asyncio.run(scenario())
    server.wait_for(lambda s: s.sent_messages(USER), timeout=3)  # a timed-out send may still arrive
    assert server.sent_messages(USER)[0]["text"] == "c"


def test_telegram_limits_are_enforced(server: FakeBotApi) -> None:
    async def scenario() -> None:
        async with make_bot(server) as bot:
            fits = "ắ" * 32  # 32 Vietnamese letters = 96 bytes: too long despite 32 characters
            with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
                await bot.send_message(USER, "x", reply_markup=keyboard(("a", fits)))
            with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
                await bot.send_message(USER, "x", reply_markup=keyboard(("a", "d" * 65)))
            await bot.send_message(USER, "x", reply_markup=keyboard(("a", "d" * 64)))
            with pytest.raises(BadRequest, match=r"(?i)message is too long"):
                await bot.send_message(USER, "a" * 4097)
            await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
                await bot.send_document(USER, b"x", filename="a.txt", caption="c" * 1025)
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(USER, "<b>chưa đóng", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(USER, "a < b", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match=r"(?i)reserved"):
                await bot.send_message(USER, "Hạn: 15/12/2024.", parse_mode=ParseMode.MARKDOWN_V2)
            ok = await bot.send_message(USER, r"*Hạn:* 15/12/2024\.", parse_mode=ParseMode.MARKDOWN_V2)
            assert ok.text == "Hạn: 15/12/2024."
            with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
                await bot.set_my_commands([("xuất", "Xuất dự thảo")])

    asyncio.run(scenario())
    assert len(server.sent_messages(USER)) == 3


def test_commands_webhook_chat_and_unknown_methods(server: FakeBotApi) -> None:
    from telegram import BotCommandScopeChat

    server.add_chat(USER, first_name="Lan")

    async def scenario() -> None:
        async with make_bot(server) as bot:
            await bot.set_my_commands([("start", "Bắt đầu"), ("xuat", "Xuất dự thảo")])
            await bot.set_my_commands([("thuky", "Thêm thư ký")], scope=BotCommandScopeChat(USER))
            assert [c.command for c in await bot.get_my_commands()] == ["start", "xuat"]
            assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(USER))] == ["thuky"]
            await bot.delete_my_commands(scope=BotCommandScopeChat(USER))
            assert await bot.get_my_commands(scope=BotCommandScopeChat(USER)) == ()
            assert await bot.set_webhook("https://example.org/hook")
            with pytest.raises(Conflict, match=r"(?i)webhook is active"):
                await bot.get_updates()
            assert await bot.delete_webhook()
            chat = await bot.get_chat(USER)
            assert chat.type == "private"
            assert await bot.close()
            assert await bot.do_api_request("setFutureThing", api_kwargs={"description": "Trợ lý"})

    asyncio.run(scenario())
    assert [c["command"] for c in server.my_commands()] == ["start", "xuat"]
    assert server.calls_for("setFutureThing")[0]["params"] == {"description": "Trợ lý"}


def test_get_updates_offset_allowed_updates_and_redelivery(server: FakeBotApi) -> None:
    first = server.user_text(USER, "một")
    second = server.user_forward(USER, "Ý kiến của Sở", from_name="Anh Minh")

    async def scenario() -> None:
        async with make_bot(server) as bot:
            updates = await bot.get_updates(timeout=0)
            assert [u.update_id for u in updates] == [first, second]
            assert updates[1].message is not None
            assert updates[1].message.forward_origin is not None
            assert await bot.get_updates(offset=second, timeout=0) == (updates[1],)
            assert await bot.get_updates(offset=second + 1, timeout=0) == ()
            server.redeliver(second)
            assert [u.update_id for u in await bot.get_updates(offset=second + 1, timeout=0)] == [second]
            assert await bot.get_updates(offset=second + 1, timeout=0) == ()
            server.user_text(USER, "ba")
            assert await bot.get_updates(offset=second + 1, timeout=0, allowed_updates=["callback_query"]) == ()
            started = time.monotonic()
            assert await bot.get_updates(offset=second + 1, timeout=dt.timedelta(seconds=0.3)) == ()  # a long poll
            assert time.monotonic() - started >= 0.25

    asyncio.run(scenario())
    assert len(server.pending_updates()) == 1


def test_a_second_poller_ends_the_first_with_conflict(server: FakeBotApi) -> None:
    async def scenario() -> None:
        async with make_bot(server) as one, make_bot(server) as two:
            polling = asyncio.create_task(one.get_updates(timeout=5))
            await server.wait_for_async(lambda s: s.calls_for("getUpdates"))
            assert await two.get_updates(timeout=0) == ()
            with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
                await polling

    asyncio.run(scenario())


def test_application_answers_commands_callbacks_and_redelivered_updates(server: FakeBotApi) -> None:
    seen: list[int] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen.append(update.update_id)
        await update.effective_message.reply_text(
            f"Xin chào {' '.join(context.args or [])}".strip(), reply_markup=keyboard(("Tiếp", "next")), do_quote=True
        )

    async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Đã nhận")
        await query.edit_message_text(f"Đã bấm {query.data}")

    async def scenario() -> None:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(f"{server.url}/bot")
            .base_file_url(f"{server.url}/file/bot")
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            update_id = server.user_command(USER, "/start", "abc")
            message = await server.wait_for_async(lambda s: s.last_message(USER))
            assert message["text"] == "Xin chào abc"
            assert message["reply_to_message"]["message_id"] == 1
            server.redeliver(update_id)
            await server.wait_for_async(lambda s: len(seen) == 2)
            callback = server.user_callback(USER, message, "next")
            await server.wait_for_async(lambda s: s.message_text(USER, message["message_id"]) == "Đã bấm next")
            answer = server.callback_answer(callback)
            assert answer is not None
            assert answer["text"] == "Đã nhận"
            with pytest.raises(ValueError, match="no button"):
                server.user_callback(USER, message, "next")  # the edit removed the keyboard
            with pytest.raises(RuntimeError, match="wait_for_async"):
                server.wait_for(lambda s: True)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

    started = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - started < 5
    assert seen == [seen[0], seen[0]]
    assert [c["method"] for c in server.calls[:2]] == ["getMe", "deleteWebhook"]
    assert server.pending_updates() == []  # the last getUpdates confirmed everything


def test_wait_for_reports_recent_calls_without_the_token(server: FakeBotApi) -> None:
    asyncio.run(_send(server, "tin nhắn"))
    with pytest.raises(AssertionError) as raised:
        server.wait_for(lambda s: False, timeout=0.05)
    report = str(raised.value)
    assert "sendMessage -> 200" in report
    assert "tin nhắn" in report
    assert TOKEN not in report
    assert TOKEN.split(":")[1] not in report


async def _send(server: FakeBotApi, text: str) -> None:
    async with make_bot(server) as bot:
        await bot.send_message(USER, text)


def test_raw_http_bodies_and_clean_shutdown() -> None:
    answers: list[object] = []
    with FakeBotApi(token=TOKEN) as server:
        request = urllib.request.Request(  # noqa: S310 - our own server
            f"{server.url}/bot{TOKEN}/sendMessage",
            data=json.dumps({"chat_id": USER, "text": "qua JSON"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert json.load(response)["result"]["text"] == "qua JSON"
        with urllib.request.urlopen(f"{server.url}/bot{TOKEN}/getMe?x=1", timeout=5) as response:  # noqa: S310
            assert json.load(response)["result"]["username"] == "ketluan_test_bot"
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(f"{server.url}/nothing", timeout=5)  # noqa: S310
        raised.value.close()
        assert raised.value.code == 404
        poller = threading.Thread(target=_long_poll, args=(server.url, answers), daemon=True)
        poller.start()  # still waiting when the server stops
        server.wait_for(lambda s: s.calls_for("getUpdates"))
    poller.join(2)
    assert answers == [{"ok": True, "result": []}]
    assert not [t for t in threading.enumerate() if t.name.startswith("fake-bot-api")]


def _long_poll(url: str, answers: list[object]) -> None:
    request = urllib.request.Request(f"{url}/bot{TOKEN}/getUpdates", data=b"offset=5&timeout=30")  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        answers.append(json.load(response))
