"""Quality guards on recognised segments, and the transcript's output formats (pure)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.domain import Transcript, TranscriptionProgress, TranscriptSegment
from core.errors import KetluanError
from nlp.transcribe import (
    HALLUCINATION,
    LOW_CONFIDENCE,
    NO_SPEECH,
    REPETITION,
    SegmentGuard,
    TranscriptionCancelled,
    collapse_loops,
    find_loop,
    judge_segment,
    match_hallucination,
    quietest_point,
)
from nlp.transcript_format import srt_timestamp, to_json_dict, to_srt, to_text


@pytest.mark.parametrize(
    ("text", "hallucination"),
    [
        ("Hãy subscribe cho kênh La La School để không bỏ lỡ những video hấp dẫn", True),
        ("HÃY ĐĂNG KÝ KÊNH để ủng hộ", True),
        ("Hãy đăng kí cho kênh nhé", True),
        ("Cảm ơn các bạn đã theo dõi", True),
        ("Ghiền Mì Gõ", True),
        ("Subtitles by the Amara.org community", True),
        ("Giao Sở Tài chính chủ trì, phối hợp với các đơn vị liên quan.", False),
        ("Cảm ơn các đồng chí đã tham dự cuộc họp.", False),
        ("Đăng ký kinh doanh cho hộ gia đình", False),
    ],
)
def test_match_hallucination(text: str, hallucination: bool) -> None:
    assert (match_hallucination(text) is not None) is hallucination


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("không không không không", (0, 1, 4)),
        ("không không không", None),  # three times can be speech
        ("từ từ thôi", None),
        ("a b a b a b a b c", (0, 2, 4)),
        ("x một hai ba một hai ba một hai ba", (1, 3, 3)),
        ("một hai ba bốn năm", None),
        ("", None),
    ],
)
def test_find_loop(words: str, expected: tuple[int, int, int] | None) -> None:
    assert find_loop(words.split()) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Giao Sở Tài chính chủ trì chủ trì chủ trì chủ trì chủ trì, phối hợp", "Giao Sở Tài chính chủ trì, phối hợp"),
        ("vâng vâng vâng vâng vâng.", "vâng."),
        ("Báo cáo trước ngày 15.", "Báo cáo trước ngày 15."),
        ("một hai một hai một hai một hai và ba ba ba ba ba", "một hai và ba"),
    ],
)
def test_collapse_loops(text: str, expected: str) -> None:
    assert collapse_loops(text) == expected


@pytest.mark.parametrize(
    ("text", "avg_logprob", "no_speech_prob", "keep", "reason"),
    [
        ("Giao Sở Tài chính chủ trì.", -0.3, 0.1, True, None),
        ("Giao Sở Tài chính chủ trì.", -1.4, 0.1, True, LOW_CONFIDENCE),
        ("Giao Sở Tài chính chủ trì.", -0.5, 0.9, True, None),  # espeak speech scores like this
        ("Hãy subscribe cho kênh nhé.", -1.2, 0.7, False, NO_SPEECH),
        ("Hãy subscribe cho kênh La La School.", -0.4, 0.2, False, HALLUCINATION),
        ("  ...  ", -0.2, 0.1, False, "empty"),
        ("đi đi đi đi đi", -1.5, 0.1, True, f"{REPETITION},{LOW_CONFIDENCE}"),
        (" ".join(["chủ trì thực hiện"] * 12) + " hãy subscribe", -0.2, 0.1, True, f"{HALLUCINATION},{REPETITION}"),
    ],
)
def test_judge_segment(text: str, avg_logprob: float, no_speech_prob: float, keep: bool, reason: str | None) -> None:
    verdict = judge_segment(text, avg_logprob=avg_logprob, no_speech_prob=no_speech_prob)
    assert (verdict.keep, verdict.reason) == (keep, reason)


def test_no_speech_is_flagged_instead_of_dropped_when_asked() -> None:
    verdict = judge_segment("Giao Sở Tài chính.", avg_logprob=-1.1, no_speech_prob=0.95, drop_no_speech=False)
    assert (verdict.keep, verdict.reason) == (True, f"{NO_SPEECH},{LOW_CONFIDENCE}")
    guard = SegmentGuard(drop_no_speech=False)
    assert guard.judge("Giao Sở Tài chính.", avg_logprob=-1.1, no_speech_prob=0.95).keep


def test_guard_drops_a_third_identical_segment() -> None:
    guard = SegmentGuard()
    kept = [
        guard.judge(text, avg_logprob=-0.2, no_speech_prob=0.1).keep
        for text in ("Xin chào.", "xin chào", "Xin chào!", "Tiếp")
    ]
    assert kept == [True, True, False, True]


def test_guard_remembers_resumed_segments() -> None:
    guard = SegmentGuard(["Xin chào.", "Xin chào."])
    assert guard.judge("Xin chào", avg_logprob=-0.2, no_speech_prob=0.1).reason == REPETITION


def _signal(*quiet: tuple[int, int], length: int = 1000) -> np.ndarray:
    samples = np.full(length, 0.5, dtype=np.float32)
    for start, end in quiet:
        samples[start:end] = 0.0
    return samples


@pytest.mark.parametrize(
    ("samples", "search_from", "expected"),
    [
        (_signal((600, 700)), 500, 625),  # the middle of the first quiet 50 samples
        (_signal((100, 200), (800, 900)), 500, 825),  # quiet before search_from does not count
        (_signal((800, 820), (900, 1000)), 0, 925),  # the longer pause wins
        (_signal(), 0, 25),  # no pause: the first of equal stretches
        (_signal(length=40), 0, 40),  # too short to search: the end
    ],
)
def test_quietest_point(samples: np.ndarray, search_from: int, expected: int) -> None:
    assert quietest_point(samples, search_from, frame=50) == expected


def test_cancelled_is_a_domain_error_in_vietnamese() -> None:
    error = TranscriptionCancelled(done_s=12.5)
    assert isinstance(error, KetluanError)
    assert "huỷ" in error.message
    assert error.done_s == 12.5


def _segment(start: float, end: float, text: str, flagged: str | None = None) -> TranscriptSegment:
    return TranscriptSegment(start=start, end=end, text=text, avg_logprob=-0.25, no_speech_prob=0.05, flagged=flagged)


TRANSCRIPT = Transcript(
    language="vi",
    duration=3725.5,
    model="base",
    segments=(
        _segment(0.0, 2.5, "Xin chào các đồng chí."),
        _segment(2.5, 5.0, "Hôm nay họp về dự án."),
        _segment(9.0, 11.0, "Giao Sở Tài chính chủ trì.", LOW_CONFIDENCE),
        _segment(3661.5, 3662.25, "Kết thúc."),
    ),
)


def test_text_starts_a_paragraph_after_a_pause() -> None:
    assert TRANSCRIPT.text == (
        "Xin chào các đồng chí. Hôm nay họp về dự án.\n\nGiao Sở Tài chính chủ trì.\n\nKết thúc."
    )
    assert to_text(TRANSCRIPT).endswith("Kết thúc.\n")
    assert to_text(Transcript(language="vi", duration=0.0, model="base")) == ""


def test_text_starts_a_paragraph_every_few_segments() -> None:
    segments = tuple(_segment(float(i), i + 1.0, f"Câu {i}.") for i in range(8))
    paragraphs = Transcript(language="vi", duration=8.0, model="base", segments=segments).text.split("\n\n")
    assert [len(p.split(". ")) for p in paragraphs] == [6, 2]


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.0, "00:00:00,000"),
        (2.5, "00:00:02,500"),
        (3661.25, "01:01:01,250"),
        (59.9996, "00:01:00,000"),
        (-1, "00:00:00,000"),
    ],
)
def test_srt_timestamp(seconds: float, expected: str) -> None:
    assert srt_timestamp(seconds) == expected


def test_srt() -> None:
    srt = to_srt(TRANSCRIPT)
    assert srt.startswith("1\n00:00:00,000 --> 00:00:02,500\nXin chào các đồng chí.\n\n2\n")
    assert "4\n01:01:01,500 --> 01:01:02,250\nKết thúc.\n" in srt
    assert to_srt(Transcript(language="vi", duration=1.0, model="base")) == ""


def test_json_dict() -> None:
    data = json.loads(json.dumps(to_json_dict(TRANSCRIPT), ensure_ascii=False))
    assert list(data) == ["language", "duration", "model", "segments"]
    assert (data["language"], data["duration"], data["model"]) == ("vi", 3725.5, "base")
    assert data["segments"][2] == {
        "start": 9.0,
        "end": 11.0,
        "text": "Giao Sở Tài chính chủ trì.",
        "avg_logprob": -0.25,
        "no_speech_prob": 0.05,
        "flagged": LOW_CONFIDENCE,
    }


@pytest.mark.parametrize(
    ("done", "total", "fraction"), [(0.0, 100.0, 0.0), (25.0, 100.0, 0.25), (120.0, 100.0, 1.0), (0.0, 0.0, 1.0)]
)
def test_progress_fraction(done: float, total: float, fraction: float) -> None:
    assert TranscriptionProgress(done_s=done, total_s=total, eta_s=None).fraction == fraction
