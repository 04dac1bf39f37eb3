"""Generation: request types (requests.py), the sampler both generators share (sampling.py), finishing rules
(rows.py), the oracle generator (oracle.py: today's batched loop, the reference) and the fast generator
(fast.py: slots, continuous batching, a per-slot static KV cache, CUDA graphs; its decode forward in
slot_forward.py, its cache in slot_cache.py). `make_generator` builds the one serving uses."""

from .oracle import BatchGenerator
from .requests import (MAX_SEED, ChatMessage, Completion, FinishReason, GenerationRequest, GenerationResult,
                       SamplingParams, TokenAlternative, TokenLogprob, as_engine_error, encode_prompt, eos_token_ids,
                       render_prompt, run_each)
from .sampling import filter_logits

__all__ = ["MAX_SEED", "BatchGenerator", "ChatMessage", "Completion", "FinishReason", "GenerationRequest",
           "GenerationResult", "SamplingParams", "TokenAlternative", "TokenLogprob", "as_engine_error",
           "encode_prompt", "eos_token_ids", "filter_logits", "render_prompt", "run_each"]
