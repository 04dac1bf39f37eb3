"""The batching worker: one thread owns the model; requests from any number of client threads queue up
and those arriving within a short window run as one batch. With the fast generator (its `stream`), the
generate batch keeps running as a continuous batch: at every host sync the worker hands it the generate
jobs queued since (they take slots as rows finish) and runs queued score jobs right there, so neither
waits for a long generation to end.

Every submitted job completes exactly once, with a result or an EngineError: a failure never leaves a
client waiting and never stops the worker.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import EngineError
from ..generate import BatchGenerator, GenerationRequest
from ..score import ScoreRequest, Scorer

JobKind = Literal["generate", "score"]


class Future:
    """A job's outcome, waited on by a client thread."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.result: Any = None
        self.error: EngineError | None = None

    def set(self, result: Any, error: EngineError | None) -> None:
        self.result, self.error = result, error
        self._event.set()

    def wait(self, timeout: float | None = None) -> Any:
        if not self._event.wait(timeout):
            raise EngineError("E_TIMEOUT", f"no result within {timeout} s")
        if self.error is not None:
            raise self.error
        return self.result


@dataclass
class Job:
    kind: JobKind
    request: GenerationRequest | ScoreRequest
    on_done: Callable[[Any, EngineError | None], None]
    cancelled: bool = False
    started: bool = False
    finished: bool = field(default=False, repr=False)

    @property
    def rows(self) -> int:
        return self.request.params.n if isinstance(self.request, GenerationRequest) else 1


_STOP = object()


class BatchingWorker:
    def __init__(self, generator: BatchGenerator, scorer: Scorer, *, window_s: float = 0.005,
                 max_batch_rows: int = 64):
        self.generator = generator
        self.scorer = scorer
        self.window_s = window_s
        self.max_batch_rows = max_batch_rows
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="qreason-engine-worker", daemon=True)
        self.batches_run = 0  # for tests and logs: how many model batches ran
        self.joined_running = 0  # generate jobs that joined a running continuous batch
        self._stop_seen = False

    def start(self) -> BatchingWorker:
        self._thread.start()
        return self

    def submit(self, kind: JobKind, request, on_done: Callable[[Any, EngineError | None], None]) -> Job:
        job = Job(kind=kind, request=request, on_done=on_done)
        self._queue.put(job)
        return job

    def submit_future(self, kind: JobKind, request) -> Future:
        future = Future()
        self.submit(kind, request, future.set)
        return future

    def cancel(self, job: Job) -> bool:
        """Cancel a job that has not started; it completes with an error. False if too late."""
        with self._lock:
            if job.started or job.finished:
                return False
            job.cancelled = True
        return True

    def close(self, timeout: float | None = None) -> None:
        """Finish everything queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    # -- the worker thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping and not self._stop_seen:
            first = self._queue.get()
            if first is _STOP:
                return
            jobs, stopping = self._collect(first)
            for kind in ("score", "generate"):
                group = [job for job in jobs if job.kind == kind]
                if group:
                    self._run_group(kind, group)

    def _collect(self, first: Job) -> tuple[list[Job], bool]:
        """The first job plus whatever arrives within the window, up to the row limit."""
        jobs, rows = [first], first.rows
        deadline = time.monotonic() + self.window_s
        while rows < self.max_batch_rows:
            remaining = deadline - time.monotonic()
            try:
                job = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                return jobs, True
            jobs.append(job)
            rows += job.rows
        return jobs, False

    def _run_group(self, kind: JobKind, jobs: list[Job]) -> None:
        live = []
        with self._lock:
            for job in jobs:
                if job.cancelled:
                    self._complete(job, None, EngineError("E_BACKEND", "request cancelled by the client"))
                else:
                    job.started = True
                    live.append(job)
        if not live:
            return
        if kind == "generate" and hasattr(self.generator, "stream"):
            self._stream(live)
            self.batches_run += 1
            return
        run = self.generator.generate_each if kind == "generate" else self.scorer.score_each
        try:
            outcomes = run([job.request for job in live])
        except Exception as error:  # noqa: BLE001 - run_each already isolates failures; this is a last guard
            traceback.print_exc(file=sys.stderr)
            outcomes = [EngineError("E_INTERNAL", f"{type(error).__name__}: {error}")] * len(live)
        self.batches_run += 1
        for job, outcome in zip(live, outcomes):
            if isinstance(outcome, EngineError):
                self._complete(job, None, outcome)
            else:
                self._complete(job, outcome, None)

    def _stream(self, jobs: list[Job]) -> None:
        """Run generate jobs as one continuous batch that later generate jobs join."""
        running = list(jobs)  # every job started in this batch: each completes exactly once

        def more() -> list[tuple[Job, GenerationRequest]]:
            joining, scoring = [], []
            while not self._stop_seen:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    self._stop_seen = True  # finish what runs, then stop
                    break
                (joining if job.kind == "generate" else scoring).append(job)
            if scoring:
                self._run_group("score", scoring)
            started = []
            with self._lock:
                for job in joining:
                    if job.cancelled:
                        self._complete(job, None, EngineError("E_BACKEND", "request cancelled by the client"))
                    else:
                        job.started = True
                        started.append(job)
            self.joined_running += len(started)
            running.extend(started)
            return [(job, job.request) for job in started]

        def deliver(job: Job, outcome) -> None:
            if isinstance(outcome, EngineError):
                self._complete(job, None, outcome)
            else:
                self._complete(job, outcome, None)

        try:
            self.generator.stream([(job, job.request) for job in jobs], more, deliver)
        except Exception:  # noqa: BLE001 - what did not complete is retried, each failure reported to its job
            traceback.print_exc(file=sys.stderr)
        left = [job for job in running if not job.finished]
        if left:
            try:
                outcomes = self.generator.generate_each([job.request for job in left])
            except Exception as error:  # noqa: BLE001 - a last guard, as in _run_group
                outcomes = [EngineError("E_INTERNAL", f"{type(error).__name__}: {error}")] * len(left)
            for job, outcome in zip(left, outcomes):
                deliver(job, outcome)

    def _complete(self, job: Job, result, error: EngineError | None) -> None:
        job.finished = True
        try:
            job.on_done(result, error)
        except Exception:  # noqa: BLE001 - a client's callback failing (closed pipe) must not stop the worker
            traceback.print_exc(file=sys.stderr)
