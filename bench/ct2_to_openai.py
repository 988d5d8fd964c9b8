"""Convert a CTranslate2 Whisper model (faster-whisper's format) into an openai-whisper checkpoint.

Only the benchmark needs this: openai-whisper cannot download its weights here, so the
bundled CTranslate2 model is turned back into the checkpoint ``whisper.load_model(path)``
reads, and both libraries then run the very same weights.

``model.bin`` (binary version 6, written by ``ctranslate2.specs.ModelSpec._serialize``) is,
little-endian: ``u32`` binary version, string spec name, ``u32`` spec revision, ``u32``
variable count, then per variable a string name, ``u8`` rank, ``u32`` per dimension, ``u8``
dtype id (float32, int8, int16, int32, float16, bfloat16), ``u32`` byte count and the raw
bytes; finally ``u32`` alias count and (alias, target) string pairs. A string is a ``u16``
length that counts a trailing NUL, then the UTF-8 bytes and the NUL. Quantized weights come
with a ``<name>_scale`` variable (int8: one scale per output row; int16: one scalar).

Reading and mapping need numpy only; :func:`save_checkpoint` needs torch.

Usage: ``python -m bench.ct2_to_openai MODEL_DIR OUT.pt``.
"""

from __future__ import annotations

import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

SUPPORTED_BINARY_VERSIONS = (5, 6)
_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
# openai-whisper's linear layers, by the CTranslate2 name of the layer that holds them.
_FFN = {"linear_0": "mlp.0", "linear_1": "mlp.2"}


@dataclass(frozen=True)
class Ct2Model:
    """The variables of a CTranslate2 ``model.bin``, as stored.

    Attributes:
        binary_version: Version of the file format.
        spec: Name of the model specification (``"WhisperSpec"``).
        revision: Revision of that specification.
        variables: Every stored variable by name (bfloat16 is widened to float32 on reading).
        aliases: Variables stored once under another name (``decoder/projection/weight``).
    """

    binary_version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray] = field(repr=False)
    aliases: dict[str, str]

    def get(self, name: str) -> np.ndarray:
        """Return a variable as stored, following an alias.

        Raises:
            KeyError: The model has no such variable.
        """
        return self.variables[self.aliases.get(name, name)]

    def weight(self, name: str) -> np.ndarray:
        """Return a weight as float32, dequantized with its ``_scale`` variable when it has one.

        Raises:
            KeyError: The model has no such variable.
        """
        value = self.get(name)
        scale_name = self.aliases.get(name, name) + "_scale"
        if scale_name in self.variables:
            scale = self.variables[scale_name].astype(np.float32)
            rows = scale.reshape(-1, *([1] * (value.ndim - 1))) if scale.ndim else scale
            return value.astype(np.float32) / rows
        return value.astype(np.float32)

    def scalar(self, name: str) -> int:
        """Return an integer scalar variable such as ``encoder/num_heads``."""
        return int(self.get(name).reshape(()))


def _read_bytes(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("model.bin ends too early")
    return data


def _read(stream: BinaryIO, fmt: str) -> int:
    value: int = struct.unpack("<" + fmt, _read_bytes(stream, struct.calcsize("<" + fmt)))[0]
    return value


def _read_string(stream: BinaryIO) -> str:
    return _read_bytes(stream, _read(stream, "H"))[:-1].decode("utf-8")


def read_model_bin(path: Path) -> Ct2Model:
    """Parse a CTranslate2 ``model.bin``.

    Args:
        path: The ``model.bin`` file.

    Returns:
        Its header, variables and aliases.

    Raises:
        ValueError: The file is truncated or of an unsupported binary version.
    """
    variables: dict[str, np.ndarray] = {}
    aliases: dict[str, str] = {}
    with path.open("rb") as stream:
        version = _read(stream, "I")
        if version not in SUPPORTED_BINARY_VERSIONS:
            raise ValueError(f"unsupported CTranslate2 binary version {version}")
        spec = _read_string(stream)
        revision = _read(stream, "I")
        for _ in range(_read(stream, "I")):
            name = _read_string(stream)
            shape = tuple(_read(stream, "I") for _ in range(_read(stream, "B")))
            dtype = _DTYPES[_read(stream, "B")]
            data = _read_bytes(stream, _read(stream, "I"))
            variables[name] = _decode(data, dtype, shape)
        for _ in range(_read(stream, "I")):
            alias = _read_string(stream)
            aliases[alias] = _read_string(stream)
    return Ct2Model(version, spec, revision, variables, aliases)


def _decode(data: bytes, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    if dtype == "bfloat16":  # numpy has none: the upper half of a float32
        widened = np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16
        return widened.view(np.float32).reshape(shape)
    return np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)


def dimensions(model: Ct2Model) -> dict[str, int]:
    """Derive openai-whisper's ``ModelDimensions`` fields from the weights.

    Raises:
        ValueError: The model is not a Whisper model.
    """
    if model.spec != "WhisperSpec":
        raise ValueError(f"not a Whisper model: {model.spec}")
    audio_ctx, audio_state = model.get("encoder/position_encodings/encodings").shape
    text_ctx, text_state = model.get("decoder/position_encodings/encodings").shape
    return {
        "n_mels": model.get("encoder/conv1/weight").shape[1],
        "n_audio_ctx": audio_ctx,
        "n_audio_state": audio_state,
        "n_audio_head": model.scalar("encoder/num_heads"),
        "n_audio_layer": _count_layers(model, "encoder"),
        "n_vocab": model.get("decoder/embeddings/weight").shape[0],
        "n_text_ctx": text_ctx,
        "n_text_state": text_state,
        "n_text_head": model.scalar("decoder/num_heads"),
        "n_text_layer": _count_layers(model, "decoder"),
    }


def _count_layers(model: Ct2Model, stack: str) -> int:
    layer = re.compile(rf"{stack}/layer_(\d+)/")  # not "layer_norm"
    return len({match.group(1) for name in model.variables if (match := layer.match(name))})


def state_dict(model: Ct2Model) -> dict[str, np.ndarray]:
    """Map the CTranslate2 variables to openai-whisper's ``model_state_dict`` (float32 arrays).

    CTranslate2 fuses the query, key and value projections of self-attention into one
    ``linear_0`` (and key with value in cross-attention's ``linear_1``); openai-whisper's key
    projection has no bias, and the fused bias holds zeros in its place. The output projection
    is tied to the token embedding in both.

    Raises:
        KeyError: A variable the mapping needs is missing.
        ValueError: The model is not a Whisper model.
    """
    dims = dimensions(model)
    out: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        out[f"encoder.{conv}.weight"] = model.weight(f"encoder/{conv}/weight")
        out[f"encoder.{conv}.bias"] = model.weight(f"encoder/{conv}/bias")
    out["encoder.positional_embedding"] = model.weight("encoder/position_encodings/encodings")
    _layer_norm(model, out, "encoder/layer_norm", "encoder.ln_post")
    out["decoder.token_embedding.weight"] = model.weight("decoder/embeddings/weight")
    out["decoder.positional_embedding"] = model.weight("decoder/position_encodings/encodings")
    _layer_norm(model, out, "decoder/layer_norm", "decoder.ln")
    for stack, layers in (("encoder", dims["n_audio_layer"]), ("decoder", dims["n_text_layer"])):
        for i in range(layers):
            src, dst = f"{stack}/layer_{i}", f"{stack}.blocks.{i}"
            _projections(model, out, f"{src}/self_attention/linear_0", f"{dst}.attn", ("query", "key", "value"))
            _linear(model, out, f"{src}/self_attention/linear_1", f"{dst}.attn.out")
            _layer_norm(model, out, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
            if stack == "decoder":
                _projections(model, out, f"{src}/attention/linear_0", f"{dst}.cross_attn", ("query",))
                _projections(model, out, f"{src}/attention/linear_1", f"{dst}.cross_attn", ("key", "value"))
                _linear(model, out, f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
                _layer_norm(model, out, f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
            for linear, target in _FFN.items():
                _linear(model, out, f"{src}/ffn/{linear}", f"{dst}.{target}")
            _layer_norm(model, out, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
    projection = model.weight("decoder/projection/weight")
    if not np.array_equal(projection, out["decoder.token_embedding.weight"]):
        raise ValueError("the output projection is not tied to the token embedding")
    return out


def _layer_norm(model: Ct2Model, out: dict[str, np.ndarray], src: str, dst: str) -> None:
    out[f"{dst}.weight"] = model.weight(f"{src}/gamma")
    out[f"{dst}.bias"] = model.weight(f"{src}/beta")


def _linear(model: Ct2Model, out: dict[str, np.ndarray], src: str, dst: str) -> None:
    out[f"{dst}.weight"] = model.weight(f"{src}/weight")
    out[f"{dst}.bias"] = model.weight(f"{src}/bias")


def _projections(model: Ct2Model, out: dict[str, np.ndarray], src: str, dst: str, parts: tuple[str, ...]) -> None:
    """Split the fused linear layer ``src`` row-wise into openai-whisper's ``parts`` (query/key/value)."""
    weight, bias = model.weight(f"{src}/weight"), model.weight(f"{src}/bias")
    for part, w, b in zip(parts, np.split(weight, len(parts)), np.split(bias, len(parts)), strict=True):
        out[f"{dst}.{part}.weight"] = w
        if part != "key":
            out[f"{dst}.{part}.bias"] = b
        elif np.any(b):  # openai-whisper's key projection has no bias; CTranslate2 stores zeros
            raise ValueError(f"{src}: the key projection has a non-zero bias")


def save_checkpoint(model_dir: Path, destination: Path) -> Path:
    """Write the openai-whisper checkpoint of a CTranslate2 Whisper model (needs torch).

    Args:
        model_dir: CTranslate2 model directory (with ``model.bin``).
        destination: The ``.pt`` file to write.

    Returns:
        ``destination``.
    """
    import torch

    model = read_model_bin(model_dir / "model.bin")
    tensors: dict[str, Any] = {name: torch.from_numpy(value.copy()) for name, value in state_dict(model).items()}
    destination.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"dims": dimensions(model), "model_state_dict": tensors}, destination)
    return destination


def main(argv: list[str]) -> int:
    """Command line: ``MODEL_DIR OUT.pt``."""
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    print(save_checkpoint(Path(argv[0]), Path(argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
