"""KV caches for a forward pass, and the keyword transformers takes them under.

Every forward that attends over keys and values (prefill, decode steps, teacher-forced scoring, the
quantization pipeline's statistics pass) gets its cache from `make_cache`: a plain transformers cache, or,
when the model carries a variant's runtime schemes with a KV format, that scheme's quantizing cache
(quant/kv.py). One factory means decoding and scoring cannot disagree about whether KV is rounded.

transformers 5.17 names the cache argument `past_key_values`; 5.24 renamed it `cache` (the old name still
works there, with a deprecation warning). `cache_keyword` reads the name from the forward's signature.
"""

from __future__ import annotations

import functools
import inspect

# A variant's installed runtime schemes live on the model under this attribute (quant/runtime.py).
RUNTIME_ATTRIBUTE = "qreason_runtime"


@functools.lru_cache(maxsize=64)
def _keyword_of(forward) -> str:
    parameters = inspect.signature(forward).parameters
    if "cache" in parameters:
        return "cache"
    if "past_key_values" in parameters:
        return "past_key_values"
    # Decoder layers of some versions take the cache through **kwargs only; the long-standing name then.
    return "past_key_values"


def cache_keyword(module) -> str:
    """The name under which `module.forward` (a model or one decoder layer) takes its KV cache."""
    return _keyword_of(type(module).forward)


def make_cache(model, kind: str = "dynamic", max_len: int | None = None):
    """A fresh cache for one forward (or one generation): "dynamic" grows, "static" holds max_len tokens.

    A model loaded as a variant with a KV-cache scheme gets that scheme's quantizing cache."""
    runtime = getattr(model, RUNTIME_ATTRIBUTE, None)
    if runtime is not None:
        return runtime.new_cache(model.config, kind, max_len)
    return plain_cache(model.config, kind, max_len)


def plain_cache(config, kind: str = "dynamic", max_len: int | None = None):
    from transformers import DynamicCache, StaticCache

    if kind == "static":
        if max_len is None:
            raise ValueError("a static cache needs max_len")
        return StaticCache(config=config, max_cache_len=max_len)
    if kind != "dynamic":
        raise ValueError(f"unknown cache kind {kind!r}")
    return DynamicCache(config=config)
