"""faster-whisper against openai-whisper on the same weights and the same audio, in one run.

The bundled CTranslate2 Whisper base model is converted into an openai-whisper checkpoint
(:mod:`bench.ct2_to_openai`), so both libraries run the same (float16-stored) weights. A
synthetic meeting of at least five minutes (:func:`bench.transcription.synthetic_meeting`)
is transcribed by

* faster-whisper through the project's :class:`nlp.transcribe.Transcriber` with its default
  settings (int8, beam 5, VAD on, ``condition_on_previous_text=False``), and in float32;
* openai-whisper in float32 on the CPU, with the same decoding options where they exist
  (language vi, beam 5, no previous-text conditioning, no no-speech skipping; it has no VAD).

Every measurement is a fresh process (so its peak RSS is its own), all with one thread per
core; the configurations alternate round by round and the report gives medians. A greedy
decode of the first 30 seconds by both libraries checks the conversion. Needs the
``bench-openai`` extra (``make bench-openai`` builds ``.venv-openai``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.extraction import ROOT
from bench.results import write_results
from bench.transcription import cer, normalise, synthetic_meeting
from nlp.whisper_model import assemble_bundled_model

TITLE = "faster-whisper against openai-whisper on the same weights and the same audio, in one run."
SAMPLE_RATE = 16000
CHECK_SECONDS = 30
# (label, engine, compute type); every configuration decodes with beam 5.
CONFIGS = (
    ("faster-whisper int8 (project default)", "faster", "int8"),
    ("faster-whisper float32", "faster", "float32"),
    ("openai-whisper float32", "openai", "float32"),
)
BEAM = 5
ACCEPTANCE_RATIO = 1.5
_OPENAI_OPTIONS: dict[str, Any] = {
    "language": "vi",
    "beam_size": BEAM,
    "condition_on_previous_text": False,
    "no_speech_threshold": None,  # as the Transcriber with VAD on
    "fp16": False,
}


@dataclass(frozen=True)
class Run:
    """One measurement: a fresh process that loaded a model and transcribed the meeting."""

    label: str
    load_s: float
    wall_s: float
    duration_s: float
    rss_mb: float
    text: str
    fallback: str = ""


def _threads() -> int:
    return os.cpu_count() or 1


def _child_faster(audio: Path, cache_dir: Path, compute: str) -> dict[str, Any]:
    from nlp.transcribe import Transcriber
    from nlp.whisper_model import load_model

    start = time.perf_counter()
    model = load_model("base", cache_dir, compute_type=compute, threads=_threads())
    loaded = time.perf_counter()
    transcript = Transcriber(model, beam_size=BEAM).transcribe(audio)
    done = time.perf_counter()
    text = " ".join(segment.text for segment in transcript.segments)
    return {"load_s": loaded - start, "wall_s": done - loaded, "duration_s": transcript.duration, "text": text}


def _child_openai(audio: Path, checkpoint: Path) -> dict[str, Any]:
    start = time.perf_counter()
    import torch
    import whisper
    from faster_whisper import decode_audio

    torch.set_num_threads(_threads())
    model = whisper.load_model(str(checkpoint), device="cpu")
    loaded = time.perf_counter()
    samples = decode_audio(str(audio), sampling_rate=SAMPLE_RATE)  # timed: the Transcriber decodes too
    result = model.transcribe(samples, **_OPENAI_OPTIONS)
    done = time.perf_counter()
    segments = result["segments"]
    text = " ".join(segment["text"].strip() for segment in segments)
    fallback = f"{sum(segment['temperature'] > 0 for segment in segments)} of {len(segments)}"
    duration = len(samples) / SAMPLE_RATE
    return {
        "load_s": loaded - start,
        "wall_s": done - loaded,
        "duration_s": duration,
        "text": text,
        "fallback": fallback,
    }


def _child_convert(model_dir: Path, destination: Path) -> dict[str, Any]:
    """Convert in a child, so that the parent stays small (children inherit nothing from it)."""
    from bench.ct2_to_openai import save_checkpoint

    start = time.perf_counter()
    save_checkpoint(model_dir, destination)
    return {"convert_s": time.perf_counter() - start}


def _child_check(audio: Path, model_dir: Path, checkpoint: Path) -> dict[str, Any]:
    """Greedy float32 decode of the first seconds by both libraries (no VAD, no timestamps)."""
    import torch
    import whisper
    from faster_whisper import WhisperModel, decode_audio

    torch.set_num_threads(_threads())
    samples = decode_audio(str(audio), sampling_rate=SAMPLE_RATE)[: SAMPLE_RATE * CHECK_SECONDS]
    options: dict[str, Any] = {"language": "vi", "temperature": 0.0, "condition_on_previous_text": False}
    options["without_timestamps"] = True
    faster = WhisperModel(str(model_dir), device="cpu", compute_type="float32", cpu_threads=_threads())
    segments, _ = faster.transcribe(samples, beam_size=1, vad_filter=False, **options)
    faster_text = " ".join(segment.text.strip() for segment in segments)
    openai = whisper.load_model(str(checkpoint), device="cpu").transcribe(samples, fp16=False, **options)
    openai_text = " ".join(segment["text"].strip() for segment in openai["segments"])
    return {"faster": faster_text, "openai": openai_text}


def _spawn(*args: str) -> dict[str, Any]:
    """Run ``python -m bench.openai_whisper --child ARGS`` and return its JSON with its peak RSS."""
    res = subprocess.run(
        [sys.executable, "-m", "bench.openai_whisper", "--child", *args],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    if res.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed:\n{res.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def child(argv: list[str]) -> int:
    """Child process entry: ``faster AUDIO CACHE COMPUTE``, ``openai AUDIO CKPT``, ``check AUDIO DIR CKPT``
    or ``convert DIR CKPT``; prints one JSON line with the measurement and the peak RSS.
    """
    kind, *paths = argv
    if kind == "faster":
        out = _child_faster(Path(paths[0]), Path(paths[1]), paths[2])
    elif kind == "openai":
        out = _child_openai(Path(paths[0]), Path(paths[1]))
    elif kind == "convert":
        out = _child_convert(Path(paths[0]), Path(paths[1]))
    else:
        out = _child_check(Path(paths[0]), Path(paths[1]), Path(paths[2]))
    out["rss_mb"] = _peak_rss_mb()
    print(json.dumps(out, ensure_ascii=False))
    return 0


def _peak_rss_mb() -> float:
    """Peak RSS of this process image: VmHWM, as ``ru_maxrss`` keeps the parent's peak across fork + exec."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text(encoding="utf-8").split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    return f"{cpu}, {_threads()} cores, {mem_kb / 1024**2:.0f} GB RAM, Python {platform.python_version()}"


def _versions() -> str:
    names = ("faster-whisper", "ctranslate2", "openai-whisper", "torch")
    return ", ".join(f"{name} {metadata.version(name)}" for name in names)


def _load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def measure(rounds: int) -> str:
    """Run the side-by-side benchmark and return its Markdown section.

    Args:
        rounds: How many times each configuration runs (the order rotates each round).
    """
    load_before = _load()
    runs: dict[str, list[Run]] = {label: [] for label, _, _ in CONFIGS}
    with tempfile.TemporaryDirectory(prefix="ketluan-openai-") as tmp:
        folder = Path(tmp)
        audio, said = synthetic_meeting(folder)
        model_dir = assemble_bundled_model(folder / "models")
        checkpoint = folder / "openai-base.pt"
        convert_s = _spawn("convert", str(model_dir), str(checkpoint))["convert_s"]
        check = _spawn("check", str(audio), str(model_dir), str(checkpoint))
        for r in range(rounds):
            for label, engine, compute in CONFIGS[r % len(CONFIGS) :] + CONFIGS[: r % len(CONFIGS)]:
                if engine == "faster":
                    out = _spawn("faster", str(audio), str(folder / "models"), compute)
                else:
                    out = _spawn("openai", str(audio), str(checkpoint))
                runs[label].append(
                    Run(
                        label, out["load_s"], out["wall_s"], out["duration_s"], out["rss_mb"], out["text"],
                        out.get("fallback", ""),
                    )
                )  # fmt: skip
                print(f"round {r + 1}: {label}: {out['wall_s']:.1f} s", file=sys.stderr)
    return _report(runs, said, check, convert_s, load_before, _load())


def _report(
    runs: dict[str, list[Run]], said: str, check: dict[str, Any], convert_s: float, load_before: str, load_after: str
) -> str:
    scores: dict[str, float] = {}  # CER by text: the pure-Python distance is slow, repeated texts are common
    rows, medians = [], {}
    for label, measured in runs.items():
        walls = [run.wall_s for run in measured]
        wall = statistics.median(walls)
        medians[label] = wall
        errors = [scores.setdefault(run.text, cer(said, run.text)) for run in measured]
        rows.append(
            f"| {label} | {wall:.1f} s | {wall / measured[0].duration_s:.3f} | {statistics.median(errors):.3f} "
            f"| {statistics.median(run.rss_mb for run in measured):.0f} MB "
            f"| {statistics.median(run.load_s for run in measured):.1f} s | {', '.join(f'{w:.1f}' for w in walls)} |"
        )
    duration = next(iter(runs.values()))[0].duration_s
    openai = medians[CONFIGS[2][0]]
    ratios = {label: openai / medians[label] for label, engine, _ in CONFIGS if engine == "faster"}
    paired = {  # the same ratio within each round
        label: ", ".join(f"{o.wall_s / f.wall_s:.2f}" for o, f in zip(runs[CONFIGS[2][0]], runs[label], strict=True))
        for label in ratios
    }
    default_ratio = ratios[CONFIGS[0][0]]
    same = normalise(check["faster"]) == normalise(check["openai"])
    check_line = (
        "identical text" if same else f"texts differ, CER between them {cer(check['faster'], check['openai']):.3f}"
    )
    lines = [
        "## openai-whisper side by side",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_machine()}; {_versions()}. "
        f"Load average (1/5/15 min) {load_before} before, {load_after} after: the CPU may have been "
        "shared with other processes, so single runs vary; the medians and the alternating order damp that.",
        "",
        f"Same weights: the bundled CTranslate2 Whisper base converted to an openai-whisper checkpoint by "
        f"`bench/ct2_to_openai.py` ({convert_s:.1f} s). Same audio: a {duration:.0f}-second synthetic meeting "
        f"spoken by espeak-ng. {len(next(iter(runs.values())))} rounds, configurations alternating, each run a fresh "
        f"process with {_threads()} threads (CTranslate2 `cpu_threads`, `torch.set_num_threads`). All decode with "
        "beam 5, language vi, no previous-text conditioning and the default temperature fallback; faster-whisper "
        "through the project's Transcriber (VAD on), openai-whisper in fp32 with `no_speech_threshold=None` "
        "(as the Transcriber) and no VAD (it has none). Wall time = decoding the audio + transcribing, model "
        "load apart.",
        "",
        "| configuration | wall time (median) | RTF | CER | peak RSS | load | runs (wall s) |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        *[
            f"- speed ratio openai-whisper / {label}: **{ratio:.2f}x** (medians; per round {paired[label]})"
            for label, ratio in ratios.items()
        ],
        f"- acceptance (faster-whisper default ≥ {ACCEPTANCE_RATIO}x faster): "
        f"{'met' if default_ratio >= ACCEPTANCE_RATIO else 'NOT met'} ({default_ratio:.2f}x)",
        f"- openai-whisper segments decoded above temperature 0 (fallback), per round: "
        f"{'; '.join(run.fallback for run in runs[CONFIGS[2][0]])}",
        f"- conversion check, greedy float32 decode of the first {CHECK_SECONDS} s by both libraries: {check_line}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or one child measurement) and write its section of bench/RESULTS.md."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--child":
        return child(args[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.openai_whisper", description=TITLE)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each configuration (default 3)")
    section = measure(parser.parse_args(args).rounds)
    write_results(section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
