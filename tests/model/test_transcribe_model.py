"""The real bundled Whisper base model on Vietnamese speech made with espeak-ng.

espeak-ng's Vietnamese is robotic: Whisper base reaches a CER of about 0.35-0.40 on it (real
read speech: about 0.14, platform-notes §1). The bounds here are loose on purpose; they catch
a broken pipeline (wrong language, lost windows, garbled audio), not small accuracy changes.
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core.domain import Transcript, TranscriptionProgress, TranscriptSegment
from core.errors import ConfigError
from nlp.transcribe import Transcriber, TranscriptionCancelled
from nlp.whisper_model import SpeechModel, assemble_bundled_model, load_model
from tests.speech import encode, espeak

pytestmark = pytest.mark.model

# Assignments of Thông báo 653/TB-VPCP (dev corpus 010), as a chair would read them out.
SENTENCES = (
    "Tập đoàn Công nghiệp Năng lượng quốc gia Việt Nam báo cáo Thủ tướng Chính phủ xem xét về thời gian "
    "khánh thành dự án Nhà máy điện Nhơn Trạch 3 và Nhơn Trạch 4.",
    "Chủ đầu tư phối hợp chặt chẽ với các đơn vị liên quan hoàn thành nghiệm thu các hạng mục còn lại "
    "của Nhà máy điện Nhơn Trạch 4 trong tháng 11 năm 2025.",
    "Ủy ban nhân dân tỉnh Đồng Nai chỉ đạo đơn vị liên quan hoàn thành bàn giao mặt bằng xây dựng "
    "các móng trụ thuộc dự án đường dây theo đúng tiến độ.",
    "Giao Bộ Công Thương nghiên cứu, xem xét theo thẩm quyền các đề xuất, kiến nghị của Tập đoàn "
    "về cơ chế bán điện theo cụm.",
)
KEY_WORDS = ("xem xét", "phối hợp", "liên quan", "nhà máy", "hoàn thành", "dự án")
MAX_CER = 0.45  # robotic voice; measured 0.36-0.40 with default settings


def normalize(text: str) -> str:
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold()))


def edit_distance(a: list[str] | str, b: list[str] | str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize(reference), normalize(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def whisper(model_cache: Path) -> SpeechModel:
    return load_model("base", model_cache, compute_type="int8", threads=min(4, os.cpu_count() or 1))


@pytest.fixture(scope="session")
def meeting(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The four sentences with a second of silence after each, as ogg/opus, wav and mp4."""
    folder = tmp_path_factory.mktemp("meeting")
    parts: list[np.ndarray] = []
    rate = 22050
    for index, sentence in enumerate(SENTENCES):
        samples, rate = espeak(sentence, folder / f"s{index}.wav")
        parts += [samples, np.zeros(rate, np.float32)]
    return {
        "ogg": encode(parts, rate, folder / "meeting.ogg", codec="libopus", bit_rate=32000),
        "wav": encode(parts, rate, folder / "meeting.wav", codec="pcm_s16le"),
        "mp4": encode(parts, rate, folder / "meeting.mp4", codec="aac", video="mpeg4"),
    }


class Run:
    """One transcription with everything its callbacks saw."""

    def __init__(self, transcriber: Transcriber, path: Path) -> None:
        self.progress: list[TranscriptionProgress] = []
        self.handed_out: list[TranscriptSegment] = []
        started = time.perf_counter()
        self.transcript: Transcript = transcriber.transcribe(
            path, progress=self.progress.append, on_segment=self.handed_out.append
        )
        self.seconds = time.perf_counter() - started


@pytest.fixture(scope="session")
def windowed_run(whisper: SpeechModel, meeting: dict[str, Path]) -> Run:
    """The ogg clip in windows of at most 40 seconds: two windows at least."""
    return Run(Transcriber(whisper, window_s=40.0), meeting["ogg"])


def check_transcript(transcript: Transcript) -> None:
    assert transcript.language == "vi"
    assert transcript.model == "base"
    assert cer(" ".join(SENTENCES), transcript.text) <= MAX_CER, transcript.text
    text = normalize(transcript.text)
    assert sum(word in text for word in KEY_WORDS) >= 3, transcript.text
    ends = [0.0] + [time for segment in transcript.segments for time in (segment.start, segment.end)]
    assert ends == sorted(ends)
    assert transcript.segments[-1].end <= transcript.duration + 0.01


def test_windowed_transcript(windowed_run: Run) -> None:
    check_transcript(windowed_run.transcript)
    assert windowed_run.handed_out == list(windowed_run.transcript.segments)
    assert windowed_run.seconds < windowed_run.transcript.duration  # real time at most, even on 2 CPUs


def test_progress_rises_to_one(windowed_run: Run) -> None:
    fractions = [call.fraction for call in windowed_run.progress]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert len(fractions) >= 3
    assert all(call.total_s == windowed_run.transcript.duration for call in windowed_run.progress)


@pytest.mark.parametrize("kind", ["wav", "mp4"])
def test_default_settings_on_wav_and_video(kind: str, whisper: SpeechModel, meeting: dict[str, Path]) -> None:
    check_transcript(Run(Transcriber(whisper), meeting[kind]).transcript)


def test_cancel_stops_within_a_segment(whisper: SpeechModel, meeting: dict[str, Path]) -> None:
    calls: list[TranscriptionProgress] = []
    started = time.perf_counter()
    with pytest.raises(TranscriptionCancelled) as caught:
        Transcriber(whisper).transcribe(meeting["ogg"], progress=calls.append, cancel=lambda: len(calls) > 1)
    assert time.perf_counter() - started < 20
    assert "huỷ" in caught.value.message


def test_resume_after_an_interruption_gives_the_same_transcript(
    whisper: SpeechModel, meeting: dict[str, Path], windowed_run: Run
) -> None:
    saved: list[TranscriptSegment] = []
    transcriber = Transcriber(whisper, window_s=40.0)
    stop_after = len(windowed_run.transcript.segments) // 2
    with pytest.raises(TranscriptionCancelled):
        transcriber.transcribe(meeting["ogg"], on_segment=saved.append, cancel=lambda: len(saved) >= stop_after)
    assert len(saved) == stop_after
    resumed = transcriber.transcribe(meeting["ogg"], resume_from=saved)
    assert resumed.segments[:stop_after] == tuple(saved)
    # The resumed run reads the same windows as the uninterrupted one, so it finds the same words
    # (±1 where Whisper fell back to sampling at a higher temperature, which is random).
    words = normalize(windowed_run.transcript.text).split()
    assert edit_distance(normalize(resumed.text).split(), words) <= 1


def _silent_minutes(minutes: int, rate: int) -> Iterator[np.ndarray]:
    minute = np.zeros(rate * 60, np.float32)
    for _ in range(minutes):
        yield minute


def test_an_hour_of_silence_is_empty_and_quick(whisper: SpeechModel, tmp_path: Path) -> None:
    path = encode(_silent_minutes(60, 8000), 8000, tmp_path / "silence.mp3", codec="libmp3lame", bit_rate=8000)
    started = time.perf_counter()
    transcript = Transcriber(whisper).transcribe(path)
    assert time.perf_counter() - started < 60
    assert transcript.duration == pytest.approx(3600, abs=1)
    assert transcript.segments == ()
    assert transcript.text == ""


def test_bundled_model_is_assembled_once(whisper: SpeechModel, model_cache: Path) -> None:
    started = time.perf_counter()
    directory = assemble_bundled_model(model_cache)
    assert time.perf_counter() - started < 0.5  # the stamp spares hashing 145 MB again
    assert sorted(p.name for p in directory.iterdir() if not p.name.startswith(".")) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.json",
    ]


def test_wrong_checksum_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sha256") as caught:
        assemble_bundled_model(tmp_path, expected_sha256="0" * 64)
    assert "hỏng" in caught.value.message
    assert not (tmp_path / "whisper-base" / "model.bin").exists()
