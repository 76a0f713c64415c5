"""The pretrained sentence encoder: text in, one L2-normalised 384-dimensional vector out.

all-MiniLM-L6-v2 as an int8 ONNX file from site-packages (see ``encoder.yml``), run on
onnxruntime with one thread, tokenised by the model's own WordPiece tokenizer; mean pooling
over the attention mask, then L2 normalisation, as sentence-transformers does. Loading checks
both files against their pinned sha256 and never touches the network.

The NLU featurizer and the risk classifier share one encoder per process (``default_encoder``).
If it cannot load, ``EncoderUnavailableError`` says why; callers decide what still works without it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

logger = logging.getLogger(__name__)

SETTINGS_FILE = Path(__file__).with_name("encoder.yml")
BATCH_SIZE = 64
# The gateway's risk check and the NLU featurizer see the same text in one turn: a message's
# few texts are looked up one by one in a small cache, so the second lookup is free. Larger
# batches (training) are encoded directly.
CACHE_SIZE = 2048
CACHED_BATCH = 8


class EncoderUnavailableError(RuntimeError):
    """The encoder's files are missing, altered or cannot be run."""


@dataclass(frozen=True)
class EncoderFiles:
    model: Path
    model_sha256: str
    tokenizer: Path
    tokenizer_sha256: str
    max_tokens: int
    dimensions: int


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailableError(
            f"package {package!r} is not installed (see requirements.lock)"
        )
    return Path(list(spec.submodule_search_locations)[0])


def encoder_files(settings_file: Path = SETTINGS_FILE) -> EncoderFiles:
    """Where the pinned files are, from ``encoder.yml``."""
    settings = yaml.safe_load(settings_file.read_text(encoding="utf-8"))
    model, tokenizer = settings["model"], settings["tokenizer"]
    return EncoderFiles(
        model=_package_dir(model["package"]) / model["file"],
        model_sha256=model["sha256"],
        tokenizer=settings_file.parent / tokenizer["file"],
        tokenizer_sha256=tokenizer["sha256"],
        max_tokens=int(settings["max_tokens"]),
        dimensions=int(settings["dimensions"]),
    )


def _verified_bytes(path: Path, sha256: str) -> bytes:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise EncoderUnavailableError(f"cannot read {path}: {error.strerror}") from error
    digest = hashlib.sha256(content).hexdigest()
    if digest != sha256:
        raise EncoderUnavailableError(f"{path.name} checksum {digest[:12]}… is not the pinned one")
    return content


class SentenceEncoder:
    """Encodes texts in batches; safe to share between threads of one process."""

    def __init__(self, files: EncoderFiles) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.dimensions = files.dimensions
        tokenizer_json = _verified_bytes(files.tokenizer, files.tokenizer_sha256)
        model_bytes = _verified_bytes(files.model, files.model_sha256)
        try:
            self._tokenizer = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
            self._tokenizer.no_padding()
            self._tokenizer.enable_truncation(files.max_tokens)
            options = onnxruntime.SessionOptions()
            # One thread per session: Sanic serves many conversations on two cores, and a
            # short sentence takes a few milliseconds on one.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._session = onnxruntime.InferenceSession(
                model_bytes, options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # a corrupt file that still matched would be a bug upstream
            raise EncoderUnavailableError(f"cannot start the encoder: {error}") from error
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._encode_one = lru_cache(maxsize=CACHE_SIZE)(self._encode_single)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, float32, unit length (an empty text gives the [CLS][SEP] vector)."""
        if not len(texts):
            return np.zeros((0, self.dimensions), dtype=np.float32)
        if len(texts) <= CACHED_BATCH:
            return np.vstack([self._encode_one(t or "") for t in texts])
        return self._encode_uncached(texts)

    def _encode_single(self, text: str) -> np.ndarray:
        vector = self._encode_batch([text])[0]
        vector.setflags(write=False)  # shared by every caller of the cache
        return vector

    def _encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        # Batches of similar length: padding a short question to a long post costs more than
        # the model itself.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i] or ""))
        ordered = [texts[i] for i in order]
        rows = np.vstack(
            [
                self._encode_batch(ordered[i : i + BATCH_SIZE])
                for i in range(0, len(ordered), BATCH_SIZE)
            ]
        )
        result = np.empty_like(rows)
        result[order] = rows
        return result

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch([t or "" for t in texts])
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        tokens = self._session.run(None, feed)[0]  # (batch, length, dimensions)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


@cache
def default_encoder() -> SentenceEncoder:
    """This process's encoder, loaded once (about half a second)."""
    return SentenceEncoder(encoder_files())
