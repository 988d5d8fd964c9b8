"""Test audio: Vietnamese speech from espeak-ng and encoding to any format with PyAV."""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np
import pytest


def espeak(text: str, path: Path) -> tuple[np.ndarray, int]:
    """Speak ``text`` in Vietnamese into ``path`` (wav); return its samples and rate."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: `make test` installs it (Debian package espeak-ng)")
    subprocess.run(["espeak-ng", "-v", "vi", "-s", "130", "-w", str(path), text], check=True, timeout=60)
    with wave.open(str(path)) as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
        return data.astype(np.float32) / 32768, wav.getframerate()


def encode(
    chunks: Iterable[np.ndarray],
    rate: int,
    path: Path,
    *,
    codec: str | None,
    fmt: str | None = None,
    out_rate: int | None = None,
    bit_rate: int | None = None,
    video: str | None = None,
) -> Path:
    """Encode mono float32 ``chunks`` at ``rate`` into ``path`` with PyAV (format from the suffix by default).

    ``video`` adds a black video track as long as the audio (or 2 s when ``codec`` is None: no audio).
    Opus always runs at 48 kHz.
    """
    out_rate = out_rate or (48000 if codec == "libopus" else rate)
    with av.open(str(path), "w", format=fmt) as container:
        picture = None
        if video is not None:
            picture = container.add_stream(video, rate=5)
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        seconds = 0.0 if codec is not None else 2.0
        if codec is not None:
            stream = container.add_stream(codec, rate=out_rate, layout="mono")
            if bit_rate:
                stream.bit_rate = bit_rate
            resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=out_rate)
            for chunk in chunks:
                frame = av.AudioFrame.from_ndarray(chunk[None, :].astype(np.float32), format="flt", layout="mono")
                frame.sample_rate = rate
                seconds += len(chunk) / rate
                for out in resampler.resample(frame):
                    container.mux(stream.encode(out))
            for out in [*resampler.resample(None), None]:
                container.mux(stream.encode(out))
        if picture is not None:
            for index in range(int(seconds * 5)):
                image = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
                image.pts = index
                container.mux(picture.encode(image.reformat(format="yuv420p")))
            container.mux(picture.encode(None))
    return path
