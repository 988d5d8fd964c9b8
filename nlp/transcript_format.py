"""Transcript outputs: plain text with paragraphs, SRT subtitles and a JSON-ready dict."""

from __future__ import annotations

from typing import Any

from core.domain import Transcript


def to_text(transcript: Transcript) -> str:
    """The transcript as paragraphs separated by blank lines, ending with a newline (or empty)."""
    text = transcript.text
    return text + "\n" if text else ""


def to_srt(transcript: Transcript) -> str:
    """The transcript as SubRip subtitles, one cue per segment, numbered from 1."""
    cues = []
    for number, segment in enumerate((s for s in transcript.segments if s.text.strip()), start=1):
        end = max(segment.end, segment.start)
        cues.append(f"{number}\n{srt_timestamp(segment.start)} --> {srt_timestamp(end)}\n{segment.text.strip()}\n")
    return "\n".join(cues)


def srt_timestamp(seconds: float) -> str:
    """Format seconds as an SRT timestamp ``HH:MM:SS,mmm`` (negative values count as 0)."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def to_json_dict(transcript: Transcript) -> dict[str, Any]:
    """The transcript as a dict for :func:`json.dumps`.

    Returns:
        ``{"language", "duration", "model", "segments": [{"start", "end", "text",
        "avg_logprob", "no_speech_prob", "flagged"}]}``, times in seconds rounded to
        milliseconds.
    """
    return {
        "language": transcript.language,
        "duration": round(transcript.duration, 3),
        "model": transcript.model,
        "segments": [
            {
                "start": round(segment.start, 3),
                "end": round(segment.end, 3),
                "text": segment.text,
                "avg_logprob": segment.avg_logprob,
                "no_speech_prob": segment.no_speech_prob,
                "flagged": segment.flagged,
            }
            for segment in transcript.segments
        ],
    }
