"""Transcription benchmark: real-time factor, peak memory and CER of the bundled Whisper base.

A synthetic meeting of at least 5 minutes is spoken by espeak-ng (``-v vi -s 130``) from
sentences of the dev corpus. Each configuration (compute type x beam size) runs in a fresh
process that reports its wall time and peak RSS; the CER compares its text with the spoken
sentences after normalisation (NFC, lower case, no punctuation). espeak is a robotic voice:
the numbers compare configurations, they are not a claim about human speech.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
import tempfile
import unicodedata
import wave
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.extraction import CORPUS, ROOT

MIN_SECONDS = 300.0
CONFIGS = (("int8", 1), ("int8", 5), ("float32", 1), ("float32", 5))
_RUN = """
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from nlp.whisper_model import load_model
from nlp.transcribe import Transcriber
model = load_model("base", Path(sys.argv[2]), compute_type=sys.argv[3])
loaded = time.perf_counter()
transcript = Transcriber(model, beam_size=int(sys.argv[4])).transcribe(Path(sys.argv[1]))
done = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"load_s": loaded - t0, "transcribe_s": done - loaded, "rss_mb": rss,
                  "duration": transcript.duration, "text": " ".join(s.text for s in transcript.segments)}))
"""


def _sentences() -> list[str]:
    text = (CORPUS / "005_tb634-vpcp-thanh-hoa.txt").read_text(encoding="utf-8")
    text += (CORPUS / "010_tb653-vpcp-du-an-dien.txt").read_text(encoding="utf-8")
    parts = re.split(r"(?<=[.;:])\s+", re.sub(r"[*|#]", " ", text))
    return [" ".join(p.split()) for p in parts if 40 <= len(p) <= 300]


def synthetic_meeting(folder: Path) -> tuple[Path, str]:
    """Speak dev-corpus sentences until at least five minutes; returns the wav and what was said."""
    said: list[str] = []
    samples: list[np.ndarray] = []
    seconds, rate = 0.0, 22050
    for i, sentence in enumerate(_sentences()):
        clip = folder / f"s{i}.wav"
        subprocess.run(["espeak-ng", "-v", "vi", "-s", "130", "-w", str(clip), sentence], check=True)  # noqa: S607
        with wave.open(str(clip)) as w:
            rate = w.getframerate()
            samples.append(np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16))
        samples.append(np.zeros(int(rate * 0.8), dtype=np.int16))
        said.append(sentence)
        seconds += len(samples[-2]) / rate + 0.8
        if seconds >= MIN_SECONDS:
            break
    out = folder / "meeting.wav"
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.concatenate(samples).tobytes())
    return out, " ".join(said)


def normalise(text: str) -> str:
    """NFC, lower case, letters and digits only, single spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def distance(reference: list[str] | str, hypothesis: list[str] | str) -> int:
    """Levenshtein distance between two sequences (characters or words)."""
    previous = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, 1):
        current = [i]
        for j, h in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: Levenshtein distance over the reference length."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    return distance(ref, hyp) / max(1, len(ref))


def run() -> str:
    """Run every configuration and return the Markdown section."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="ketluan-asr-") as tmp:
        folder = Path(tmp)
        audio, said = synthetic_meeting(folder)
        for compute, beam in CONFIGS:
            res = subprocess.run(
                [sys.executable, "-c", _RUN, str(audio), str(folder / "models"), compute, str(beam)],
                capture_output=True, text=True, cwd=ROOT, check=True,
            )  # fmt: skip
            out = json.loads(res.stdout.strip().splitlines()[-1])
            rtf = out["transcribe_s"] / out["duration"]
            rows.append((compute, beam, out["duration"], rtf, out["rss_mb"], cer(said, out["text"]), out["load_s"]))
    lines = [
        "## Transcription (issue 4)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, Python {platform.python_version()}; "
        f"bundled Whisper base, language vi, VAD on, condition_on_previous_text off; a {rows[0][2]:.0f}-second "
        "synthetic meeting spoken by espeak-ng from dev-corpus sentences; one fresh process per row "
        "(load time includes the first-run join of the model parts only in the first row).",
        "",
        "| compute type | beam | RTF (transcribe s / audio s) | peak RSS | CER | load |",
        "|---|---|---|---|---|---|",
        *[f"| {c} | {b} | {rtf:.3f} | {rss:.0f} MB | {e:.3f} | {load:.1f} s |" for c, b, _, rtf, rss, e, load in rows],
        "",
        'The openai-whisper side-by-side on the same weights: section "openai-whisper side by side" (make bench-openai).',
    ]
    return "\n".join(lines)
