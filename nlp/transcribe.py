"""Speech to text with faster-whisper: long recordings window by window, with quality guards.

The model is built once by :func:`nlp.whisper_model.load_model` and passed in. A recording is
decoded a window at a time (:func:`nlp.audio.iter_windows`, about 5 minutes; each window ends
in a pause), so memory does not grow with its length. Each window goes through the model with
``condition_on_previous_text=False`` (faster and more accurate on Vietnamese, platform-notes
§1); segments stream out as they are produced, a run resumed from the saved segments gives
the transcript an uninterrupted run gives, and the guards below drop or flag the known
failure modes of Whisper: YouTube-style outros, repetition loops and text invented over silence.

Deterministic decoding. Where a 30-second chunk decodes badly, Whisper falls back to sampling
at higher temperatures (it helps accuracy, so it stays on). CTranslate2 samples from one random
generator per worker thread, seeded from ``ctranslate2.set_random_seed`` *when that thread
first samples* and never again: seeding before each window does nothing to a model that has
already sampled (measured with CTranslate2 4.8). So a window's random draws would depend on
every window before it, and a run resumed at window *k* would not sample as the uninterrupted
run did. Given ``reload`` (a function that builds the model again with the same settings), the
transcriber therefore, before every window, frees the model, builds a fresh one and sets the
seed to one derived from the window's start time alone (:func:`window_seed`); the fresh model's
worker thread seeds its generator from it when it first samples. Each window then decodes the
same way whatever came before it: same samples, same seed, same result, and a resumed
transcript equals the uninterrupted one exactly. That costs one model load per window (about
0.3-0.5 s per 5 minutes of audio for Whisper base); the freed model's memory is handed back to
the system (:func:`_trim_heap`) so that memory stays flat. Two more conditions: the same number
of CPU threads (float sums change with it), and one transcription at a time in the process (the
seed is process-wide). Without ``reload`` the seed is still set before each window, which only
makes a model that has not sampled yet repeatable (the first window in a fresh process).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import re
import sys
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.domain import Transcript, TranscriptionProgress, TranscriptSegment
from core.errors import KetluanError
from nlp.audio import SAMPLE_RATE, iter_windows, probe
from nlp.whisper_model import SpeechModel

logger = logging.getLogger(__name__)

# Known hallucinations of Whisper on Vietnamese audio (YouTube outros, subtitle credits).
# Matched case-insensitively on NFC text; a short segment that contains one is dropped.
HALLUCINATION_PATTERNS: tuple[str, ...] = (
    r"\bsubscribe\b",
    r"đăng\s+k[ýí]\s+(cho\s+)?kênh",
    r"cảm\s+ơn\s+(các\s+bạn|quý\s+vị|mọi\s+người)\s+đã\s+(theo\s+dõi|xem)",
    r"la\s*la\s+school",
    r"ghiền\s+mì\s+gõ",
    r"nhấn\s+(nút\s+)?(like|chuông)",
    r"bấm\s+(nút\s+)?(like|chuông|đăng\s+k[ýí])",
    r"để\s+không\s+bỏ\s+lỡ\s+(những|các)\s+video",
    r"hẹn\s+gặp\s+lại\s+(các\s+bạn\s+)?trong\s+(những\s+|các\s+)?(video|tập)",
    r"phụ\s+đề\s+(được\s+)?(thực\s+hiện|tạo|làm)\s+bởi",
    r"amara\.org",
)
HALLUCINATION_MAX_WORDS = 30  # a longer segment with such a phrase is kept, flagged
# With a low avg_logprob a high no_speech_prob means text invented over silence: dropped, as
# faster-whisper's own no_speech_threshold/log_prob_threshold do. With VAD the silence is gone
# already and these segments are often real speech Whisper is unsure of (espeak-ng's voice scores
# no_speech_prob 0.9 throughout): the transcriber then keeps them, flagged.
NO_SPEECH_PROB = 0.6
NO_SPEECH_LOGPROB = -1.0
LOW_CONFIDENCE_LOGPROB = -1.0  # kept, flagged "low_confidence"
LOOP_MAX_N = 6  # longest n-gram looked at for repetition loops
LOOP_MIN_REPEATS = {1: 4, 2: 4}  # consecutive repeats that make a loop; 3 for longer n-grams
LOOP_MIN_REPEATS_LONG = 3

_HALLUCINATIONS = tuple(re.compile(pattern, re.IGNORECASE) for pattern in HALLUCINATION_PATTERNS)
_WORD = re.compile(r"\w+")

# Reasons a segment is dropped or flagged (the ``flagged`` field, comma-separated).
HALLUCINATION = "hallucination"
REPETITION = "repetition"
NO_SPEECH = "no_speech"
LOW_CONFIDENCE = "low_confidence"
EMPTY = "empty"


class TranscriptionCancelled(KetluanError):
    """The transcription was cancelled by the caller (the segments so far were handed out)."""

    def __init__(self, *, done_s: float = 0.0) -> None:
        """Create the error.

        Args:
            done_s: Seconds of audio transcribed before the cancellation.
        """
        super().__init__(
            "Đã huỷ việc chuyển giọng nói thành văn bản.",
            detail=f"transcription cancelled after {done_s:.1f} s of audio",
        )
        self.done_s = done_s


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the guards decided about one segment."""

    keep: bool
    text: str  # the text to keep (a repetition loop collapsed to one occurrence)
    reason: str | None  # why it was dropped, or why a kept segment is flagged


def normalize_for_compare(text: str) -> str:
    """NFC, lower case, words only: the form two segments are compared in."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def match_hallucination(text: str) -> str | None:
    """Return the first known hallucination pattern found in ``text``, or None."""
    folded = unicodedata.normalize("NFC", text).casefold()
    for pattern in _HALLUCINATIONS:
        if pattern.search(folded):
            return pattern.pattern
    return None


def find_loop(words: list[str]) -> tuple[int, int, int] | None:
    """Find the longest run of one n-gram repeated back to back.

    Args:
        words: The segment's words (compared as given).

    Returns:
        ``(start, n, repeats)`` of the run covering the most words, or None when no n-gram
        (n up to :data:`LOOP_MAX_N`) repeats often enough to be a loop.
    """
    best: tuple[int, int, int] | None = None
    for n in range(1, LOOP_MAX_N + 1):
        needed = LOOP_MIN_REPEATS.get(n, LOOP_MIN_REPEATS_LONG)
        start = 0
        while start + n * needed <= len(words):
            gram = words[start : start + n]
            repeats = 1
            while words[start + repeats * n : start + (repeats + 1) * n] == gram:
                repeats += 1
            if repeats >= needed and (best is None or n * repeats > best[1] * best[2]):
                best = (start, n, repeats)
            start += n * repeats if repeats >= needed else 1
    return best


def collapse_loops(text: str) -> str:
    """Replace each repetition loop in ``text`` by one occurrence (the last) of the repeated words."""
    words = text.split()
    changed = False
    while (loop := find_loop([normalize_for_compare(word) for word in words])) is not None:
        start, n, repeats = loop
        words = words[:start] + words[start + n * (repeats - 1) :]  # keep the last: it has the punctuation
        changed = True
    return " ".join(words) if changed else text


def judge_segment(
    text: str, *, avg_logprob: float, no_speech_prob: float, previous: Iterable[str] = (), drop_no_speech: bool = True
) -> Verdict:
    """Decide whether to keep a recognised segment, and flag it if it is suspicious.

    Args:
        text: The segment's text.
        avg_logprob: The recogniser's average log probability of the tokens.
        no_speech_prob: The recogniser's probability that the stretch holds no speech.
        previous: The normalised texts of the two segments before it
            (see :func:`normalize_for_compare`).
        drop_no_speech: Drop a segment that is probably not speech; False flags it instead.

    Returns:
        The verdict: dropped with a reason, or kept with its (possibly collapsed) text and
        the comma-separated flags, if any.
    """
    stripped = " ".join(text.split())
    if not _WORD.search(stripped):
        return Verdict(keep=False, text=stripped, reason=EMPTY)
    flags: list[str] = []
    if no_speech_prob >= NO_SPEECH_PROB and avg_logprob < NO_SPEECH_LOGPROB:
        if drop_no_speech:
            return Verdict(keep=False, text=stripped, reason=NO_SPEECH)
        flags.append(NO_SPEECH)
    if match_hallucination(stripped) is not None:
        if len(stripped.split()) <= HALLUCINATION_MAX_WORDS:
            return Verdict(keep=False, text=stripped, reason=HALLUCINATION)
        flags.append(HALLUCINATION)
    recent = list(previous)
    if len(recent) >= 2 and all(item == normalize_for_compare(stripped) for item in recent[-2:]):  # noqa: PLR2004
        return Verdict(keep=False, text=stripped, reason=REPETITION)
    collapsed = collapse_loops(stripped)
    if collapsed != stripped:
        flags.append(REPETITION)
    if avg_logprob < LOW_CONFIDENCE_LOGPROB:
        flags.append(LOW_CONFIDENCE)
    return Verdict(keep=True, text=collapsed, reason=",".join(flags) or None)


class SegmentGuard:
    """:func:`judge_segment` over a stream of segments, remembering the last two texts."""

    def __init__(self, previous: Iterable[str] = (), *, drop_no_speech: bool = True) -> None:
        """Start a guard, optionally after segments already kept (a resumed transcription)."""
        self._drop_no_speech = drop_no_speech
        self._recent: deque[str] = deque((normalize_for_compare(text) for text in previous), maxlen=2)

    def judge(self, text: str, *, avg_logprob: float, no_speech_prob: float) -> Verdict:
        """Judge the next segment (see :func:`judge_segment`) and remember its text."""
        verdict = judge_segment(
            text,
            avg_logprob=avg_logprob,
            no_speech_prob=no_speech_prob,
            previous=self._recent,
            drop_no_speech=self._drop_no_speech,
        )
        self._recent.append(normalize_for_compare(text))
        return verdict


CUT_SEARCH_S = 30.0  # a window ends at the quietest moment of its last 30 seconds
QUIET_S = 0.5  # length of the stretch whose energy is measured
RESUME_TOLERANCE_S = 0.002  # segment times are rounded to milliseconds
PROGRESS_EVERY_S = 1.0  # at most one progress call per second
DEFAULT_SEED = 1234  # base of the per-window seeds of CTranslate2's sampling


def window_seed(seed: int, offset_s: float) -> int:
    """The random seed for the window that starts ``offset_s`` seconds into the file.

    It depends on the base ``seed`` and the window's start (to the millisecond) only, so an
    uninterrupted run and a run resumed at that window seed it alike.
    """
    return (seed * 1_000_003 + round(offset_s * 1000)) % 2**32


def _seed_ctranslate2(seed: int) -> None:
    """Set CTranslate2's seed for random generators not yet seeded (see the module docstring)."""
    ctranslate2 = sys.modules.get("ctranslate2")
    if ctranslate2 is not None:  # not imported: no CTranslate2 model in this process samples
        ctranslate2.set_random_seed(seed)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD = 1 << 20  # allocations from 1 MiB up get their own mapping, returned whole when freed


def _fix_mmap_threshold() -> None:
    """Serve large allocations by ``mmap`` for good (``mallopt(M_MMAP_THRESHOLD)``; glibc only).

    glibc raises its mmap threshold each time a large mapped block is freed (up to 32 MiB), after
    which the next model's tensors come from the heap and the freed ones stay resident there as
    fragments: RSS climbed window after window when models were rebuilt per window. A fixed
    threshold keeps every tensor in its own mapping, handed back when the model is freed.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def _trim_heap() -> None:
    """Hand freed heap memory back to the system (glibc's ``malloc_trim``; nothing elsewhere).

    glibc keeps what a thread frees in that thread's arena; a rebuilt model computes on new
    threads, so without this the freed models' memory stayed resident and RSS grew by about
    200 MB a window (measured: 290 → 980 MB over two 5-minute windows, flat with it).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return
    trim(0)


class _Progress:
    """Throttled progress reports with an ETA from the speed so far."""

    def __init__(
        self,
        callback: Callable[[TranscriptionProgress], None] | None,
        *,
        total_s: float,
        start_s: float,
        clock: Callable[[], float],
    ) -> None:
        self._callback = callback
        self._total = total_s
        self._start = start_s
        self._clock = clock
        self._began = clock()
        self._last_call: float | None = None
        self.done = start_s

    def advance(self, done_s: float, *, force: bool = False) -> None:
        self.done = min(self._total, max(self.done, done_s))
        if self._callback is None:
            return
        now = self._clock()
        if not force and self._last_call is not None and now - self._last_call < PROGRESS_EVERY_S:
            return
        self._last_call = now
        elapsed = now - self._began
        worked = self.done - self._start
        eta = (self._total - self.done) * elapsed / worked if worked > 0 and elapsed > 0 else None
        self._callback(TranscriptionProgress(done_s=self.done, total_s=self._total, eta_s=eta))


class Transcriber:
    """Transcribe recordings with one model loaded once (faster-whisper's ``WhisperModel``).

    The audio goes through the model one window at a time, each read afresh from the file
    (seek, decode). A window ends at the quietest half second of its last 30 seconds, so
    words are not cut at its edge, and where it ends depends on the audio alone. Segments
    are handed to ``on_segment`` as they come. A run resumed from the saved segments finds
    the window they stopped in, transcribes it again (the same samples and, with ``reload``,
    the same random seed, so the same segments even where Whisper fell back to sampling),
    skips what was saved and goes on: the transcript is the one an uninterrupted run gives,
    and a kill costs at most one window.
    """

    def __init__(  # noqa: PLR0913 - keyword-only settings, each with a default
        self,
        model: SpeechModel,
        *,
        language: str | None = "vi",
        beam_size: int = 5,
        vad: bool = True,
        window_s: float = 300.0,
        model_name: str = "base",
        options: Mapping[str, Any] | None = None,
        reload: Callable[[], SpeechModel] | None = None,
    ) -> None:
        """Set up the transcriber.

        Args:
            model: The loaded model (:func:`nlp.whisper_model.load_model`).
            language: Language code, or None to let the model detect it.
            beam_size: Beam size for decoding.
            vad: Skip silence with the Silero voice activity detector.
            window_s: Seconds of audio decoded and transcribed at a time (memory is bounded by it).
            model_name: Name recorded in the transcript.
            options: More keyword arguments for ``WhisperModel.transcribe``.
            reload: Builds the model again with the same settings (``lambda: load_model(...)``
                with the arguments ``model`` was loaded with). Given, every window is decoded by
                a freshly built model seeded for that window, which makes Whisper's sampling
                fallback repeatable and a resumed transcript exactly the uninterrupted one
                (see the module docstring). Without it, runs where the fallback samples differ.

        Raises:
            ValueError: ``window_s`` is not longer than the 30 seconds searched for a pause.
        """
        if window_s <= CUT_SEARCH_S:
            msg = f"window_s must be longer than {CUT_SEARCH_S:g} s, not {window_s}"
            raise ValueError(msg)
        self._model: SpeechModel | None = model
        self._reload = reload
        if reload is not None:
            _fix_mmap_threshold()
        self.seed = DEFAULT_SEED  # base of the per-window seeds (:func:`window_seed`)
        self.language = language
        self.beam_size = beam_size
        self.vad = vad
        self.window_s = window_s
        self.model_name = model_name
        self._decoding: dict[str, Any] = {
            "language": language,
            "beam_size": beam_size,
            "vad_filter": vad,
            "condition_on_previous_text": False,
            # VAD has removed the silence: do not let a 30-s chunk of real speech be skipped as silence.
            "no_speech_threshold": None if vad else NO_SPEECH_PROB,
            **(options or {}),
        }

    def transcribe(
        self,
        path: Path,
        *,
        progress: Callable[[TranscriptionProgress], None] | None = None,
        cancel: Callable[[], bool] | None = None,
        resume_from: Sequence[TranscriptSegment] = (),
        on_segment: Callable[[TranscriptSegment], None] | None = None,
    ) -> Transcript:
        """Transcribe a recording, handing out its segments as they are produced.

        Args:
            path: The recording (any format :mod:`nlp.audio` decodes).
            progress: Called at the start, at most about once a second, and at the end.
            cancel: Polled between segments; True stops the work.
            resume_from: Segments saved by an earlier, interrupted run of the same file and
                settings; they open the returned transcript and are not handed out again.
            on_segment: Called with each new kept segment as soon as it is final (to save it).

        Returns:
            The transcript: ``resume_from`` followed by the new segments.

        Raises:
            InputError: The file is not a usable recording (see :func:`nlp.audio.probe`; check
                the size and duration limits with it before).
            TranscriptionCancelled: ``cancel()`` returned True.
        """
        duration = probe(path)
        segments = list(resume_from)
        saved_until = segments[-1].end + RESUME_TOLERANCE_S if segments else None
        position = 0.0 if saved_until is None else self._window_holding(path, saved_until)
        tracker = _Progress(
            progress, total_s=duration, start_s=segments[-1].end if segments else 0.0, clock=time.monotonic
        )
        guard = SegmentGuard(
            (segment.text for segment in segments if segment.start < position - RESUME_TOLERANCE_S),
            drop_no_speech=not self.vad,
        )
        language = self.language
        logger.info("transcription started", extra={"path": path.name, "duration_s": duration, "start_s": position})
        tracker.advance(0.0, force=True)

        def stop_if_cancelled() -> None:
            if cancel is not None and cancel():
                raise TranscriptionCancelled(done_s=tracker.done)

        while (window := self._window(path, position)) is not None:
            stop_if_cancelled()
            offset, samples, final = window
            raw, info = self._seeded_model(offset).transcribe(samples, **self._decoding)
            language = language or getattr(info, "language", None)
            try:
                for item in raw:
                    stop_if_cancelled()
                    segment = _judge(item, guard, offset, len(samples) / SAMPLE_RATE)
                    tracker.advance(offset + float(item.end))
                    if segment is None or (saved_until is not None and segment.end <= saved_until):
                        continue  # dropped, or saved by the interrupted run
                    segments.append(segment)
                    if on_segment is not None:
                        on_segment(segment)
            finally:
                _close(raw)
            saved_until = None
            if final:
                break
            position = offset + len(samples) / SAMPLE_RATE
            tracker.advance(position)
        tracker.advance(duration, force=True)
        logger.info("transcription finished", extra={"path": path.name, "segments": len(segments)})
        return Transcript(language=language or "", duration=duration, model=self.model_name, segments=tuple(segments))

    @property
    def model(self) -> SpeechModel:
        """The model windows are decoded with now (rebuilt for each window when ``reload`` was given)."""
        if self._model is None:
            self._model = self._load()
        return self._model

    def _seeded_model(self, offset: float) -> SpeechModel:
        """The model for the window at ``offset``, its sampling seeded by :func:`window_seed` alone."""
        seed = window_seed(self.seed, offset)
        if self._reload is None:
            _seed_ctranslate2(seed)  # takes only if this model has not sampled yet
            return self.model
        self._model = None
        gc.collect()  # free the old model (and its worker thread) before building the new one
        _trim_heap()
        self._model = self._load()
        _seed_ctranslate2(seed)  # the new worker thread seeds its generator from it when it first samples
        return self._model

    def _load(self) -> SpeechModel:
        if self._reload is None:  # _model is None only after a failed reload
            msg = "the transcriber has no model"
            raise RuntimeError(msg)
        started = time.perf_counter()
        model = self._reload()
        logger.debug("model rebuilt for a window", extra={"duration_s": round(time.perf_counter() - started, 3)})
        return model

    def _window(self, path: Path, position: float) -> tuple[float, np.ndarray, bool] | None:
        """Decode the window that starts at ``position``: ``(offset_s, samples, final)``, or None at the end."""
        with closing(iter_windows(path, window_s=self.window_s, start_s=position)) as windows:
            item = next(windows, None)
        if item is None:
            return None
        offset, samples = item
        if len(samples) < round(self.window_s * SAMPLE_RATE):
            return offset, samples, True
        cut = quietest_point(samples, len(samples) - round(CUT_SEARCH_S * SAMPLE_RATE))
        return offset, samples[:cut], False

    def _window_holding(self, path: Path, time_s: float) -> float:
        """Where the window that holds ``time_s`` starts, found by decoding (no model) from the start."""
        position = 0.0
        while (window := self._window(path, position)) is not None:
            offset, samples, final = window
            end = offset + len(samples) / SAMPLE_RATE
            if final or end > time_s:
                return position
            position = end
        return position


def _judge(item: Any, guard: SegmentGuard, offset: float, length: float) -> TranscriptSegment | None:
    """Turn a faster-whisper segment into a kept segment with file times, or None if the guards drop it."""
    avg_logprob = float(item.avg_logprob)
    no_speech_prob = float(item.no_speech_prob)
    start = min(length, max(0.0, float(item.start)))
    end = min(length, max(start, float(item.end)))
    verdict = guard.judge(str(item.text), avg_logprob=avg_logprob, no_speech_prob=no_speech_prob)
    if not verdict.keep:
        logger.debug("segment dropped", extra={"reason": verdict.reason, "start_s": offset + start})
        return None
    return TranscriptSegment(
        start=round(offset + start, 3),
        end=round(offset + end, 3),
        text=verdict.text,
        avg_logprob=round(avg_logprob, 4),
        no_speech_prob=round(no_speech_prob, 4),
        flagged=verdict.reason,
    )


def quietest_point(samples: np.ndarray, search_from: int, *, frame: int = round(QUIET_S * SAMPLE_RATE)) -> int:
    """Index of the middle of the quietest ``frame`` samples at or after ``search_from``.

    Windows end there, so that they are cut in a pause rather than in a word. The choice
    depends on the samples alone (the first quietest stretch wins a tie), which makes the
    windows of a resumed run the same as those of an uninterrupted one.

    Args:
        samples: Mono samples.
        search_from: First index that may be chosen.
        frame: Length of the stretch whose energy is compared, in samples.

    Returns:
        An index in ``[search_from, len(samples)]``; ``len(samples)`` when the searched part
        is shorter than ``frame``.
    """
    part = samples[max(0, search_from) :].astype(np.float64)
    if len(part) < frame:
        return len(samples)
    energy = np.concatenate(([0.0], np.cumsum(part * part)))
    sums = energy[frame:] - energy[:-frame]
    return max(0, search_from) + int(np.argmin(sums)) + frame // 2


def _close(segments: Iterable[Any]) -> None:
    close = getattr(segments, "close", None)
    if callable(close):
        close()
