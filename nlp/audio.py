"""Decode recordings to 16 kHz mono float32 with PyAV, window by window.

PyAV bundles its own FFmpeg, so voice notes (ogg/opus), m4a, mp3, aac, flac, wav and the audio
track of mp4/mov/webm videos decode without a system ffmpeg. :func:`iter_windows` never holds
more than about one window of samples, so memory does not grow with the recording's length.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from pathlib import Path

import av
import numpy as np
from av.audio.stream import AudioStream
from av.container import InputContainer

from core.errors import InputError

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MAX_BAD_PACKETS = 50  # consecutive undecodable packets before a file counts as corrupt
SUPPORTED = "wav, ogg/opus, m4a, mp3, aac, flac, mp4, mov, webm"


def probe(path: Path, *, max_bytes: int | None = None, max_duration_s: float | None = None) -> float:
    """Check that ``path`` is a recording this module can decode and return its duration.

    Opens the file, finds its first audio stream and decodes the first audio frame, so that
    a text file renamed ``.ogg``, an empty or a truncated file fails here, quickly.

    Args:
        path: The recording.
        max_bytes: Largest accepted file size, or None for no limit.
        max_duration_s: Longest accepted duration in seconds, or None for no limit.

    Returns:
        The duration in seconds (greater than 0).

    Raises:
        InputError: The file is missing, empty, too large, too long, not media, has no audio
            or cannot be decoded.
    """
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"Không đọc được tệp {name}.", detail=f"cannot stat {path}: {exc}") from exc
    if size == 0:
        raise InputError(f"Tệp {name} rỗng (0 byte).", detail=f"{path} is empty")
    if max_bytes is not None and size > max_bytes:
        raise InputError(
            f"Tệp {name} quá lớn ({_megabytes(size)}); giới hạn là {_megabytes(max_bytes)}.",
            detail=f"{path} has {size} bytes, limit {max_bytes}",
        )
    with _open(path) as container:
        stream = _audio_stream(container, path)
        duration = _header_duration(container, stream)
        if not _decodes(container, stream):
            raise _corrupt(path, "no audio frame could be decoded")
        if duration is None:
            duration = _counted_duration(path)
    if duration <= 0:
        raise InputError(f"Tệp {name} không có âm thanh (độ dài 0 giây).", detail=f"{path} has zero duration")
    if max_duration_s is not None and duration > max_duration_s:
        raise InputError(
            f"Bản ghi {name} dài {_clock(duration)}, vượt giới hạn {_clock(max_duration_s)}.",
            detail=f"{path} lasts {duration:.1f} s, limit {max_duration_s:.1f} s",
        )
    return duration


def iter_windows(
    path: Path, *, window_s: float = 300.0, start_s: float = 0.0
) -> Generator[tuple[float, np.ndarray], None, None]:
    """Decode ``path`` from ``start_s`` in windows of ``window_s`` seconds.

    Args:
        path: The recording (check it with :func:`probe` first for clear errors).
        window_s: Length of each window in seconds; the last one is shorter.
        start_s: Where to start, in seconds from the beginning of the file.

    Yields:
        ``(offset_s, samples)``: the window's start in seconds from the beginning of the file
        and its mono 16 kHz float32 samples.

    Raises:
        InputError: The file cannot be opened or is corrupt beyond the odd bad packet.
    """
    if window_s <= 0:
        msg = f"window_s must be positive, not {window_s}"
        raise ValueError(msg)
    window = max(1, round(window_s * SAMPLE_RATE))
    start_s = max(0.0, start_s)
    with _open(path) as container:
        stream = _audio_stream(container, path)
        origin = _origin(container, stream)  # times count from the stream's start (mp3/aac priming, opus pre-skip)
        if start_s > 0:
            _seek(container, path, origin + start_s)
        parts: list[np.ndarray] = []
        buffered = 0
        offset: float | None = None  # time of parts[0][0], known at the first frame
        skip = 0  # samples before start_s still to drop (a seek lands on an earlier packet)
        for frame_time, decoded in _decoded(container, stream, path):
            samples = decoded
            if offset is None:
                at = None if frame_time is None else frame_time - origin
                if at is not None and at > start_s + 0.001:
                    offset = at
                else:
                    offset = start_s
                    skip = round((start_s - at) * SAMPLE_RATE) if at is not None else 0
            if skip:
                dropped = min(skip, len(samples))
                samples = samples[dropped:]
                skip -= dropped
                if not len(samples):
                    continue
            parts.append(samples)
            buffered += len(samples)
            while buffered >= window:
                joined = np.concatenate(parts)
                yield offset, joined[:window]
                offset += window / SAMPLE_RATE
                parts = [joined[window:]]
                buffered = len(parts[0])
        if buffered and offset is not None:
            yield offset, np.concatenate(parts)


def _decoded(container: InputContainer, stream: AudioStream, path: Path) -> Iterator[tuple[float | None, np.ndarray]]:
    """Yield ``(time_s or None, samples)`` per resampled frame, skipping the odd bad packet.

    A damaged stream can change sample rate or channel layout midway; the resampler is then
    flushed and rebuilt for the new input.
    """
    resampler = _resampler()
    shape: tuple[str, str, int] | None = None
    bad = 0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                bad += 1
                if bad > MAX_BAD_PACKETS:
                    raise _corrupt(path, f"{bad} consecutive undecodable packets") from None
                continue
            bad = 0
            for frame in frames:
                frame_shape = (frame.format.name, frame.layout.name, frame.sample_rate)
                if shape is not None and frame_shape != shape:
                    yield from _flushed(resampler)
                    resampler = _resampler()
                shape = frame_shape
                time_s = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else None
                for out in resampler.resample(frame):
                    yield time_s, _mono(out)
                    time_s = None
        yield from _flushed(resampler)
    except av.error.FFmpegError as exc:
        raise _corrupt(path, str(exc)) from exc


def _resampler() -> av.AudioResampler:
    return av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)


def _flushed(resampler: av.AudioResampler) -> Iterator[tuple[None, np.ndarray]]:
    for out in resampler.resample(None):
        yield None, _mono(out)


def _mono(frame: av.AudioFrame) -> np.ndarray:
    return frame.to_ndarray().reshape(-1).astype(np.float32, copy=False)


def _open(path: Path) -> InputContainer:
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Không đọc được tệp {path.name} như một tệp âm thanh hoặc video: tệp hỏng hoặc không đúng "
            f"định dạng (hỗ trợ: {SUPPORTED}).",
            detail=f"cannot open {path} as media: {exc}",
        ) from exc
    except OSError as exc:
        raise InputError(f"Không đọc được tệp {path.name}.", detail=f"cannot open {path}: {exc}") from exc


def _audio_stream(container: InputContainer, path: Path) -> AudioStream:
    if not container.streams.audio:
        raise InputError(
            f"Tệp {path.name} không có tiếng (không có luồng âm thanh).",
            detail=f"{path} has no audio stream",
        )
    return container.streams.audio[0]


def _origin(container: InputContainer, stream: AudioStream) -> float:
    if stream.start_time is not None and stream.time_base is not None:
        return float(stream.start_time * stream.time_base)
    if container.start_time is not None:
        return container.start_time / av.time_base
    return 0.0


def _header_duration(container: InputContainer, stream: AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _decodes(container: InputContainer, stream: AudioStream) -> bool:
    bad = 0
    try:
        for packet in container.demux(stream):
            try:
                if packet.decode():
                    return True
            except av.error.InvalidDataError:
                bad += 1
                if bad > MAX_BAD_PACKETS:
                    return False
    except av.error.FFmpegError:
        return False
    return False


def _counted_duration(path: Path) -> float:
    """Duration from the packets' own durations, for streams whose header has none (raw AAC)."""
    total = 0.0
    with _open(path) as container:
        stream = _audio_stream(container, path)
        try:
            for packet in container.demux(stream):
                if packet.duration is not None and packet.time_base is not None:
                    total += float(packet.duration * packet.time_base)
        except av.error.FFmpegError as exc:
            raise _corrupt(path, str(exc)) from exc
    return total


def _seek(container: InputContainer, path: Path, start_s: float) -> None:
    try:
        container.seek(round(start_s * av.time_base), backward=True, any_frame=False)
    except av.error.FFmpegError as exc:
        logger.warning("seek failed, decoding from the start", extra={"path": str(path), "error": str(exc)})
        container.seek(0)


def _corrupt(path: Path, why: str) -> InputError:
    return InputError(
        f"Tệp {path.name} bị hỏng hoặc không giải mã được âm thanh.",
        detail=f"cannot decode audio of {path}: {why}",
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
