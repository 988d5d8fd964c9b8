"""`python main.py transcribe` in real processes with the bundled model: output, bad files, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.speech import encode, espeak

ROOT = Path(__file__).resolve().parents[2]
SENTENCES = [  # distinct sentences: identical consecutive segments are dropped as Whisper loops
    "Giao Sở Xây dựng chủ trì rà soát quy hoạch các cụm công nghiệp.",
    "Sở Tài chính tham mưu bố trí kinh phí thực hiện đề án.",
    "Ủy ban nhân dân các xã khẩn trương hoàn thành giải phóng mặt bằng.",
    "Văn phòng theo dõi, đôn đốc và báo cáo Chủ tịch kết quả thực hiện.",
    "Bộ Công Thương chỉ đạo Tập đoàn Điện lực Việt Nam đẩy nhanh đàm phán hợp đồng mua bán điện.",
    "Ủy ban nhân dân tỉnh Đồng Nai hoàn thành bàn giao mặt bằng trong tháng mười một.",
    "Bộ Nội vụ nghiên cứu, tổng hợp, báo cáo Chính phủ trước ngày ba mươi tháng mười một.",
    "Các bộ, ngành chủ động phương án huy động các nguồn lực tài chính cho các dự án.",
    "Bộ Ngoại giao thúc đẩy sớm họp Ủy ban Liên Chính phủ về các dự án đường sắt.",
    "Sở Nội vụ khẩn trương hoàn thiện kế hoạch, trình Ủy ban nhân dân thành phố ban hành.",
    "Tổ giúp việc rà soát, bổ sung các căn cứ pháp lý xây dựng cơ chế vận hành.",
    "Đơn vị tư vấn tiếp thu, hoàn thiện dự thảo đề án bảo đảm tiến độ và chất lượng.",
]

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def meeting_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 90 s of Vietnamese speech: the sentences spoken in turn, with pauses."""
    folder = tmp_path_factory.mktemp("speech")
    chunks: list[np.ndarray] = []
    rate = 22050
    for i, sentence in enumerate(SENTENCES):
        samples, rate = espeak(sentence, folder / f"s{i}.wav")
        chunks += [samples, np.zeros(int(rate * 1.5), dtype=np.float32)]
    return encode(chunks, rate, folder / "meeting.wav", codec="pcm_s16le")


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "KETLUAN_DATA_DIR": str(data_dir), "KETLUAN_LOG_LEVEL": "WARNING"}


def _transcribe(audio: Path, data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "transcribe", str(audio), *extra],
        capture_output=True, text=True, env=_env(data_dir), cwd=ROOT, timeout=600, check=False,
    )  # fmt: skip


def test_json_output(meeting_wav: Path, tmp_path: Path) -> None:
    res = _transcribe(meeting_wav, tmp_path, "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert set(data) == {"language", "duration", "model", "segments"}
    assert data["language"] == "vi"
    assert 60 < data["duration"] < 150
    assert data["segments"]
    assert all(s["start"] < s["end"] for s in data["segments"])
    assert not list((tmp_path / "checkpoints").glob("*.jsonl")), "a finished run leaves no checkpoint"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("note.ogg", b"Day khong phai am thanh\n" * 20, "Lỗi: "), ("empty.m4a", b"", "rỗng")],
)
def test_bad_files_fail_fast_with_one_line(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    started = time.monotonic()
    res = _transcribe(bad, tmp_path)
    assert res.returncode == 2
    assert res.stdout == ""
    assert "Traceback" not in res.stderr
    assert message in res.stderr.strip().splitlines()[-1]
    assert time.monotonic() - started < 60


def test_killed_run_resumes_after_the_saved_segments(meeting_wav: Path, tmp_path: Path) -> None:
    """SIGKILL once segments are checkpointed; the rerun keeps them verbatim and carries on to the end.

    Exact equality with an uninterrupted run is not asserted: Whisper's temperature fallback samples
    at random on hard (robotic) audio, so two uninterrupted runs can already differ.
    """
    data_dir = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "transcribe", str(meeting_wav)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(data_dir), cwd=ROOT,
    )  # fmt: skip
    checkpoints = data_dir / "checkpoints"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        saved = list(checkpoints.glob("*.jsonl"))
        if saved and len(saved[0].read_text(encoding="utf-8").splitlines()) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = [json.loads(line) for line in next(checkpoints.glob("*.jsonl")).read_text(encoding="utf-8").splitlines()]
    assert len(saved) >= 2
    resumed = _transcribe(meeting_wav, data_dir, "--json")
    assert resumed.returncode == 0, resumed.stderr
    segments = json.loads(resumed.stdout)["segments"]
    assert [s["text"] for s in segments[: len(saved)]] == [s["text"] for s in saved]
    assert [s["start"] for s in segments] == sorted(s["start"] for s in segments)
    assert segments[-1]["end"] > saved[-1]["end"], "decoding carried on after the saved part"
    assert not list(checkpoints.glob("*.jsonl")), "the finished run cleared its checkpoint"
