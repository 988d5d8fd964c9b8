"""Transcript checkpoints on real files: append, reload, torn lines after a crash, keys."""

from __future__ import annotations

from pathlib import Path

from core.domain import TranscriptSegment
from storage.checkpoints import SegmentCheckpoint, file_key


def _segment(i: int) -> TranscriptSegment:
    return TranscriptSegment(
        start=i * 2.0, end=i * 2.0 + 1.5, text=f"Đoạn thứ {i}", avg_logprob=-0.3, no_speech_prob=0.01, flagged=None
    )


def test_segments_survive_a_reopen(tmp_path: Path) -> None:
    store = SegmentCheckpoint(tmp_path / "ckpt", "abc")
    store.extend(_segment(i) for i in range(3))
    assert SegmentCheckpoint(tmp_path / "ckpt", "abc").load() == [_segment(0), _segment(1), _segment(2)]


def test_a_torn_last_line_is_dropped_and_appends_stay_clean(tmp_path: Path) -> None:
    store = SegmentCheckpoint(tmp_path, "k")
    store.extend([_segment(0), _segment(1)])
    with store.path.open("a", encoding="utf-8") as handle:
        handle.write('{"start": 4.0, "end": 5.')  # the process died here
    assert store.load() == [_segment(0), _segment(1)]
    store.append(_segment(2))
    assert store.load() == [_segment(0), _segment(1), _segment(2)]


def test_discard_and_missing(tmp_path: Path) -> None:
    store = SegmentCheckpoint(tmp_path, "k")
    assert store.load() == []
    store.append(_segment(0))
    store.discard()
    assert store.load() == []


def test_keys_depend_on_content_and_model(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ogg", tmp_path / "b.ogg"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    assert file_key(a, model="base") == file_key(b, model="base")
    assert file_key(a, model="base") != file_key(a, model="/models/large-v3")
    b.write_bytes(b"other")
    assert file_key(a, model="base") != file_key(b, model="base")
