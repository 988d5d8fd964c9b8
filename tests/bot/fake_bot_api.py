"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, realistic answers and errors.

The real python-telegram-bot ``Bot``/``Application`` talks to it exactly as to api.telegram.org::

    with FakeBotApi(token=TOKEN) as server:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(f"{server.url}/bot")
            .base_file_url(f"{server.url}/file/bot")
            .build()
        )
        ...
        server.user_command(1000, "/start")
        server.wait_for(lambda s: s.sent_messages(1000))

The server runs in daemon threads (one per connection), so the test thread can drive it while the
bot's event loop runs elsewhere. Every test-side method is thread-safe. From inside a coroutine
running in the same thread as the bot's event loop use ``await server.wait_for_async(...)``:
the blocking ``wait_for`` would freeze that loop.

What it checks like Telegram does: the token, text length (4096) and caption length (1024) after
entity parsing, HTML/MarkdownV2 markup, ``callback_data`` of 1-64 UTF-8 bytes, edits that change
nothing ("message is not modified"), the 20 MB download limit of ``getFile``, one poller at a time
(409 Conflict), ``getUpdates`` while a webhook is set (409), unknown messages, files and callback
queries. The token is never printed: the request log is silenced and records keep no URL.

Inspection results are plain dicts (snapshots), so tests can index them (``m["text"]``):

* ``sent_messages()``: the Message JSON of every message the bot sent, in its current state
  (edits applied, ``"deleted": True`` added once deleted). ``text`` is what Telegram shows, with
  HTML/Markdown markup already parsed away; ``raw_text`` holds what the bot sent.
* ``documents()``: ``{"chat_id", "message_id", "filename", "content", "caption", "mime_type",
  "file_id", "reply_markup", "method"}`` for every file the bot uploaded.
* ``calls``: ``{"method", "params", "time", "token_in_url", "status", "files"}``; ``time`` is
  ``time.monotonic()``, ``params`` are decoded (ints, bools, JSON objects) and ``files`` maps the
  multipart field name to ``(filename, size)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import shutil
import socket
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_TOKEN = "123456789:TEST-fake-bot-api-token-0123456789"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
DOWNLOAD_LIMIT = 20 * 1024 * 1024
UPLOAD_LIMIT = 50 * 1024 * 1024

_T = TypeVar("_T")
Json = dict[str, Any]

_INT_FIELDS = frozenset({
    "chat_id", "from_chat_id", "message_id", "offset", "limit", "timeout", "user_id",
    "message_thread_id", "cache_time", "duration", "width", "height", "length",
    "max_connections", "reply_to_message_id",
})  # fmt: skip
_JSON_FIELDS = frozenset({
    "reply_markup", "allowed_updates", "commands", "scope", "entities", "caption_entities",
    "reply_parameters", "link_preview_options", "media", "message_ids", "results", "options",
    "permissions", "menu_button", "rights", "reaction",
})  # fmt: skip
_BOOL_FIELDS = frozenset({
    "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
    "disable_content_type_detection", "allow_sending_without_reply", "disable_web_page_preview",
    "allow_paid_broadcast", "show_caption_above_media", "has_spoiler", "supports_streaming",
})  # fmt: skip
_DEFAULT_UPDATE_TYPES = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
    "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
    "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request",
    "chat_boost", "removed_chat_boost",
})  # fmt: skip
_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})  # fmt: skip
_HTML_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
    "pre", "blockquote", "tg-emoji",
})  # fmt: skip
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
_HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_MDV2_ALWAYS_ESCAPED = frozenset("#+-={}.!")
_MEDIA_FIELD = {
    "senddocument": "document", "sendaudio": "audio", "sendvoice": "voice", "sendvideo": "video",
    "sendphoto": "photo", "sendvideonote": "video_note", "sendanimation": "animation",
}  # fmt: skip
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_LEADING_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
CONFLICT_POLLER = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> Json:
        """The JSON body Telegram would answer with."""
        body: Json = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(what: str) -> ApiError:
    """A 400 error with Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {what}")


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: CONFLICT_POLLER,
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class _Injected:
    error: ApiError | None = None
    delay: float = 0.0


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    size: int


@dataclass
class _StoredMessage:
    message: Json
    from_bot: bool
    raw_text: str | None = None
    raw_markup: Json | None = None
    deleted: bool = False
    cached: Json | None = None  # the inspection snapshot, rebuilt after a change


@dataclass
class _PendingUpdate:
    update: Json
    redelivery: bool = False
    delivered: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    @property
    def kind(self) -> str:
        return next(key for key in self.update if key != "update_id")


@dataclass
class _State:
    """Everything guarded by ``FakeBotApi._cond``."""

    calls: list[Json] = field(default_factory=list)
    files: dict[str, _StoredFile] = field(default_factory=dict)
    files_by_path: dict[str, _StoredFile] = field(default_factory=dict)
    messages: dict[tuple[int, int], _StoredMessage] = field(default_factory=dict)
    sent: list[tuple[int, int]] = field(default_factory=list)
    documents: list[Json] = field(default_factory=list)
    chats: dict[int, Json] = field(default_factory=dict)
    users: dict[int, Json] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    last_message_id: dict[int, int] = field(default_factory=dict)
    pending: list[_PendingUpdate] = field(default_factory=list)
    pushed: dict[int, Json] = field(default_factory=dict)
    allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
    poll_generation: int = 0
    webhook: Json | None = None
    commands: dict[tuple[str, str], list[Json]] = field(default_factory=dict)
    callback_queries: dict[str, Json] = field(default_factory=dict)
    injected: dict[str, list[_Injected]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class FakeBotApi:
    """A Telegram Bot API server on 127.0.0.1 for tests (see the module docstring)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "ketluan_test_bot",
        *,
        bot_first_name: str = "Kết luận (test)",
        local_mode: bool = False,
        download_limit: int | None = DOWNLOAD_LIMIT,
        upload_limit: int | None = UPLOAD_LIMIT,
        strict_chats: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Configure (not start) the server.

        Args:
            token: the only accepted bot token; others get 401.
            bot_username: ``username`` of the bot in ``getMe`` and in every message it sends.
            bot_first_name: ``first_name`` of the bot.
            local_mode: behave like a self-hosted ``telegram-bot-api --local``: ``getFile`` answers
                an absolute path (the file is written to a temporary folder) and has no size limit.
            download_limit: largest file ``getFile`` serves (cloud: 20 MB); None for no limit.
            upload_limit: largest request body accepted (cloud: 50 MB) before a 413.
            strict_chats: answer "chat not found" for chats no update came from (see ``add_chat``).
            clock: source of the ``date`` fields (Unix seconds).
        """
        self.token = token
        self.bot_username = bot_username
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 1
        self.bot_user: Json = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.local_mode = local_mode
        self.download_limit = None if local_mode else download_limit
        self.upload_limit = upload_limit
        self.strict_chats = strict_chats
        self._clock = clock
        self._cond = threading.Condition(threading.RLock())
        self._state = _State()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(100_000)
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._local_dir: Path | None = None
        self.url = ""

    def __repr__(self) -> str:
        return f"FakeBotApi(url={self.url!r}, bot_username={self.bot_username!r})"

    # ----------------------------------------------------------------------------- lifecycle

    def start(self) -> FakeBotApi:
        """Listen on a free port of 127.0.0.1; ``url`` is then ``http://127.0.0.1:PORT``."""
        if self._httpd is not None:
            raise RuntimeError("FakeBotApi is already running")
        self._stopping.clear()
        if self.local_mode:
            self._local_dir = Path(tempfile.mkdtemp(prefix="fake-bot-api-"))
        self._httpd = _Server(self)
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-bot-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end long polls and injected delays, close every connection."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        httpd.shutdown()
        thread.join(5)
        httpd.close_connections(timeout=5)
        httpd.server_close()
        self._httpd = self._thread = None
        if self._local_dir is not None:
            shutil.rmtree(self._local_dir, ignore_errors=True)
            self._local_dir = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----------------------------------------------------------------------------- failures

    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error instead of performing them.

        ``fail_next("sendMessage", error_code=429, retry_after=3)`` answers
        ``Too Many Requests: retry after 3`` with ``parameters.retry_after`` (PTB: ``RetryAfter``).
        ``description`` is used verbatim (include Telegram's ``Bad Request:`` prefix yourself).
        """
        if error_code == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        if description is None:
            if error_code == HTTPStatus.TOO_MANY_REQUESTS:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, "Error")
        error = ApiError(error_code, description, parameters)
        self._inject(method, [_Injected(error=error) for _ in range(times)])

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` for ``seconds`` before performing them.

        The call still takes effect (like Telegram, where a client-side timeout does not mean the
        message was not delivered); a PTB client with a shorter timeout gets ``TimedOut``.
        """
        self._inject(method, [_Injected(delay=seconds) for _ in range(times)])

    def _inject(self, method: str, items: list[_Injected]) -> None:
        with self._cond:
            self._state.injected.setdefault(method.lower(), []).extend(items)

    # ----------------------------------------------------------------------------- test-side data

    def add_file(self, content: bytes, *, file_path: str | None = None, size: int | None = None) -> tuple[str, str]:
        """Store a file users can send; ``size`` overrides its reported size (e.g. a fake 25 MB).

        Returns:
            ``(file_id, file_unique_id)``.
        """
        with self._cond:
            return self._store_file(content, file_path=file_path, size=size)

    def add_chat(self, chat_id: int, *, first_name: str | None = None, title: str | None = None) -> None:
        """Make a chat known (matters with ``strict_chats``) without sending an update."""
        with self._cond:
            self._chat(chat_id, first_name=first_name, title=title)

    def block_user(self, user_id: int, *, blocked: bool = True) -> None:
        """Messages to this user fail with 403 "Forbidden: bot was blocked by the user"."""
        with self._cond:
            if blocked:
                self._state.blocked.add(user_id)
            else:
                self._state.blocked.discard(user_id)

    def push_update(self, update: Json) -> int:
        """Queue a raw update for ``getUpdates``; an ``update_id`` is assigned if it has none."""
        with self._cond:
            update = json.loads(json.dumps(update))
            update.setdefault("update_id", next(self._update_ids))
            if len(update) != 2:
                raise ValueError("an update holds exactly one payload besides update_id")
            self._state.pushed[update["update_id"]] = update
            self._state.pending.append(_PendingUpdate(update))
            self._cond.notify_all()
            return int(update["update_id"])

    def redeliver(self, update_id: int) -> int:
        """Deliver an already pushed update once more, with the same update_id (a crash replay)."""
        with self._cond:
            update = self._state.pushed[update_id]
            self._state.pending.append(_PendingUpdate(json.loads(json.dumps(update)), redelivery=True))
            self._cond.notify_all()
            return update_id

    def user_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """A text message from a user (private chat unless ``chat_id`` names a group).

        A leading ``/command`` gets its ``bot_command`` entity, as Telegram adds it.
        """
        content: Json = {"text": text}
        match = _LEADING_COMMAND.match(text)
        if match:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}]
        if reply_to_message_id is not None:
            content["_reply_to"] = reply_to_message_id
        return self._user_message(user_id, content, first_name=first_name, chat_id=chat_id)

    def user_command(
        self,
        user_id: int,
        command: str,
        args: str = "",
        *,
        first_name: str | None = None,
        chat_id: int | None = None,
    ) -> int:
        """``/command args`` from a user; ``command`` may be given with or without the slash."""
        text = command if command.startswith("/") else f"/{command}"
        if args:
            text = f"{text} {args}"
        return self.user_text(user_id, text, first_name=first_name, chat_id=chat_id)

    def user_document(
        self,
        user_id: int,
        file_id: str,
        file_name: str,
        mime_type: str,
        size: int,
        caption: str | None = None,
        *,
        first_name: str | None = None,
    ) -> int:
        """A file sent as a document."""
        media = self._media(file_id, size, file_name=file_name, mime_type=mime_type)
        content: Json = {"document": media}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user_id, content, first_name=first_name)

    def user_voice(
        self,
        user_id: int,
        file_id: str,
        duration: int,
        size: int,
        mime_type: str = "audio/ogg",
        *,
        first_name: str | None = None,
    ) -> int:
        """A voice note (ogg/opus by default)."""
        media = self._media(file_id, size, duration=duration, mime_type=mime_type)
        return self._user_message(user_id, {"voice": media}, first_name=first_name)

    def user_audio(
        self,
        user_id: int,
        file_id: str,
        duration: int,
        size: int,
        mime_type: str = "audio/mpeg",
        *,
        file_name: str | None = None,
        title: str | None = None,
        caption: str | None = None,
        first_name: str | None = None,
    ) -> int:
        """An audio file (music player style: mp3, m4a...)."""
        media = self._media(file_id, size, duration=duration, mime_type=mime_type, file_name=file_name, title=title)
        content: Json = {"audio": media}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user_id, content, first_name=first_name)

    def user_video(
        self,
        user_id: int,
        file_id: str,
        duration: int,
        size: int,
        mime_type: str = "video/mp4",
        *,
        file_name: str | None = None,
        caption: str | None = None,
        first_name: str | None = None,
    ) -> int:
        """A video."""
        media = self._media(
            file_id, size, duration=duration, mime_type=mime_type, file_name=file_name, width=1280, height=720
        )
        content: Json = {"video": media}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user_id, content, first_name=first_name)

    def user_video_note(
        self, user_id: int, file_id: str, duration: int, size: int, *, first_name: str | None = None
    ) -> int:
        """A round video note (no mime type in the Bot API)."""
        media = self._media(file_id, size, duration=duration, length=240)
        return self._user_message(user_id, {"video_note": media}, first_name=first_name)

    def user_forward(
        self,
        user_id: int,
        text: str,
        from_name: str,
        *,
        from_user_id: int | None = None,
        first_name: str | None = None,
    ) -> int:
        """A forwarded text message; the origin is a hidden user unless ``from_user_id`` is given."""
        date = self._now()
        origin: Json
        if from_user_id is None:
            origin = {"type": "hidden_user", "sender_user_name": from_name, "date": date}
        else:
            sender = {"id": from_user_id, "is_bot": False, "first_name": from_name}
            origin = {"type": "user", "sender_user": sender, "date": date}
        return self._user_message(user_id, {"text": text, "forward_origin": origin}, first_name=first_name)

    def user_callback(self, user_id: int, message: Json | int, data: str, *, strict: bool = True) -> int:
        """A press on an inline button of ``message`` (a message dict or its id in the user's chat).

        The callback query carries the message's current state. With ``strict``, ``data`` must be
        the callback_data of a button the message shows now (a ValueError otherwise).
        """
        with self._cond:
            if isinstance(message, dict):
                chat_id, message_id = int(message["chat"]["id"]), int(message["message_id"])
            else:
                chat_id, message_id = user_id, int(message)
            stored = self._state.messages.get((chat_id, message_id))
            if stored is None or stored.deleted:
                raise ValueError(f"no message {message_id} in chat {chat_id} to press a button on")
            shown = [
                button.get("callback_data")
                for row in (stored.message.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in row
            ]
            if strict and data not in shown:
                raise ValueError(f"message {message_id} shows no button with callback_data {data!r}: {shown}")
            query_id = str(next(self._ids) * 7919)
            query = {
                "id": query_id,
                "from": self._user(user_id),
                "message": _public(stored.message),
                "chat_instance": f"-{abs(chat_id) * 31 + 17}",
                "data": data,
            }
            update_id = self.push_update({"callback_query": query})
            self._state.callback_queries[query_id] = {"update_id": update_id, "answer": None}
            return update_id

    # ----------------------------------------------------------------------------- inspection

    @property
    def calls(self) -> list[Json]:
        """Every request so far (snapshot), oldest first."""
        with self._cond:
            return [dict(call) for call in self._state.calls]

    def calls_for(self, method: str) -> list[Json]:
        """The requests of one method (case-insensitive, like Telegram)."""
        wanted = method.lower()
        return [call for call in self.calls if call["method"].lower() == wanted]

    def sent_messages(self, chat_id: int | None = None) -> list[Json]:
        """Messages the bot sent (any ``send*``), current state, oldest first."""
        with self._cond:
            out = []
            for key in self._state.sent:
                if chat_id is not None and key[0] != chat_id:
                    continue
                out.append(self._snapshot(self._state.messages[key]))
            return out

    def last_message(self, chat_id: int) -> Json | None:
        """The newest message the bot sent to ``chat_id`` that is not deleted."""
        alive = [m for m in self.sent_messages(chat_id) if not m.get("deleted")]
        return alive[-1] if alive else None

    def message(self, chat_id: int, message_id: int) -> Json:
        """Current state of any message (bot's or user's); KeyError if there is none."""
        with self._cond:
            return self._snapshot(self._state.messages[(chat_id, message_id)])

    def message_text(self, chat_id: int, message_id: int) -> str:
        """Current text (or caption) of a message, after edits; KeyError if there is none."""
        current = self.message(chat_id, message_id)
        return str(current.get("text") or current.get("caption") or "")

    def documents(self, chat_id: int | None = None) -> list[Json]:
        """Files the bot uploaded, oldest first (``content`` is the bytes)."""
        with self._cond:
            return [dict(d) for d in self._state.documents if chat_id is None or d["chat_id"] == chat_id]

    def callback_answer(self, update_id: int) -> Json | None:
        """The ``answerCallbackQuery`` params for the callback update ``update_id`` (None: unanswered)."""
        with self._cond:
            for entry in self._state.callback_queries.values():
                if entry["update_id"] == update_id:
                    return entry["answer"]
        raise KeyError(update_id)

    def my_commands(self, scope: Json | None = None, language_code: str = "") -> list[Json]:
        """Commands set with ``setMyCommands`` for a scope (default scope when None)."""
        with self._cond:
            return list(self._state.commands.get((_scope_key(scope), language_code), []))

    @property
    def errors(self) -> list[str]:
        """Exceptions raised inside the fake itself (answered with 500); should stay empty."""
        with self._cond:
            return list(self._state.errors)

    @property
    def webhook(self) -> Json | None:
        """The params of the last ``setWebhook`` still in force."""
        with self._cond:
            return dict(self._state.webhook) if self._state.webhook else None

    def pending_updates(self) -> list[Json]:
        """Updates not yet confirmed by the poller's offset."""
        with self._cond:
            return [dict(p.update) for p in self._state.pending]

    def wait_for(self, predicate: Callable[[FakeBotApi], _T], timeout: float = 10.0) -> _T:
        """Poll ``predicate(self)`` every 20 ms until it is truthy; return its value.

        Raises:
            AssertionError: on timeout, with the latest calls (never the token).
            RuntimeError: when called from a running event loop (use ``wait_for_async``).
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # no loop in this thread: blocking is fine
        else:
            raise RuntimeError("wait_for would block this event loop: use `await server.wait_for_async(...)`")
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(self._timeout_report(timeout))
            time.sleep(0.02)

    async def wait_for_async(self, predicate: Callable[[FakeBotApi], _T], timeout: float = 10.0) -> _T:  # noqa: ASYNC109 - same signature as wait_for
        """``wait_for`` for coroutines: sleeps with ``asyncio.sleep`` so the loop keeps running."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(self._timeout_report(timeout))
            await asyncio.sleep(0.02)

    def _timeout_report(self, timeout: float) -> str:
        lines = [f"condition not met within {timeout} s; latest Bot API calls:"]
        for call in self.calls[-15:]:
            params = call["params"]
            brief = {k: params[k] for k in ("chat_id", "message_id", "offset", "callback_query_id") if k in params}
            for key in ("text", "caption"):
                if key in params:
                    brief[key] = str(params[key])[:80]
            lines.append(f"  {call['method']} -> {call['status']} {brief}")
        return "\n".join(lines)

    # ----------------------------------------------------------------------------- request handling

    def _handle(self, http_method: str, raw_path: str, headers: Any, body: bytes) -> tuple[int, str, bytes]:
        """Route one HTTP request; returns (status, content type, body)."""
        path = urllib.parse.urlsplit(raw_path)
        parts = [urllib.parse.unquote(part) for part in path.path.split("/")]
        token_in_url = self.token in urllib.parse.unquote(path.path)
        if http_method == "GET" and len(parts) >= 4 and parts[1] == "file" and parts[2].startswith("bot"):
            return self._download(parts[2][3:], "/".join(parts[3:]))
        if len(parts) != 3 or not parts[1].startswith("bot") or not parts[2]:
            return _json_response(ApiError(404, "Not Found").body(), 404)
        method = parts[2]
        call: Json = {
            "method": method,
            "params": {},
            "time": time.monotonic(),
            "token_in_url": token_in_url,
            "status": None,
            "files": {},
        }
        try:
            if parts[1][3:] != self.token:
                raise ApiError(401, "Unauthorized")  # noqa: TRY301 - recorded below like the others
            if self.upload_limit is not None and len(body) > self.upload_limit:
                raise ApiError(413, "Request Entity Too Large")  # noqa: TRY301
            params, files = _parse_body(headers.get("Content-Type", ""), body)
            params = {**_parse_query(path.query), **params}
            call["params"], call["files"] = params, {k: (name, len(data)) for k, (name, _, data) in files.items()}
            with self._cond:
                self._state.calls.append(call)
                injected = self._state.injected.get(method.lower())
                action = injected.pop(0) if injected else None
            if action is not None and action.delay:
                self._stopping.wait(action.delay)
            if action is not None and action.error is not None:
                raise action.error  # noqa: TRY301
            result = self._dispatch(method, params, files)
        except ApiError as error:
            with self._cond:
                if not any(c is call for c in self._state.calls):
                    self._state.calls.append(call)
                call["status"] = error.error_code
            return _json_response(error.body(), error.error_code)
        except Exception as exc:  # a bug of the fake: answer 500 and keep it for the test to see
            with self._cond:
                if not any(c is call for c in self._state.calls):
                    self._state.calls.append(call)
                call["status"] = 500
                self._state.errors.append(f"{method}: {exc!r}")
            return _json_response(ApiError(500, f"Internal Server Error: fake Bot API bug: {exc!r}").body(), 500)
        with self._cond:
            call["status"] = 200
        return _json_response({"ok": True, "result": result}, 200)

    def _download(self, token: str, file_path: str) -> tuple[int, str, bytes]:
        if token != self.token:
            return _json_response(ApiError(401, "Unauthorized").body(), 401)
        with self._cond:
            stored = self._state.files_by_path.get(file_path)
        if stored is None:
            return _json_response(ApiError(404, "Not Found").body(), 404)
        return 200, "application/octet-stream", stored.content

    def _dispatch(self, method: str, params: Json, files: dict[str, tuple[str, str, bytes]]) -> Any:
        name = method.lower()
        if name == "getupdates":
            return self._get_updates(params)
        handler = _HANDLERS.get(name)
        with self._cond:
            if name in _MEDIA_FIELD:
                return self._send_media(name, params, files)
            if handler is None:
                return True  # unknown or uninteresting methods are recorded and succeed
            return handler(self, params)

    # --- methods

    def _get_me(self, _params: Json) -> Json:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, params: Json) -> bool:
        if not params.get("url"):
            return self._delete_webhook(params)
        self._state.webhook = dict(params)
        if params.get("drop_pending_updates"):
            self._state.pending.clear()
        self._state.poll_generation += 1
        self._cond.notify_all()
        return True

    def _delete_webhook(self, params: Json) -> bool:
        self._state.webhook = None
        if params.get("drop_pending_updates"):
            self._state.pending.clear()
        return True

    def _get_webhook_info(self, _params: Json) -> Json:
        hook = self._state.webhook or {}
        return {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._state.pending),
        }

    def _get_updates(self, params: Json) -> list[Json]:
        offset = int(params.get("offset") or 0)
        timeout = max(0.0, float(params.get("timeout") or 0))
        limit = min(100, max(1, int(params.get("limit") or 100)))
        with self._cond:
            state = self._state
            if state.webhook is not None:
                raise ApiError(409, CONFLICT_WEBHOOK)
            if "allowed_updates" in params and isinstance(params["allowed_updates"], list):
                state.allowed_updates = frozenset(params["allowed_updates"]) or _DEFAULT_UPDATE_TYPES
            state.poll_generation += 1
            generation = state.poll_generation
            self._cond.notify_all()  # an older long poll ends with 409 Conflict
            self._confirm(offset)
            deadline = time.monotonic() + timeout
            while True:
                if state.poll_generation != generation:
                    raise ApiError(409, CONFLICT_POLLER)
                batch = self._ready_updates(offset, limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._stopping.is_set():
                    break
                self._cond.wait(remaining)
            for entry in batch:
                entry.delivered = True
            return [json.loads(json.dumps(entry.update)) for entry in batch]

    def _confirm(self, offset: int) -> None:
        pending = self._state.pending
        # A redelivered copy counts as confirmed by the first request after the one that got it.
        pending[:] = [p for p in pending if not (p.redelivery and p.delivered)]
        if offset > 0:
            pending[:] = [p for p in pending if p.redelivery or p.update_id >= offset]
        elif offset < 0:
            normal = [p for p in pending if not p.redelivery]
            keep = {id(p) for p in normal[offset:]}
            pending[:] = [p for p in pending if p.redelivery or id(p) in keep]

    def _ready_updates(self, offset: int, limit: int) -> list[_PendingUpdate]:
        ready = [
            p
            for p in self._state.pending
            if (not p.delivered if p.redelivery else p.update_id >= offset) and p.kind in self._state.allowed_updates
        ]
        ready.sort(key=lambda p: p.update_id)
        return ready[:limit]

    def _send_message(self, params: Json) -> Json:
        chat_id = self._target_chat(params)
        text, raw = _parse_text(params.get("text"), params.get("parse_mode"), limit=MAX_TEXT, what="message")
        markup = _checked_markup(params.get("reply_markup"))
        return self._new_bot_message(chat_id, {"text": text}, params, raw_text=raw, markup=markup)

    def _send_media(self, name: str, params: Json, files: dict[str, tuple[str, str, bytes]]) -> Json:
        field_name = _MEDIA_FIELD[name]
        chat_id = self._target_chat(params)
        content: Json = {}
        raw_caption = None
        if params.get("caption"):
            caption, raw_caption = _parse_text(
                params["caption"], params.get("parse_mode"), limit=MAX_CAPTION, what="message caption"
            )
            content["caption"] = caption
        markup = _checked_markup(params.get("reply_markup"))
        value = params.get(field_name)
        if field_name in files:
            filename, mime_type, data = files[field_name]
        elif isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            filename, mime_type, data = files[value[9:]]
        elif isinstance(value, str) and value in self._state.files:
            known = self._state.files[value]
            filename, mime_type, data = Path(known.file_path).name, "application/octet-stream", known.content
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        file_id, unique_id = self._store_file(data, file_path=f"{field_name}s/{next(self._ids)}_{filename}")
        media: Json = {"file_id": file_id, "file_unique_id": unique_id, "file_size": len(data)}
        if field_name == "photo":
            content["photo"] = [{**media, "width": 1280, "height": 720}]
        else:
            media.update({"file_name": filename, "mime_type": mime_type})
            content[field_name] = media
        message = self._new_bot_message(chat_id, content, params, raw_text=raw_caption, markup=markup)
        self._state.documents.append({
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "filename": filename,
            "content": data,
            "caption": content.get("caption"),
            "mime_type": mime_type,
            "file_id": file_id,
            "reply_markup": markup,
            "method": name,
        })  # fmt: skip
        return message

    def _copy_message(self, params: Json) -> Json:
        """copyMessage: the source's content (text, caption, media) as a new bot message; returns its id."""
        chat_id = self._target_chat(params)
        source = self._state.messages.get((int(params.get("from_chat_id") or 0), int(params.get("message_id") or 0)))
        if source is None or source.deleted:
            raise bad_request("message to copy not found")
        kinds = ("text", "caption", "document", "voice", "audio", "video", "video_note", "photo")
        content = {k: source.message[k] for k in kinds if k in source.message}
        message = self._new_bot_message(chat_id, content, params, raw_text=None, markup=None)
        return {"message_id": message["message_id"]}

    def _edit_message_text(self, params: Json) -> Json:
        stored = self._editable(params, "edit")
        if "text" not in stored.message:
            raise bad_request("there is no text in the message to edit")
        text, raw = _parse_text(params.get("text"), params.get("parse_mode"), limit=MAX_TEXT, what="message")
        markup = _checked_markup(params.get("reply_markup"))
        return self._apply_edit(stored, "text", text, raw, markup)

    def _edit_message_caption(self, params: Json) -> Json:
        stored = self._editable(params, "edit")
        caption, raw = _parse_text(
            params.get("caption") or None,
            params.get("parse_mode"),
            limit=MAX_CAPTION,
            what="message caption",
            empty_ok=True,
        )
        markup = _checked_markup(params.get("reply_markup"))
        return self._apply_edit(stored, "caption", caption, raw, markup)

    def _edit_message_reply_markup(self, params: Json) -> Json:
        stored = self._editable(params, "edit")
        markup = _checked_markup(params.get("reply_markup"))
        key = "text" if "text" in stored.message else "caption"
        return self._apply_edit(stored, key, stored.message.get(key), stored.raw_text, markup)

    def _apply_edit(
        self, stored: _StoredMessage, key: str, text: str | None, raw: str | None, markup: Json | None
    ) -> Json:
        inline = markup if markup and "inline_keyboard" in markup else None
        if stored.message.get(key) == text and stored.raw_text == raw and stored.message.get("reply_markup") == inline:
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        if text is None:
            stored.message.pop(key, None)
        else:
            stored.message[key] = text
        stored.raw_text = raw
        stored.raw_markup = markup
        if inline is None:
            stored.message.pop("reply_markup", None)
        else:
            stored.message["reply_markup"] = inline
        stored.message["edit_date"] = self._now()
        stored.message["_edits"] = stored.message.get("_edits", 0) + 1
        stored.cached = None
        return _public(stored.message)

    def _delete_message(self, params: Json) -> bool:
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        stored = self._state.messages.get(key)
        if stored is None or stored.deleted:
            raise bad_request("message to delete not found")
        stored.deleted = True
        stored.cached = None
        return True

    def _send_chat_action(self, params: Json) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _answer_callback_query(self, params: Json) -> bool:
        entry = self._state.callback_queries.get(str(params.get("callback_query_id")))
        if entry is None or entry["answer"] is not None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        entry["answer"] = dict(params)
        return True

    def _get_file(self, params: Json) -> Json:
        stored = self._state.files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if self.download_limit is not None and stored.size > self.download_limit:
            raise bad_request("file is too big")
        file_path = stored.file_path
        if self.local_mode and self._local_dir is not None:
            local = self._local_dir / stored.file_unique_id / Path(stored.file_path).name
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(stored.content)
            file_path = str(local)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": file_path,
        }

    def _get_chat(self, params: Json) -> Json:
        chat_id = self._chat_id(params)
        if chat_id not in self._state.chats:
            raise bad_request("chat not found")
        return {
            **self._state.chats[chat_id],
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _set_my_commands(self, params: Json) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("parameter commands must be an array of at most 100 BotCommand")
        for command in commands:
            if not _COMMAND_NAME.match(str(command.get("command", "")).lstrip("/")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._state.commands[key] = [dict(c) for c in commands]
        return True

    def _get_my_commands(self, params: Json) -> list[Json]:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return list(self._state.commands.get(key, []))

    def _delete_my_commands(self, params: Json) -> bool:
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._state.commands.pop(key, None)
        return True

    # --- helpers (called with the lock held)

    def _now(self) -> int:
        return int(self._clock())

    def _store_file(self, content: bytes, *, file_path: str | None = None, size: int | None = None) -> tuple[str, str]:
        n = next(self._ids)
        file_id = f"BQACAgIAAxkBAAI-fake-{n:06d}"
        unique_id = f"AgAD-fake-{n:06d}"
        path = file_path or f"documents/file_{n}"
        stored = _StoredFile(file_id, unique_id, content, path, len(content) if size is None else size)
        self._state.files[file_id] = stored
        self._state.files_by_path[path] = stored
        return file_id, unique_id

    def _media(self, file_id: str, size: int, **extra: Any) -> Json:
        with self._cond:
            known = self._state.files.get(file_id)
        unique_id = known.file_unique_id if known else f"AgAD-unknown-{file_id[-12:]}"
        media: Json = {"file_id": file_id, "file_unique_id": unique_id, "file_size": size}
        media.update({k: v for k, v in extra.items() if v is not None})
        return media

    def _user(self, user_id: int, first_name: str | None = None) -> Json:
        user = self._state.users.get(user_id)
        if user is None or (first_name and user["first_name"] != first_name):
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name or f"User {user_id}",
                "language_code": "vi",
            }
            self._state.users[user_id] = user
        return dict(user)

    def _chat(self, chat_id: int, *, first_name: str | None = None, title: str | None = None) -> Json:
        chat = self._state.chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                chat = {"id": chat_id, "type": "private", "first_name": first_name or f"User {chat_id}"}
            else:
                kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
                chat = {"id": chat_id, "type": kind, "title": title or f"Group {chat_id}"}
            self._state.chats[chat_id] = chat
        return dict(chat)

    def _next_message_id(self, chat_id: int) -> int:
        self._state.last_message_id[chat_id] = self._state.last_message_id.get(chat_id, 0) + 1
        return self._state.last_message_id[chat_id]

    def _user_message(
        self, user_id: int, content: Json, *, first_name: str | None = None, chat_id: int | None = None
    ) -> int:
        with self._cond:
            user = self._user(user_id, first_name)
            chat = self._chat(user_id if chat_id is None else chat_id, first_name=user["first_name"])
            message: Json = {
                "message_id": self._next_message_id(chat["id"]),
                "from": user,
                "chat": chat,
                "date": self._now(),
            }
            reply_to = content.pop("_reply_to", None)
            if reply_to is not None:
                message["reply_to_message"] = _public(self._state.messages[(chat["id"], reply_to)].message)
            message.update(content)
            self._state.messages[(chat["id"], message["message_id"])] = _StoredMessage(message, from_bot=False)
            return self.push_update({"message": message})

    def _chat_id(self, params: Json) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        return chat_id

    def _target_chat(self, params: Json) -> int:
        chat_id = self._chat_id(params)
        if chat_id in self._state.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self.strict_chats and chat_id not in self._state.chats:
            raise bad_request("chat not found")
        return chat_id

    def _editable(self, params: Json, verb: str) -> _StoredMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        stored = self._state.messages.get(key)
        if stored is None or stored.deleted:
            raise bad_request(f"message to {verb} not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    def _new_bot_message(
        self, chat_id: int, content: Json, params: Json, *, raw_text: str | None, markup: Json | None
    ) -> Json:
        chat = self._chat(chat_id)
        message: Json = {
            "message_id": self._next_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": chat,
            "date": self._now(),
            **content,
        }
        reply = params.get("reply_parameters") or (
            {"message_id": params["reply_to_message_id"]} if params.get("reply_to_message_id") else None
        )
        if isinstance(reply, dict) and reply.get("message_id"):
            replied = self._state.messages.get((int(reply.get("chat_id") or chat_id), int(reply["message_id"])))
            if replied is not None and not replied.deleted:
                message["reply_to_message"] = _public(replied.message)
            elif not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        stored = _StoredMessage(message, from_bot=True, raw_text=raw_text, raw_markup=markup)
        self._state.messages[(chat_id, message["message_id"])] = stored
        self._state.sent.append((chat_id, message["message_id"]))
        return _public(message)

    def _snapshot(self, stored: _StoredMessage) -> Json:
        if stored.cached is None:  # tests poll these many times a second: copy once per change
            snapshot = json.loads(json.dumps(stored.message))
            snapshot["edits"] = snapshot.pop("_edits", 0)
            snapshot["deleted"] = stored.deleted
            snapshot["raw_text"] = stored.raw_text
            if stored.raw_markup is not None:
                snapshot["reply_markup"] = json.loads(json.dumps(stored.raw_markup))
            stored.cached = snapshot
        return dict(stored.cached)


_HANDLERS: dict[str, Callable[[FakeBotApi, Json], Any]] = {
    "getme": FakeBotApi._get_me,
    "setwebhook": FakeBotApi._set_webhook,
    "deletewebhook": FakeBotApi._delete_webhook,
    "getwebhookinfo": FakeBotApi._get_webhook_info,
    "sendmessage": FakeBotApi._send_message,
    "copymessage": FakeBotApi._copy_message,
    "editmessagetext": FakeBotApi._edit_message_text,
    "editmessagecaption": FakeBotApi._edit_message_caption,
    "editmessagereplymarkup": FakeBotApi._edit_message_reply_markup,
    "deletemessage": FakeBotApi._delete_message,
    "sendchataction": FakeBotApi._send_chat_action,
    "answercallbackquery": FakeBotApi._answer_callback_query,
    "getfile": FakeBotApi._get_file,
    "getchat": FakeBotApi._get_chat,
    "setmycommands": FakeBotApi._set_my_commands,
    "getmycommands": FakeBotApi._get_my_commands,
    "deletemycommands": FakeBotApi._delete_my_commands,
}


# --------------------------------------------------------------------------------- pure helpers


def _public(message: Json) -> Json:
    """The Message JSON as Telegram returns it (without the fake's bookkeeping keys)."""
    return {k: json.loads(json.dumps(v)) for k, v in message.items() if not k.startswith("_")}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _scope_key(scope: Any) -> str:
    if not scope:
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True)


def _parse_text(
    text: Any, parse_mode: Any, *, limit: int, what: str, empty_ok: bool = False
) -> tuple[str | None, str | None]:
    """Check and parse a text/caption like Telegram; returns (shown text, raw text if formatted)."""
    if text is None or text == "":
        if empty_ok:
            return None, None
        raise bad_request(f"{what} text is empty")
    raw = str(text)
    mode = str(parse_mode or "")
    if mode.lower() == "html":
        shown = _parse_html(raw)
    elif mode.lower() == "markdownv2":
        shown = _parse_markdown_v2(raw)
    elif mode.lower() == "markdown":
        shown = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", raw).replace("*", "").replace("_", "").replace("`", "")
    elif mode:
        raise bad_request(f"unsupported parse_mode {mode!r}")
    else:
        shown = raw
    if not shown.strip():
        raise bad_request(f"{what} text is empty")
    if len(shown) > limit:
        raise bad_request(f"{what} is too long")
    return shown, (raw if mode else None)


def _parse_html(raw: str) -> str:  # noqa: PLR0912 - one character scanner
    """Telegram's HTML parse mode: supported tags only, balanced, ``<`` always escaped."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(raw):
        char = raw[pos]
        if char == "<":
            match = _HTML_TAG.match(raw, pos)
            offset = len(raw[:pos].encode("utf-8"))
            if match is None:
                raise bad_request(f'can\'t parse entities: Unsupported start tag "" at byte offset {offset}')
            closing, name = match.group(1), match.group(2).lower()
            if name not in _HTML_TAGS:
                raise bad_request(f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}')
            if closing:
                if not stack or stack[-1] != name:
                    raise bad_request(f"can't parse entities: Unexpected end tag at byte offset {offset}")
                stack.pop()
            else:
                stack.append(name)
            pos = match.end()
        elif char == ">":
            out.append(">")
            pos += 1
        elif char == "&":
            match = _HTML_ENTITY.match(raw, pos)
            if match is None:
                out.append("&")
                pos += 1
            else:
                out.append(html.unescape(match.group(0)))
                pos = match.end()
        else:
            out.append(char)
            pos += 1
    if stack:
        raise bad_request(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


def _parse_markdown_v2(raw: str) -> str:
    """Telegram's MarkdownV2: reserved characters outside markup must be escaped with ``\\``."""
    out: list[str] = []
    pos = 0
    in_code = False
    while pos < len(raw):
        char = raw[pos]
        if char == "\\" and pos + 1 < len(raw):
            out.append(raw[pos + 1])
            pos += 2
            continue
        if char == "`":
            fence = 3 if raw.startswith("```", pos) else 1
            in_code = not in_code
            pos += fence
            continue
        if not in_code:
            if char in _MDV2_ALWAYS_ESCAPED or (char == ">" and pos > 0 and raw[pos - 1] != "\n"):
                raise bad_request(
                    f"can't parse entities: Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            if char in "*_~|[]":
                pos += 1
                continue
            if char == "(" and out and raw[pos - 1] == "]":
                end = raw.find(")", pos)
                pos = len(raw) if end < 0 else end + 1
                continue
        out.append(char)
        pos += 1
    return "".join(out)


def _checked_markup(markup: Any) -> Json | None:
    """Validate a reply_markup like Telegram (inline buttons especially)."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            if not str(button.get("text") or "").strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            actions = set(button) - {"text"}
            if not actions:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if "callback_data" in button and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return markup


def _parse_query(query: str) -> Json:
    return _typed(dict(urllib.parse.parse_qsl(query, keep_blank_values=True)))


def _parse_body(content_type: str, body: bytes) -> tuple[Json, dict[str, tuple[str, str, bytes]]]:
    """Decode a Bot API request body: form, JSON or multipart (files: name -> (filename, type, bytes))."""
    if not body:
        return {}, {}
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise bad_request("can't parse JSON request body") from exc
        return _typed(data if isinstance(data, dict) else {}), {}
    if mime == "multipart/form-data":
        match = re.search(r'boundary="?([^";]+)"?', content_type)
        if match is None:
            raise bad_request("multipart body without boundary")
        fields, files = _parse_multipart(body, match.group(1).encode("latin-1"))
        return _typed(fields), files
    text = body.decode("utf-8", "replace")
    return _typed(dict(urllib.parse.parse_qsl(text, keep_blank_values=True))), {}


def _unquote_param(value: str) -> str:
    """Undo httpx's HTML5 form encoding of a Content-Disposition parameter."""
    value = re.sub(r"%([01][0-9A-Fa-f]|22)", lambda m: chr(int(m.group(1), 16)), value)
    return value.replace("\\\\", "\\")


def _parse_multipart(body: bytes, boundary: bytes) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    delimiter = b"--" + boundary
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        part = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n")
        head, _, data = part.partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'(?:^|;)\s*name="((?:[^"\\]|\\.)*)"', disposition)
        if name_match is None:
            continue
        name = _unquote_param(name_match.group(1))
        file_match = re.search(r'(?:^|;)\s*filename="((?:[^"\\]|\\.)*)"', disposition)
        if file_match is None:
            fields[name] = data.decode("utf-8", "replace")
        else:
            mime_type = headers.get("content-type", "application/octet-stream")
            files[name] = (_unquote_param(file_match.group(1)), mime_type, data)
    return fields, files


def _typed(params: dict[str, Any]) -> Json:
    """Turn form strings into what they mean: ints, bools and the JSON-encoded objects."""
    out: Json = {}
    for key, value in params.items():
        out[key] = value
        if not isinstance(value, str):
            continue
        if key in _INT_FIELDS:
            with contextlib.suppress(ValueError):
                out[key] = int(value)
        elif key in _BOOL_FIELDS and value.lower() in {"true", "false"}:
            out[key] = value.lower() == "true"
        elif key in _JSON_FIELDS:
            try:
                out[key] = json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {key} JSON object") from exc
    return out


def _json_response(body: Json, status: int) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------------- HTTP plumbing


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.track(self.connection, add=False)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, http_method: str) -> None:
        body = self._read_body()
        status, content_type, payload = self.server.api._handle(http_method, self.path, self.headers, body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout, cancelled long poll)
            self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the request log: its lines carry the token in the path."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the stdlib default of 5 resets connections when 20 chats send at once
    block_on_close = False

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self._connections: set[socket.socket] = set()
        self._conn_threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._process_and_forget, args=(request, client_address), name="fake-bot-api-conn", daemon=True
        )
        with self._lock:
            self._conn_threads.add(thread)
        thread.start()

    def _process_and_forget(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._conn_threads.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connections dropped by the client are normal here; stay quiet (no token in tracebacks)."""

    def close_connections(self, timeout: float) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in self._snapshot_threads():
            thread.join(max(0.0, deadline - time.monotonic()))

    def _snapshot_threads(self) -> Iterator[threading.Thread]:
        with self._lock:
            threads = list(self._conn_threads)
        yield from threads
