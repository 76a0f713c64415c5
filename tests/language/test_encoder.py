"""The sentence encoder: pinned files, no network, meaning in its vectors."""

import shutil
import socket

import numpy as np
import pytest

from assistant.language import encoder as encoder_module
from assistant.language.encoder import (
    EncoderUnavailableError,
    SentenceEncoder,
    default_encoder,
    encoder_files,
)


def test_paraphrases_are_closer_than_unrelated_questions():
    vectors = default_encoder().encode(
        [
            "how long does an infusion take",
            "how many minutes is each ketamine session",
            "will my insurance pay for it",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_batches_keep_the_order_of_their_texts():
    texts = ["a much longer question about the cost of a whole series of infusions", "cost", ""]
    together = default_encoder().encode(texts)
    one_by_one = np.vstack([default_encoder().encode([t]) for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-4)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails, as on a machine with no network."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_encoder_loads_from_site_packages_without_network(no_network):
    fresh = SentenceEncoder(encoder_files())
    assert fresh.encode(["is ketamine addictive"]).shape == (1, 384)


def test_a_changed_model_file_is_refused(tmp_path):
    files = encoder_files()
    altered = tmp_path / "model.onnx"
    shutil.copy(files.model, altered)
    with altered.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(EncoderUnavailableError, match="checksum"):
        SentenceEncoder(encoder_module.EncoderFiles(**{**files.__dict__, "model": altered}))


def test_a_missing_tokenizer_is_refused(tmp_path):
    files = encoder_files()
    with pytest.raises(EncoderUnavailableError, match="cannot read"):
        SentenceEncoder(
            encoder_module.EncoderFiles(**{**files.__dict__, "tokenizer": tmp_path / "none.json"})
        )
