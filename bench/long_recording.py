"""Long recording benchmark: a 60-minute voice note through ``python main.py transcribe --json``.

The recording is spoken by espeak-ng (``-v vi``) from the dev-corpus sentences, varied in speed
and pitch, with pauses of 0.4-2 s between them, and encoded to ogg/opus at 32 kbit/s like a
Telegram voice note. Three child processes, each with ``KETLUAN_DATA_DIR`` in a fresh temporary
directory and the project's default settings:

1. an uninterrupted run, whose RSS is read from /proc every second (flat memory: no growth trend, so the
   report gives the least-squares slope in MB per 10 minutes, and RSS at 10/50/90 % of the run);
2. a run killed with SIGKILL once its checkpoint holds a segment past half the recording;
3. a rerun in the same data directory, which resumes from the checkpoint; its JSON segments are
   compared with those of run 1.

Run it alone with ``python -m bench.long_recording`` (``--minutes 6`` for a quick try, which
does not write bench/RESULTS.md). It takes about three times the audio length times the RTF,
plus a few minutes to build the recording.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import numpy as np

from bench.extraction import CORPUS, ROOT
from bench.results import write_results

TITLE = "## Long recording (60 minutes)"
MINUTES = 60
KILL_AT = 0.5  # fraction of the recording saved in the checkpoint when run 2 is killed
SAMPLE_EVERY_S = 1.0
OPUS_RATE = 48000
VOICES = ((130, 50), (120, 40), (140, 60))  # espeak-ng (speed, pitch), one per pass over the corpus


@dataclass
class ChildRun:
    """What one ``main.py transcribe`` child did."""

    returncode: int | None = None
    wall_s: float = 0.0
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, RSS MB)
    peak_mb: float = 0.0  # VmHWM, the kernel's own peak, as last read
    output: dict[str, Any] | None = None
    stderr: str = ""
    killed_at_s: float | None = None
    saved_segments: int = 0


def sentences() -> list[str]:
    """Every dev-corpus sentence of 40-300 characters, in corpus order."""
    out: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = re.sub(r"[*|#_]", " ", path.read_text(encoding="utf-8"))
        for part in re.split(r"(?<=[.;:!?])\s+|\n+", text):
            line = " ".join(part.split()).lstrip("-–•+ ")  # a leading dash would be an espeak-ng option
            if 40 <= len(line) <= 300:
                out.append(line)
    return out


def build_recording(path: Path, seconds: float, work: Path) -> tuple[float, int]:
    """Speak dev-corpus sentences into an ogg/opus file of at least ``seconds``; returns its length and sentence count."""
    rng = random.Random(4)
    said = 0.0
    count = 0
    lines = sentences()
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libopus", rate=OPUS_RATE, layout="mono")
        stream.bit_rate = 32000
        resampler: av.AudioResampler | None = None
        rate = 0

        def write(samples: np.ndarray) -> None:
            nonlocal resampler
            frame = av.AudioFrame.from_ndarray(samples[None, :].astype(np.float32), format="flt", layout="mono")
            frame.sample_rate = rate
            if resampler is None:
                resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=OPUS_RATE)
            for out in resampler.resample(frame):
                container.mux(stream.encode(out))

        for speed, pitch in VOICES * 4:
            for sentence in lines:
                clip = work / "sentence.wav"
                subprocess.run(
                    ["espeak-ng", "-v", "vi", "-s", str(speed), "-p", str(pitch), "-w", str(clip), sentence],  # noqa: S607
                    check=True,
                    timeout=60,
                )
                with wave.open(str(clip)) as handle:
                    rate = handle.getframerate()
                    speech = np.frombuffer(handle.readframes(handle.getnframes()), np.int16).astype(np.float32) / 32768
                pause = np.zeros(round(rate * rng.uniform(0.4, 2.0)), np.float32)
                write(np.concatenate([speech, pause]))
                said += (len(speech) + len(pause)) / rate
                count += 1
                if said >= seconds:
                    break
            if said >= seconds:
                break
        if resampler is not None:
            for out in resampler.resample(None):
                container.mux(stream.encode(out))
        for packet in stream.encode(None):
            container.mux(packet)
    return said, count


def _memory_mb(pid: int) -> tuple[float, float] | None:
    """RSS now and its peak so far (VmRSS, VmHWM) of a live process, in MB (Linux /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
    if len(fields) < 2:  # a zombie has none
        return None
    return int(fields["VmRSS"]) / 1024, int(fields["VmHWM"]) / 1024


def _last_saved_end(checkpoints: Path) -> tuple[int, float]:
    """Segments in the checkpoint and the end of the last complete one."""
    files = list(checkpoints.glob("*.jsonl"))
    if not files:
        return 0, 0.0
    lines = [line for line in files[0].read_text(encoding="utf-8").splitlines() if line.endswith("}")]
    if not lines:
        return 0, 0.0
    try:
        return len(lines), float(json.loads(lines[-1])["end"])
    except (ValueError, KeyError):
        return len(lines), 0.0


def run_child(audio: Path, data_dir: Path, *, kill_after_s: float | None = None) -> ChildRun:
    """Run ``main.py transcribe --json`` on ``audio``; sample its RSS; SIGKILL it once ``kill_after_s`` is saved."""
    # DEBUG: the transcriber logs each model rebuild, faster-whisper each rejected decode (to count fallbacks).
    env = {**os.environ, "KETLUAN_DATA_DIR": str(data_dir), "KETLUAN_LOG_LEVEL": "DEBUG", "KETLUAN_LOG_JSON": "false"}
    out_path, err_path = data_dir / "stdout.json", data_dir / "stderr.txt"
    data_dir.mkdir(parents=True, exist_ok=True)
    result = ChildRun()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "transcribe", "--json", str(audio)],
            stdout=out,
            stderr=err,
            env=env,
            cwd=ROOT,
        )
        next_sample = started
        while child.poll() is None:
            now = time.monotonic()
            if now >= next_sample:
                memory = _memory_mb(child.pid)
                if memory is not None:
                    result.samples.append((now - started, memory[0]))
                    result.peak_mb = max(result.peak_mb, memory[1])
                next_sample += SAMPLE_EVERY_S
            if kill_after_s is not None:
                saved, end = _last_saved_end(data_dir / "checkpoints")
                if end >= kill_after_s:
                    child.send_signal(signal.SIGKILL)
                    child.wait()
                    result.killed_at_s = time.monotonic() - started
                    result.saved_segments = saved
                    break
            time.sleep(0.1)
        result.returncode = child.wait()
        result.wall_s = time.monotonic() - started
    result.stderr = err_path.read_text(encoding="utf-8", errors="replace")
    if result.returncode == 0:
        result.output = json.loads(out_path.read_text(encoding="utf-8"))
    return result


_REJECTED = re.compile(r"threshold is not met with temperature (\d\.\d)")


def decode_counts(stderr: str) -> tuple[int, int]:
    """Model rebuilds (one per window when the transcriber has ``reload``) and sampled fallback decodes.

    faster-whisper logs each rejected decode (one or two lines: compression ratio, log probability);
    each rejected decode below temperature 1.0 is followed by a sampled one.
    """
    rebuilds = stderr.count("model rebuilt for a window")
    sampled = 0
    previous: str | None = None
    for line in stderr.splitlines():
        match = _REJECTED.search(line)
        if match is None:
            previous = None
            continue
        if match.group(1) != previous and float(match.group(1)) < 1.0:
            sampled += 1
        previous = match.group(1)
    return rebuilds, sampled


def _rss_at(samples: list[tuple[float, float]], fraction: float) -> float:
    times = np.array([t for t, _ in samples])
    values = np.array([v for _, v in samples])
    return float(np.interp(fraction * times[-1], times, values))


def _tenth_maxima(samples: list[tuple[float, float]]) -> list[float]:
    """The highest RSS sampled in each tenth of the run (a plateau shows as equal values)."""
    end = samples[-1][0]
    return [max((v for t, v in samples if i * end / 10 <= t <= (i + 1) * end / 10), default=0.0) for i in range(10)]


def _slope_mb_per_10_min(samples: list[tuple[float, float]], *, skip: float = 0.1) -> float:
    """Least-squares slope of RSS over the run, leaving out its first ``skip`` (model load, warm-up)."""
    end = samples[-1][0]
    kept = [(t, v) for t, v in samples if t >= skip * end]
    if len(kept) < 3:
        return 0.0
    times = np.array([t for t, _ in kept]) / 600.0
    values = np.array([v for _, v in kept])
    return float(np.polyfit(times, values, 1)[0])


def _compare(reference: list[dict[str, Any]], other: list[dict[str, Any]]) -> str:
    if reference == other:
        return "yes"
    differing = sum(a != b for a, b in zip(reference, other, strict=False)) + abs(len(reference) - len(other))
    first = next((i for i, (a, b) in enumerate(zip(reference, other, strict=False)) if a != b), None)
    where = f"first at segment {first} ({reference[first]['start']:.1f} s)" if first is not None else "length only"
    return f"no ({differing} segments differ, {where})"


def run(minutes: float = MINUTES) -> str:
    """Build the recording, run the three children and return the Markdown section."""
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ketluan-long-") as tmp:
        folder = Path(tmp)
        audio = folder / "meeting.ogg"
        built = time.monotonic()
        seconds, spoken = build_recording(audio, minutes * 60, folder)
        build_s = time.monotonic() - built
        size_mb = audio.stat().st_size / 1e6
        full = run_child(audio, folder / "uninterrupted")
        if full.output is None:
            raise RuntimeError(f"the uninterrupted run failed: {full.stderr[-2000:]}")
        duration = float(full.output["duration"])
        killed = run_child(audio, folder / "resumed", kill_after_s=KILL_AT * duration)
        resumed = run_child(audio, folder / "resumed")
        if resumed.output is None:
            raise RuntimeError(f"the resumed run failed: {resumed.stderr[-2000:]}")
    reference = full.output["segments"]
    identical = _compare(reference, resumed.output["segments"])
    rebuilds, sampled = decode_counts(full.stderr)
    samples = full.samples
    lines = [
        TITLE,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU (load average {load[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end: "
        "other work shared the CPUs); `python main.py transcribe --json` in a child process with default "
        "settings (bundled base, int8, beam 5, VAD, windows of 300 s). The recording: "
        f"{seconds / 60:.1f} minutes ({seconds:.0f} s), {spoken} dev-corpus sentences spoken by espeak-ng with "
        f"three voices and 0.4-2 s pauses, ogg/opus 32 kbit/s, {size_mb:.1f} MB (built in {build_s:.0f} s).",
        "",
        "| metric | value |",
        "|---|---|",
        f"| uninterrupted run: wall time (including model load) | {full.wall_s:.0f} s, RTF {full.wall_s / duration:.3f} |",
        f"| peak RSS (VmHWM) | {full.peak_mb:.0f} MB |",
        f"| RSS at 10 % / 50 % / 90 % of the run | {_rss_at(samples, 0.1):.0f} / {_rss_at(samples, 0.5):.0f} / "
        f"{_rss_at(samples, 0.9):.0f} MB |",
        f"| highest RSS in each tenth of the run | {', '.join(f'{v:.0f}' for v in _tenth_maxima(samples))} MB |",
        f"| RSS trend, least squares over {len(samples)} samples: after the first 10 % / second half | "
        f"{_slope_mb_per_10_min(samples):+.1f} / {_slope_mb_per_10_min(samples, skip=0.5):+.1f} MB per 10 min |",
        f"| segments (uninterrupted) | {len(reference)} |",
        f"| model rebuilds (one per window when main.py passes `reload`) / sampled fallback decodes | "
        f"{rebuilds} / {sampled} |",
        f"| killed run: SIGKILL after | {killed.killed_at_s or 0:.0f} s, {killed.saved_segments} segments saved "
        f"(past {KILL_AT:.0%} of the audio) |",
        f"| resumed run: wall time | {resumed.wall_s:.0f} s (killed + resumed: "
        f"{(killed.killed_at_s or 0) + resumed.wall_s:.0f} s) |",
        f"| segments (resumed) | {len(resumed.output['segments'])} |",
        f"| resumed transcript identical to the uninterrupted one | {identical} |",
        "",
        "RSS falls for a moment while the model is rebuilt between windows, so single samples (the 10/50/90 % "
        "column) and the least-squares slopes are noisy; the per-tenth maxima are the plateau to read.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the full 60 minutes also rewrite its section of bench/RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m bench.long_recording")
    parser.add_argument("--minutes", type=float, default=MINUTES, help="length of the recording (60 by default)")
    args = parser.parse_args(argv)
    section = run(args.minutes)
    if args.minutes == MINUTES:
        write_results(section)
    sys.stdout.write(section + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
