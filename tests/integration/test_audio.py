"""Decoding recordings with PyAV (nlp.audio), and the transcriber's windowing with a scripted model.

Speech comes from espeak-ng (installed by .ci/run); every other file is generated with numpy
and PyAV's bundled encoders, so no system ffmpeg is needed.
"""

from __future__ import annotations

import itertools
import random
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from core.domain import TranscriptionProgress, TranscriptSegment
from core.errors import InputError
from nlp.audio import SAMPLE_RATE, iter_windows, probe
from nlp.transcribe import Transcriber, TranscriptionCancelled
from tests.speech import encode, espeak

SENTENCE = "Ủy ban nhân dân tỉnh Đồng Nai chỉ đạo đơn vị liên quan hoàn thành bàn giao mặt bằng theo đúng tiến độ."
# name -> (container format, audio codec, video codec or None, audio sample rate)
FORMATS = {
    "speech.wav": ("wav", "pcm_s16le", None, 22050),
    "speech.ogg": ("ogg", "libopus", None, 48000),
    "speech.m4a": ("mp4", "aac", None, 22050),
    "speech.mp3": ("mp3", "libmp3lame", None, 22050),
    "speech.flac": ("flac", "flac", None, 22050),
    "speech.aac": ("adts", "aac", None, 22050),
    "speech.mp4": ("mp4", "aac", "mpeg4", 22050),
    "speech.mov": ("mov", "aac", "mpeg4", 22050),
    "speech.webm": ("webm", "libopus", "libvpx", 48000),
}


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, int]:
    return espeak(SENTENCE, tmp_path_factory.mktemp("espeak") / "sentence.wav")


@pytest.fixture(scope="session")
def media(speech: tuple[np.ndarray, int], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    samples, rate = speech
    folder = tmp_path_factory.mktemp("media")
    return {
        name: encode([samples], rate, folder / name, fmt=fmt, codec=codec, out_rate=out_rate, video=video)
        for name, (fmt, codec, video, out_rate) in FORMATS.items()
    }


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_probe_and_decode_every_format(name: str, media: dict[str, Path], speech: tuple[np.ndarray, int]) -> None:
    samples, rate = speech
    expected = len(samples) / rate
    duration = probe(media[name])
    assert duration == pytest.approx(expected, abs=1.0 if name.endswith(".aac") else 0.15)
    windows = list(iter_windows(media[name], window_s=2.0))
    assert all(window.dtype == np.float32 and window.ndim == 1 for _, window in windows)
    assert [len(window) for _, window in windows[:-1]] == [2 * SAMPLE_RATE] * (len(windows) - 1)
    for (first, _), (second, _) in itertools.pairwise(windows):
        assert second - first == pytest.approx(2.0)
    decoded = sum(len(window) for _, window in windows) / SAMPLE_RATE
    assert decoded == pytest.approx(expected, abs=0.15)
    assert max(float(np.abs(window).max()) for _, window in windows) > 0.1


@pytest.mark.parametrize("name", ["speech.wav", "speech.ogg", "speech.m4a", "speech.mp4"])
def test_seek_lands_on_the_same_samples(name: str, media: dict[str, Path]) -> None:
    full = np.concatenate([window for _, window in iter_windows(media[name])])
    offset, part = next(iter_windows(media[name], start_s=2.0, window_s=1.0))
    assert offset == pytest.approx(2.0, abs=0.05)
    assert len(part) == SAMPLE_RATE
    # Find where the seeked second sits in the full decode: within 20 ms of 2.0 s.
    lags = range(-1600, 1601, 16)
    scores = [float(np.dot(part, full[2 * SAMPLE_RATE + lag : 3 * SAMPLE_RATE + lag])) for lag in lags]
    best = lags[int(np.argmax(scores))]
    assert abs(best) <= 0.02 * SAMPLE_RATE


def test_start_beyond_the_end_yields_nothing(media: dict[str, Path]) -> None:
    assert list(iter_windows(media["speech.ogg"], start_s=3600.0)) == []


@pytest.fixture(scope="session")
def bad_files(media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    files = {
        "text.ogg": b"Bien ban cuoc hop, khong phai ghi am.\n" * 20,
        "empty.wav": b"",
        "random.mp3": random.Random(4).randbytes(50_000),  # noqa: S311 - noise, not a secret
        "header-only.m4a": media["speech.m4a"].read_bytes()[:600],
        "cut-header.ogg": media["speech.ogg"].read_bytes()[:40],
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    paths = {name: folder / name for name in files}
    paths["silent-video.mp4"] = encode([], 16000, folder / "silent-video.mp4", fmt="mp4", codec=None, video="mpeg4")
    return paths


@pytest.mark.parametrize(
    "name", ["text.ogg", "empty.wav", "random.mp3", "header-only.m4a", "cut-header.ogg", "missing.wav"]
)
def test_bad_files_fail_fast_with_a_vietnamese_message(name: str, bad_files: dict[str, Path]) -> None:
    path = bad_files.get(name, next(iter(bad_files.values())).with_name(name))
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        probe(path)
    assert time.perf_counter() - started < 2.0
    assert name in caught.value.message
    assert "Tệp" in caught.value.message or "tệp" in caught.value.message


def test_video_without_sound_is_refused(bad_files: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="no audio") as caught:
        probe(bad_files["silent-video.mp4"])
    assert "không có tiếng" in caught.value.message


def test_truncated_file_decodes_what_is_there(media: dict[str, Path], tmp_path: Path) -> None:
    data = media["speech.ogg"].read_bytes()
    truncated = tmp_path / "truncated.ogg"
    truncated.write_bytes(data[: len(data) // 2])
    assert probe(truncated) > 0
    decoded = sum(len(window) for _, window in iter_windows(truncated)) / SAMPLE_RATE
    assert 1.0 < decoded < probe(media["speech.ogg"])


def test_limits(media: dict[str, Path]) -> None:
    path = media["speech.wav"]
    with pytest.raises(InputError, match="limit") as caught:
        probe(path, max_bytes=1000)
    assert "quá lớn" in caught.value.message
    with pytest.raises(InputError, match="limit") as caught:
        probe(path, max_duration_s=1.0)
    assert "vượt giới hạn" in caught.value.message
    assert probe(path, max_bytes=path.stat().st_size, max_duration_s=60.0) > 0


def _tone_minutes(minutes: int, rate: int) -> Iterator[np.ndarray]:
    """A tone burst every 10 seconds, one minute at a time."""
    t = np.arange(rate * 60) / rate
    minute = (0.3 * np.sin(2 * np.pi * 440 * t) * (t % 10 < 3)).astype(np.float32)
    for _ in range(minutes):
        yield minute


@pytest.mark.slow
def test_windows_of_a_long_recording_keep_memory_flat(tmp_path: Path) -> None:
    # 30 minutes at 8 kHz, 8 kbit/s mp3 (1.8 MB); decoded whole it would take 115 MB of float32.
    path = encode(_tone_minutes(30, 8000), 8000, tmp_path / "long.mp3", fmt="mp3", codec="libmp3lame", bit_rate=8000)
    assert probe(path) == pytest.approx(1800.0, abs=1.0)
    tracemalloc.start()
    try:
        total = 0
        offsets = []
        for offset, window in iter_windows(path, window_s=60.0):
            total += len(window)
            offsets.append(offset)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total / SAMPLE_RATE == pytest.approx(1800.0, abs=0.5)
    assert offsets[:3] == pytest.approx([0.0, 60.0, 120.0])
    assert len(offsets) == 30
    # Two windows of 60 s are 7.7 MB; allow room for the decoder, far below the 115 MB of the whole file.
    assert peak < 30_000_000, peak


class ScriptedModel:
    """Stands in for WhisperModel: a 10-second segment per 10 seconds of each window it gets.

    The texts depend on the window's samples only (as Whisper's do at temperature 0), unless
    ``texts`` are given.
    """

    def __init__(self, texts: Iterator[str] | None = None) -> None:
        self.windows: list[float] = []
        self.options: list[dict[str, Any]] = []
        self._texts = texts

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Iterator[SimpleNamespace], SimpleNamespace]:
        length = len(audio) / SAMPLE_RATE
        self.windows.append(length)
        self.options.append(options)
        fingerprint = f"{float(np.abs(audio).sum()):.0f}"

        def segments() -> Iterator[SimpleNamespace]:
            for number, start in enumerate(np.arange(0.0, length, 10.0)):
                text = next(self._texts) if self._texts else f"Đoạn {fingerprint}/{number}."
                end = min(length, float(start) + 10.0)
                yield SimpleNamespace(
                    start=float(start), end=end, text=f" {text}", avg_logprob=-0.3, no_speech_prob=0.1
                )

        return segments(), SimpleNamespace(language="vi")


@pytest.fixture(scope="session")
def tones(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four minutes of tone bursts (3 s of tone every 10 s) as ogg/opus."""
    folder = tmp_path_factory.mktemp("tones")
    return encode(_tone_minutes(4, 16000), 16000, folder / "tones.ogg", fmt="ogg", codec="libopus", out_rate=48000)


def test_windows_end_in_pauses_and_cover_the_file(tones: Path) -> None:
    model = ScriptedModel()
    transcript = Transcriber(model, window_s=70.0).transcribe(tones)
    assert all(40.0 <= length <= 70.0 for length in model.windows[:-1])
    ends = np.cumsum(model.windows[:-1])
    assert all(3.2 < end % 10 < 9.8 for end in ends), ends  # in the silence between two bursts
    assert sum(model.windows) == pytest.approx(transcript.duration, abs=0.05)
    segments = transcript.segments
    assert segments[0].start == 0.0
    assert segments[-1].end == pytest.approx(transcript.duration, abs=0.05)
    assert all(a.end == pytest.approx(b.start, abs=0.002) for a, b in itertools.pairwise(segments))
    assert all(options["condition_on_previous_text"] is False for options in model.options)
    assert (model.options[0]["language"], model.options[0]["beam_size"], model.options[0]["vad_filter"]) == (
        "vi",
        5,
        True,
    )


def test_decoding_options_reach_the_model(tones: Path) -> None:
    model = ScriptedModel()
    Transcriber(model, beam_size=1, vad=False, options={"temperature": 0.0}).transcribe(tones)
    assert model.options == [
        {
            "language": "vi",
            "beam_size": 1,
            "vad_filter": False,
            "condition_on_previous_text": False,
            "no_speech_threshold": 0.6,
            "temperature": 0.0,
        }
    ]


def test_guards_drop_hallucinations_while_streaming(tones: Path) -> None:
    texts = iter(["Mở đầu.", "Hãy subscribe cho kênh La La School nhé!", *(f"Câu {n}." for n in range(100))])
    saved: list[TranscriptSegment] = []
    transcript = Transcriber(ScriptedModel(texts), window_s=300.0).transcribe(tones, on_segment=saved.append)
    assert [segment.text for segment in transcript.segments[:3]] == ["Mở đầu.", "Câu 0.", "Câu 1."]
    assert saved == list(transcript.segments)


def test_progress_is_throttled_and_ends_at_one(tones: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = itertools.count(step=0.25)  # every clock read moves a quarter of a second
    monkeypatch.setattr("nlp.transcribe.time", SimpleNamespace(monotonic=lambda: next(ticks)))
    calls: list[TranscriptionProgress] = []
    Transcriber(ScriptedModel(), window_s=60.0).transcribe(tones, progress=calls.append)
    fractions = [call.fraction for call in calls]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert 3 <= len(calls) < 24  # throttled: fewer calls than segments
    assert calls[-1].eta_s == 0.0
    assert any(call.eta_s is not None and call.eta_s > 0 for call in calls)


@pytest.mark.parametrize("stop_after", [1, 7, 12])
def test_cancel_then_resume_gives_the_same_transcript(tones: Path, stop_after: int) -> None:
    first = ScriptedModel()
    full = Transcriber(first, window_s=70.0).transcribe(tones)
    saved: list[TranscriptSegment] = []
    with pytest.raises(TranscriptionCancelled) as caught:
        Transcriber(ScriptedModel(), window_s=70.0).transcribe(
            tones, on_segment=saved.append, cancel=lambda: len(saved) >= stop_after
        )
    assert len(saved) == stop_after  # handed out one by one
    assert caught.value.done_s >= saved[-1].end - 0.001
    model = ScriptedModel()
    handed_out: list[TranscriptSegment] = []
    resumed = Transcriber(model, window_s=70.0).transcribe(tones, resume_from=saved, on_segment=handed_out.append)
    assert resumed == full
    assert handed_out == list(full.segments[stop_after:])  # the saved ones are not handed out again
    # Only the window the interruption fell in is done again, with the same samples.
    holding = int(np.searchsorted(np.cumsum(first.windows), saved[-1].end, side="right"))
    assert model.windows == first.windows[holding:]


def test_resume_with_everything_saved_returns_it(tones: Path) -> None:
    full = Transcriber(ScriptedModel(), window_s=70.0).transcribe(tones)
    handed_out: list[TranscriptSegment] = []
    again = Transcriber(ScriptedModel(), window_s=70.0).transcribe(
        tones, resume_from=full.segments, on_segment=handed_out.append
    )
    assert again == full
    assert handed_out == []


def test_transcriber_refuses_bad_files(bad_files: dict[str, Path]) -> None:
    with pytest.raises(InputError):
        Transcriber(ScriptedModel()).transcribe(bad_files["text.ogg"])
    with pytest.raises(ValueError, match="window_s"):
        Transcriber(ScriptedModel(), window_s=30.0)
