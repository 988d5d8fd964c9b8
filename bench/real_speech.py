"""Accuracy on real human speech: the VIVOS clips in ``../shared/corpus/speech`` (read, not copied).

The espeak-ng clips of the tests are a robotic voice; these 40 clips of read Vietnamese speech
(VIVOS, CC BY-NC-SA 4.0: used from ``../shared`` only) show what the bundled base model does on
people. Each configuration transcribes every clip in its own call, as a short voice note would
be, with the project's Transcriber; CER and WER are summed over all clips after normalisation
(NFC, lower case, no punctuation; the references spell numbers as words, as spoken).
"""

from __future__ import annotations

import csv
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.extraction import ROOT
from bench.transcription import distance, normalise
from nlp.transcribe import Transcriber
from nlp.whisper_model import load_model

SPEECH = ROOT.parent / "shared" / "corpus" / "speech"
CONFIGS = (("int8", 5), ("int8", 1), ("float32", 5))
TITLE = "## Real speech (VIVOS clips)"


def clips() -> list[tuple[Path, float, str]]:
    """The clips of the manifest: path, seconds, reference transcript."""
    manifest = SPEECH / "manifest.tsv"
    if not manifest.exists():
        msg = f"{manifest} is missing: this benchmark reads the shared speech corpus beside the project"
        raise SystemExit(msg)
    with manifest.open(encoding="utf-8", newline="") as handle:
        return [
            (SPEECH / r["file"], float(r["seconds"]), r["transcript"]) for r in csv.DictReader(handle, delimiter="\t")
        ]


def score(corpus: list[tuple[Path, float, str]], compute: str, beam: int, models: Path) -> dict[str, float]:
    """Transcribe every clip of ``corpus`` (:func:`clips`) with one configuration; error rates and speed."""
    transcriber = Transcriber(load_model("base", models, compute_type=compute, threads=2), beam_size=beam)
    chars = char_errors = words = word_errors = 0
    audio = busy = 0.0
    for path, seconds, transcript in corpus:
        started = time.perf_counter()
        text = transcriber.transcribe(path).text
        busy += time.perf_counter() - started
        audio += seconds
        ref, hyp = normalise(transcript), normalise(text)
        chars, char_errors = chars + len(ref), char_errors + distance(ref, hyp)
        words, word_errors = words + len(ref.split()), word_errors + distance(ref.split(), hyp.split())
    return {"cer": char_errors / chars, "wer": word_errors / words, "rtf": busy / audio, "audio": audio}


def run() -> str:
    """Score every configuration and return the Markdown section."""
    corpus = clips()
    with tempfile.TemporaryDirectory(prefix="ketluan-speech-") as tmp:
        rows = [(compute, beam, score(corpus, compute, beam, Path(tmp))) for compute, beam in CONFIGS]
    lines = [
        TITLE,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, Python "
        f"{platform.python_version()}, 2 threads; bundled Whisper base, language vi, VAD on, no previous-text "
        f"conditioning; {len(corpus)} clips of read Vietnamese ({rows[0][2]['audio']:.0f} s, VIVOS), one call per clip; "
        "CER and WER summed over all clips after normalisation (NFC, lower case, no punctuation).",
        "",
        "| compute type | beam | CER | WER | RTF |",
        "|---|---|---|---|---|",
        *[f"| {c} | {b} | {r['cer']:.3f} | {r['wer']:.3f} | {r['rtf']:.3f} |" for c, b, r in rows],
        "",
        "Whisper encodes a full 30-second window however short the clip (about 4 s here), so the RTF is higher "
        "than on a meeting. The first row is the project default; a bigger model (README, choosing a model) is "
        "the way to production accuracy.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    from bench.results import write_results

    section = run()
    write_results(section)
    print(section)
