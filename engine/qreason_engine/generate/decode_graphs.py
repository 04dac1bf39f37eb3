"""CUDA graphs for the fast path's decode step: one graph per (attended length, sampling variant), captured
the first time it is needed and replayed for every later step of that shape.

A graph reads and writes fixed tensors (the slot state and the SlotCache), so the scheduler changes what a
step does only by writing into those tensors between replays. Capture runs the step twice on a side stream
first (kernel selection, lazy allocations, Triton compilation): `warm_up`. Each warm-up step starts from
the slot state the captured step will see (saved before, restored before every warm-up step and after the
last), so a warm-up step indexes exactly what the real step indexes: with one slot and a chunk of one
token, a second step from the advanced state would write the chunk's output row 1 of 1 (the CUDA
`index_copy_(): index out of bounds` assertion this once hit). Their KV writes land where the real step
writes before anything reads them. On a CPU (or with graphs off) the step simply runs eagerly.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import torch


class DecodeGraphs:
    def __init__(self, device: torch.device, enabled: bool):
        self.enabled = enabled and device.type == "cuda"
        self.device = device
        self._graphs: dict[Hashable, torch.cuda.CUDAGraph] = {}
        self._pool = None
        self.captured = 0  # for logs and tests

    def clear(self) -> None:
        self._graphs.clear()
        self._pool = None

    def ensure(self, key: Hashable, step: Callable[[], None], state: list[torch.Tensor]) -> None:
        """Capture key's graph now if it is new (without replaying it)."""
        if self.enabled and key not in self._graphs:
            self._graphs[key] = self._capture(step, state)

    def run(self, key: Hashable, step: Callable[[], None], state: list[torch.Tensor]) -> None:
        """One decode step: replay key's graph (capturing it first if new), or run `step` eagerly.
        state: the tensors a warm-up step changes that must be as they were afterwards."""
        if not self.enabled:
            step()
            return
        graph = self._graphs.get(key)
        if graph is None:
            graph = self._capture(step, state)
            self._graphs[key] = graph
        graph.replay()

    @staticmethod
    def warm_up(step: Callable[[], None], state: list[torch.Tensor], times: int = 2) -> None:
        """Run `step` `times` times, each from the current `state`, and leave `state` as it was."""
        saved = [tensor.clone() for tensor in state]
        for _ in range(times):
            for tensor, value in zip(state, saved):
                tensor.copy_(value)
            step()
        for tensor, value in zip(state, saved):
            tensor.copy_(value)

    def _capture(self, step: Callable[[], None], state: list[torch.Tensor]) -> torch.cuda.CUDAGraph:
        side = torch.cuda.Stream(self.device)
        side.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(side):
            self.warm_up(step, state)
        torch.cuda.current_stream(self.device).wait_stream(side)
        if self._pool is None:
            self._pool = torch.cuda.graph_pool_handle()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self._pool):
            step()
        self.captured += 1
        return graph
