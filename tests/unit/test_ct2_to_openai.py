"""The CTranslate2 model.bin reader and its mapping to an openai-whisper state dict (no torch needed)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from bench.ct2_to_openai import Ct2Model, dimensions, read_model_bin, state_dict

DTYPE_IDS = {"float32": 0, "int8": 1, "int16": 2, "int32": 3, "float16": 4, "bfloat16": 5}
D, HEADS, FFN, VOCAB, MELS, AUDIO_CTX, TEXT_CTX = 4, 2, 8, 6, 3, 5, 3

# openai-whisper's parameter names for one block (whisper/model.py: ResidualAttentionBlock).
ATTENTION = ("query.weight", "query.bias", "key.weight", "value.weight", "value.bias", "out.weight", "out.bias")
BLOCK = (
    *(f"attn.{name}" for name in ATTENTION),
    "attn_ln.weight", "attn_ln.bias", "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias",
    "mlp_ln.weight", "mlp_ln.bias",
)  # fmt: skip
CROSS = (*(f"cross_attn.{name}" for name in ATTENTION), "cross_attn_ln.weight", "cross_attn_ln.bias")


def openai_keys(layers: int) -> set[str]:
    keys = {
        "encoder.conv1.weight", "encoder.conv1.bias", "encoder.conv2.weight", "encoder.conv2.bias",
        "encoder.positional_embedding", "encoder.ln_post.weight", "encoder.ln_post.bias",
        "decoder.token_embedding.weight", "decoder.positional_embedding", "decoder.ln.weight", "decoder.ln.bias",
    }  # fmt: skip
    for i in range(layers):
        keys |= {f"encoder.blocks.{i}.{name}" for name in BLOCK}
        keys |= {f"decoder.blocks.{i}.{name}" for name in (*BLOCK, *CROSS)}
    return keys


def write_model_bin(path: Path, variables: dict[str, np.ndarray], aliases: dict[str, str], version: int = 6) -> None:
    """The writer of ctranslate2.specs.ModelSpec._serialize, for arrays already in their stored dtype."""

    def string(text: str) -> bytes:
        return struct.pack("<H", len(text) + 1) + text.encode() + b"\0"

    out = struct.pack("<I", version) + string("WhisperSpec") + struct.pack("<II", 3, len(variables))
    for name, value in variables.items():
        dtype = "bfloat16" if value.dtype == np.uint16 else str(value.dtype)
        out += string(name) + struct.pack("<B", value.ndim) + struct.pack(f"<{value.ndim}I", *value.shape)
        out += struct.pack("<BI", DTYPE_IDS[dtype], value.nbytes) + value.tobytes()
    out += struct.pack("<I", len(aliases))
    for alias, target in aliases.items():
        out += string(alias) + string(target)
    path.write_bytes(out)


def tiny_whisper(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A one-layer Whisper in CTranslate2's layout, float16 like the bundled model."""

    def w(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float16)

    def norm(prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}/gamma": w(D), f"{prefix}/beta": w(D)}

    def linear(prefix: str, rows: int, cols: int, *, zero_key: bool = False) -> dict[str, np.ndarray]:
        bias = w(rows)
        if zero_key:  # the key part of a fused projection: second of three, or first of two
            start = D if rows == 3 * D else 0
            bias[start : start + D] = 0
        return {f"{prefix}/weight": w(rows, cols), f"{prefix}/bias": bias}

    def ffn(prefix: str) -> dict[str, np.ndarray]:
        return {
            **linear(f"{prefix}/linear_0", FFN, D),
            **linear(f"{prefix}/linear_1", D, FFN),
            **norm(f"{prefix}/layer_norm"),
        }

    heads = np.array(HEADS, dtype=np.int16)
    enc, dec = "encoder/layer_0", "decoder/layer_0"
    return {
        "encoder/conv1/weight": w(D, MELS, 3), "encoder/conv1/bias": w(D),
        "encoder/conv2/weight": w(D, D, 3), "encoder/conv2/bias": w(D),
        "encoder/position_encodings/encodings": w(AUDIO_CTX, D), "encoder/num_heads": heads,
        **norm("encoder/layer_norm"),
        **linear(f"{enc}/self_attention/linear_0", 3 * D, D, zero_key=True),
        **linear(f"{enc}/self_attention/linear_1", D, D), **norm(f"{enc}/self_attention/layer_norm"),
        **ffn(f"{enc}/ffn"),
        "decoder/embeddings/weight": w(VOCAB, D), "decoder/position_encodings/encodings": w(TEXT_CTX, D),
        "decoder/num_heads": heads, **norm("decoder/layer_norm"),
        **linear(f"{dec}/self_attention/linear_0", 3 * D, D, zero_key=True),
        **linear(f"{dec}/self_attention/linear_1", D, D), **norm(f"{dec}/self_attention/layer_norm"),
        **linear(f"{dec}/attention/linear_0", D, D),
        **linear(f"{dec}/attention/linear_1", 2 * D, D, zero_key=True),
        **linear(f"{dec}/attention/linear_2", D, D), **norm(f"{dec}/attention/layer_norm"),
        **ffn(f"{dec}/ffn"),
    }  # fmt: skip


ALIASES = {"decoder/projection/weight": "decoder/embeddings/weight"}


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    variables = tiny_whisper(np.random.default_rng(7))
    write_model_bin(tmp_path / "model.bin", variables, ALIASES)
    return tmp_path / "model.bin", variables


def test_reader_returns_header_variables_and_aliases(tiny: tuple[Path, dict[str, np.ndarray]]) -> None:
    path, variables = tiny
    model = read_model_bin(path)
    assert (model.binary_version, model.spec, model.revision) == (6, "WhisperSpec", 3)
    assert model.variables.keys() == variables.keys()
    assert model.aliases == ALIASES
    np.testing.assert_array_equal(model.get("decoder/projection/weight"), variables["decoder/embeddings/weight"])
    assert model.weight("encoder/conv1/weight").dtype == np.float32
    assert model.scalar("encoder/num_heads") == HEADS


def test_int8_weights_are_dequantized_with_their_row_scales(tmp_path: Path) -> None:
    weight = np.array([[127, -64], [10, 20]], dtype=np.int8)
    scale = np.array([127.0, 10.0], dtype=np.float32)  # CTranslate2 stores 127 / amax per row
    write_model_bin(tmp_path / "model.bin", {"w/weight": weight, "w/weight_scale": scale}, {})
    model = read_model_bin(tmp_path / "model.bin")
    np.testing.assert_allclose(model.weight("w/weight"), [[1.0, -64 / 127], [1.0, 2.0]])


def test_bfloat16_is_widened_to_float32(tmp_path: Path) -> None:
    values = np.array([1.5, -2.0, 3.25], dtype=np.float32)
    write_model_bin(tmp_path / "model.bin", {"x": (values.view(np.uint32) >> 16).astype(np.uint16)}, {})
    np.testing.assert_array_equal(read_model_bin(tmp_path / "model.bin").weight("x"), values)


def test_unsupported_version_and_truncated_file_are_refused(tmp_path: Path) -> None:
    write_model_bin(tmp_path / "old.bin", {}, {}, version=2)
    with pytest.raises(ValueError, match="binary version"):
        read_model_bin(tmp_path / "old.bin")
    write_model_bin(tmp_path / "cut.bin", {"x": np.zeros(4, np.float32)}, {})
    (tmp_path / "cut.bin").write_bytes((tmp_path / "cut.bin").read_bytes()[:-20])
    with pytest.raises(ValueError, match="ends too early"):
        read_model_bin(tmp_path / "cut.bin")


def test_dimensions_come_from_the_weights(tiny: tuple[Path, dict[str, np.ndarray]]) -> None:
    assert dimensions(read_model_bin(tiny[0])) == {
        "n_mels": MELS, "n_audio_ctx": AUDIO_CTX, "n_audio_state": D, "n_audio_head": HEADS, "n_audio_layer": 1,
        "n_vocab": VOCAB, "n_text_ctx": TEXT_CTX, "n_text_state": D, "n_text_head": HEADS, "n_text_layer": 1,
    }  # fmt: skip


def test_state_dict_has_openai_whisper_names_and_splits_fused_projections(
    tiny: tuple[Path, dict[str, np.ndarray]],
) -> None:
    path, variables = tiny
    out = state_dict(read_model_bin(path))
    assert set(out) == openai_keys(1)
    assert all(value.dtype == np.float32 for value in out.values())
    fused = variables["encoder/layer_0/self_attention/linear_0/weight"].astype(np.float32)
    np.testing.assert_array_equal(out["encoder.blocks.0.attn.query.weight"], fused[:D])
    np.testing.assert_array_equal(out["encoder.blocks.0.attn.key.weight"], fused[D : 2 * D])
    np.testing.assert_array_equal(out["encoder.blocks.0.attn.value.weight"], fused[2 * D :])
    kv_bias = variables["decoder/layer_0/attention/linear_1/bias"].astype(np.float32)
    np.testing.assert_array_equal(out["decoder.blocks.0.cross_attn.value.bias"], kv_bias[D:])
    np.testing.assert_array_equal(
        out["decoder.blocks.0.cross_attn.out.weight"], variables["decoder/layer_0/attention/linear_2/weight"]
    )
    np.testing.assert_array_equal(
        out["decoder.blocks.0.mlp.2.weight"], variables["decoder/layer_0/ffn/linear_1/weight"]
    )


def test_a_nonzero_key_bias_is_refused(tmp_path: Path) -> None:
    variables = tiny_whisper(np.random.default_rng(1))
    variables["encoder/layer_0/self_attention/linear_0/bias"][D] = 1
    write_model_bin(tmp_path / "model.bin", variables, ALIASES)
    with pytest.raises(ValueError, match="non-zero bias"):
        state_dict(read_model_bin(tmp_path / "model.bin"))


@pytest.mark.model
def test_bundled_base_model_maps_onto_openai_whisper_base(tmp_path: Path) -> None:
    from nlp.whisper_model import assemble_bundled_model

    model: Ct2Model = read_model_bin(assemble_bundled_model(tmp_path) / "model.bin")
    assert (model.binary_version, model.spec, model.revision, len(model.variables)) == (6, "WhisperSpec", 3, 214)
    assert model.aliases == ALIASES
    assert dimensions(model) == {
        "n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8, "n_audio_layer": 6,
        "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512, "n_text_head": 8, "n_text_layer": 6,
    }  # fmt: skip
    out = state_dict(model)
    assert set(out) == openai_keys(6)
    assert out["decoder.token_embedding.weight"].shape == (51865, 512)
    assert sum(value.size for value in out.values()) == 72_593_920  # openai-whisper base incl. its sinusoid buffer
