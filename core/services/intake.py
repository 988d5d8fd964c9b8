"""Use cases: accept notes and recordings, and process them in the work queue.

Intake is quick and runs on the bot's event loop: it validates what came, records the
meeting and queues it in one transaction (the same Telegram update twice makes one meeting).
Processing is slow and runs in the worker thread, one meeting at a time: read or transcribe,
then extract, reporting each stage. A failure is stored on the meeting with a Vietnamese
message; nothing already accepted is lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.domain import Transcript, TranscriptionProgress
from core.errors import InputError, KetluanError
from core.records import Job, Meeting, MeetingState, SourceFile
from core.services.documents import format_size, read_document
from core.services.extraction import ExtractionService
from core.services.transcription import MEDIA_SUFFIXES, TranscriptionService
from nlp.transcribe import TranscriptionCancelled
from storage.meetings import MeetingRepository
from storage.workqueue import CANCELLED, DONE, FAILED, QUEUED, WorkQueue

logger = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = frozenset({".txt", ".docx", ".pdf"})
MIN_NOTE_CHARS = 40  # shorter texts are chat, not meeting notes
CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # what the cloud Bot API lets a bot download


class Stage:
    """Stages a meeting goes through (shown on its status message)."""

    QUEUED = "queued"
    DOWNLOADING = "downloading"
    READING = "reading"
    TRANSCRIBING = "transcribing"
    EXTRACTING = "extracting"
    READY = "ready"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class WorkStatus:
    """Where a meeting's processing is, for its status message."""

    meeting_id: int
    stage: str
    fraction: float | None = None  # of the transcription
    eta_s: float | None = None
    position: int | None = None  # jobs ahead in the queue
    message: str | None = None  # the error of a failed meeting


@dataclass(frozen=True, slots=True)
class Submission:
    """A meeting accepted for processing."""

    meeting: Meeting
    new: bool  # False when the same update was delivered again
    position: int | None  # jobs ahead of it in the queue


def kind_of(file_name: str, mime_type: str | None) -> str | None:
    """``"media"`` for recordings, ``"document"`` for notes, None for what the bot cannot read."""
    suffix = Path(file_name).suffix.lower()
    if suffix in MEDIA_SUFFIXES or (mime_type or "").startswith(("audio/", "video/")):
        return "media"
    if suffix in DOCUMENT_SUFFIXES:
        return "document"
    return None


@dataclass(frozen=True, slots=True)
class IntakeService:
    """Validates incoming notes and files and queues them as meetings."""

    meetings: MeetingRepository
    queue: WorkQueue
    max_download_bytes: int  # the Bot API's download limit (20 MB on the cloud API)
    max_input_bytes: int  # largest notes file accepted

    def submit_text(self, *, user_id: int, chat_id: int, update_id: int | None, text: str) -> Submission:
        """Accept typed or forwarded notes.

        Raises:
            InputError: the text is too short to be meeting notes.
        """
        if len(text.strip()) < MIN_NOTE_CHARS:
            raise InputError(
                "Tin nhắn quá ngắn để là ghi chú cuộc họp. Hãy gửi toàn văn ghi chú, tệp .docx/.pdf/.txt "
                "hoặc bản ghi âm; gõ /help để xem hướng dẫn.",
                detail=f"text of {len(text.strip())} characters is not notes",
            )
        meeting, new = self.meetings.create(
            created_by=user_id, chat_id=chat_id, source_kind="text", update_id=update_id, text=text
        )
        return Submission(meeting, new, self.queue.position(meeting.id))

    def submit_file(self, *, user_id: int, chat_id: int, update_id: int | None, source: SourceFile) -> Submission:
        """Accept a notes file or a recording; checks its type and size before anything is downloaded.

        Raises:
            InputError: not a kind of file the bot reads, or larger than the Bot API lets a bot download.
        """
        kind = kind_of(source.file_name, source.mime_type)
        if kind is None:
            raise InputError(
                f"Không đọc được tệp {source.file_name}. Hãy gửi ghi chú dạng .docx, .pdf, .txt, "
                "hoặc bản ghi âm/ghi hình (tin nhắn thoại, .m4a, .mp3, .wav, .ogg, .mp4…).",
                detail=f"unsupported file type {Path(source.file_name).suffix!r} {source.mime_type!r}",
            )
        limit = self.max_download_bytes if kind == "media" else min(self.max_download_bytes, self.max_input_bytes)
        if source.size is not None and source.size > limit:
            raise InputError(
                f"Tệp {source.file_name} ({format_size(source.size)}) vượt giới hạn {format_size(limit)} mà bot "
                "được tải về. Hãy gửi bản ghi ngắn hơn hoặc nén nhỏ hơn (ví dụ ghi âm dạng tin nhắn thoại, "
                "hoặc chia thành nhiều phần), hoặc nhờ quản trị viên dùng máy chủ Bot API riêng "
                "(README, mục «Large files») để nhận tệp đến 2 GB.",
                detail=f"file of {source.size} bytes over the download limit {limit}",
            )
        meeting, new = self.meetings.create(
            created_by=user_id, chat_id=chat_id, source_kind=kind, update_id=update_id, source=source
        )
        return Submission(meeting, new, self.queue.position(meeting.id))


def sha256_of(path: Path) -> str:
    """The sha256 of a stored file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class ProcessingService:
    """Turns a queued meeting into a proposal for review (in the worker thread)."""

    meetings: MeetingRepository
    queue: WorkQueue
    extraction: ExtractionService
    transcription: Callable[[], TranscriptionService]  # loads the speech model on first use
    files_dir: Path
    max_input_bytes: int
    timezone: dt.tzinfo  # the organisation's: yearless dates are read against the local day received
    _speech: TranscriptionService | None = field(default=None, init=False, repr=False)

    def resume(self) -> int:
        """At start-up: jobs a previous process left running go back to the queue; returns how many."""
        count = self.queue.requeue_interrupted()
        if count:
            logger.info("requeued interrupted jobs", extra={"jobs": count})
        return count

    def next_job(self) -> Job | None:
        """Claim the next queued job, or None."""
        return self.queue.claim()

    def finish(self, job: Job, status: WorkStatus) -> None:
        """Settle a job with the outcome of :meth:`process` (a failed download fails its meeting too)."""
        state = {Stage.READY: DONE, Stage.CANCELLED: CANCELLED}.get(status.stage, FAILED)
        if state == FAILED:
            self.meetings.set_state(job.meeting_id, MeetingState.FAILED, error=status.message)
        self.queue.finish(job.id, state, status.message)

    def interrupt(self, job: Job) -> None:
        """Put a job stopped by a shutdown back in the queue (its transcription resumes from the checkpoint)."""
        self.queue.finish(job.id, QUEUED)
        self.meetings.set_state(job.meeting_id, MeetingState.QUEUED)

    def cancel_queued(self, meeting_id: int) -> bool:
        """Cancel a meeting still waiting in the queue; False when it is not waiting."""
        if not self.queue.cancel(meeting_id):
            return False
        self.meetings.set_state(meeting_id, MeetingState.CANCELLED)
        return True

    def waiting(self) -> list[WorkStatus]:
        """Queued meetings with their queue positions (to refresh their status messages)."""
        statuses = []
        for job in self.queue.jobs(state=QUEUED):
            statuses.append(WorkStatus(job.meeting_id, Stage.QUEUED, position=self.queue.position(job.meeting_id)))
        return statuses

    def file_path(self, meeting_id: int, source: SourceFile) -> Path:
        """Where the meeting's source file is stored."""
        return self.files_dir / f"{meeting_id}{Path(source.file_name).suffix.lower()}"

    def stored(self, meeting_id: int, path: Path) -> None:
        """Record a downloaded source file (its sha256 with it)."""
        self.meetings.set_source_path(meeting_id, str(path), sha256_of(path))

    def process(
        self,
        meeting_id: int,
        *,
        report: Callable[[WorkStatus], None],
        cancel: Callable[[], bool] = lambda: False,
    ) -> WorkStatus:
        """Read or transcribe the meeting's source, extract, and open the review.

        Returns:
            The final status: ready, failed (with the Vietnamese reason) or cancelled.
        """
        self.meetings.set_state(meeting_id, MeetingState.WORKING)
        started = time.perf_counter()
        try:
            text = self._text(meeting_id, report, cancel)
            report(WorkStatus(meeting_id, Stage.EXTRACTING))
            meeting = self.meetings.get(meeting_id)
            extraction = self.extraction.extract_text(
                text,
                meeting_date=meeting.meeting_date if meeting else None,
                received=meeting.received_on(self.timezone) if meeting else None,
            )
        except TranscriptionCancelled:
            self.meetings.set_state(meeting_id, MeetingState.CANCELLED)
            return WorkStatus(meeting_id, Stage.CANCELLED)
        except KetluanError as exc:
            logger.warning("meeting processing failed", extra={"meeting": meeting_id, "detail": exc.detail})
            self.meetings.set_state(meeting_id, MeetingState.FAILED, error=exc.message)
            return WorkStatus(meeting_id, Stage.FAILED, message=exc.message)
        self.meetings.save_extraction(meeting_id, extraction)
        logger.info(
            "meeting processed",
            extra={"meeting": meeting_id, "duration_s": round(time.perf_counter() - started, 2)},
        )
        return WorkStatus(meeting_id, Stage.READY)

    def _text(self, meeting_id: int, report: Callable[[WorkStatus], None], cancel: Callable[[], bool]) -> str:
        text = self.meetings.text(meeting_id)
        if text is not None:
            return text
        source = self.meetings.source(meeting_id)
        if source is None or source.path is None:
            raise KetluanError("Không tìm thấy tệp của cuộc họp.", detail=f"meeting {meeting_id} has no stored source")
        path = Path(source.path)
        if kind_of(source.file_name, source.mime_type) == "document":
            report(WorkStatus(meeting_id, Stage.READING))
            text = read_document(path, max_bytes=self.max_input_bytes)
            self.meetings.save_text(meeting_id, text)
            return text
        transcript = self._transcribe(meeting_id, path, report, cancel)
        text = self.extraction.normalize_speech(transcript.text)  # the text reviewed and quoted
        self.meetings.save_text(meeting_id, text, transcript)
        return text

    def _transcribe(
        self, meeting_id: int, path: Path, report: Callable[[WorkStatus], None], cancel: Callable[[], bool]
    ) -> Transcript:
        report(WorkStatus(meeting_id, Stage.TRANSCRIBING, fraction=0.0))
        if self._speech is None:
            self._speech = self.transcription()

        def progress(p: TranscriptionProgress) -> None:
            report(WorkStatus(meeting_id, Stage.TRANSCRIBING, fraction=p.fraction, eta_s=p.eta_s))

        transcript = self._speech.transcribe_file(path, progress=progress, cancel=cancel)
        if not transcript.segments:
            raise InputError(
                "Không nhận ra lời nói nào trong bản ghi (có thể chỉ có khoảng lặng).",
                detail="empty transcript",
            )
        return transcript
