/**
 * One `qreason-engine serve --stdio` child process: start it, wait for its hello, multiplex requests over
 * its stdin/stdout by id, and turn every way it can fail (fatal start, error response, timeout, abort,
 * death) into a QreasonError for exactly the requests it affects.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { z } from "zod";
import { QreasonError } from "../../errors.ts";
import { onLines } from "../../io/lines.ts";
import { engineError, engineEventSchema, engineResponseSchema, toEngineInfo, type EngineInfo } from "./protocol.ts";

export interface EngineProcessOptions {
  /** The Python interpreter that has qreason_engine installed. */
  python: string;
  /** Arguments after `python -m qreason_engine.cli serve --stdio`. */
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Budget for loading the model and saying hello. */
  startupTimeoutMs: number;
  /** Receives the engine's stderr (logs, warnings) as it arrives. */
  onStderr?: (text: string) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  method: string;
}

/** How much of the engine's stderr is kept to explain a failure. */
const STDERR_TAIL_CHARS = 4000;

export class EngineProcess {
  readonly info: EngineInfo;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private readonly stderrTail: { text: string };
  private nextId = 1;
  private exited = false;
  private readonly exitPromise: Promise<void>;

  private constructor(child: ChildProcessWithoutNullStreams, info: EngineInfo, stderrTail: { text: string }, exitPromise: Promise<void>) {
    this.child = child;
    this.info = info;
    this.stderrTail = stderrTail;
    this.exitPromise = exitPromise;
  }

  /** Spawns the engine and resolves once it has loaded the model and said hello. */
  static start(options: EngineProcessOptions): Promise<EngineProcess> {
    const args = ["-m", "qreason_engine.cli", "serve", "--stdio", ...options.args];
    const child = spawn(options.python, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    const stderrTail = { text: "" };
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      stderrTail.text = (stderrTail.text + text).slice(-STDERR_TAIL_CHARS);
      options.onStderr?.(text);
    });
    child.stdin.on("error", () => {
      // EPIPE after the engine died: the exit handler reports it to every pending request.
    });
    let engine: EngineProcess | undefined;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    const exitPromise = new Promise<void>((resolve) =>
      child.on("close", (code, signal) => {
        exitCode = code;
        exitSignal = signal;
        engine?.onExit(code, signal);
        resolve();
      }),
    );

    return new Promise<EngineProcess>((resolve, reject) => {
      const fail = (error: QreasonError) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new QreasonError("E_TIMEOUT", `the engine did not start within ${options.startupTimeoutMs} ms${tail(stderrTail.text)}`)),
        options.startupTimeoutMs,
      );
      child.on("error", (error) =>
        fail(new QreasonError("E_BACKEND", `cannot start the engine with ${options.python}: ${error.message}`, { field: "python" })),
      );
      void exitPromise.then(() => {
        if (engine) return;
        const how = exitSignal ? `signal ${exitSignal}` : `code ${exitCode}`;
        fail(new QreasonError("E_BACKEND", `the engine exited (${how}) before it was ready${tail(stderrTail.text)}`));
      });
      // Split on "\n" only: the engine writes U+2028/U+2029 raw inside strings (src/io/lines.ts).
      onLines(child.stdout, (line) => {
        if (engine) {
          engine.onLine(line);
          return;
        }
        const message = parseLine(line, engineEventSchema);
        if (message?.event === "fatal") {
          fail(engineError(message.error, "the engine could not start"));
        } else if (message?.event === "hello") {
          try {
            engine = new EngineProcess(child, toEngineInfo(message), stderrTail, exitPromise);
            clearTimeout(timer);
            resolve(engine);
          } catch (error) {
            fail(error as QreasonError);
          }
        } else {
          stderrTail.text = (stderrTail.text + `\n[stdout before hello] ${line}`).slice(-STDERR_TAIL_CHARS);
        }
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one request and resolves with its `result`; engine errors reject as E_BACKEND. */
  request(method: string, params: Record<string, unknown>, options: RequestOptions): Promise<unknown> {
    if (this.exited) return Promise.reject(new QreasonError("E_BACKEND", "the engine process is not running"));
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.pending.delete(id);
      };
      const abandon = (error: QreasonError) => {
        finish();
        // Frees the engine's queue slot; its late answer (an error) is dropped as an unknown id.
        this.send({ id: this.nextId++, method: "cancel", params: { id } });
        reject(error);
      };
      const onAbort = () => abandon(cancelled(signal!));
      const timer = setTimeout(
        () => abandon(new QreasonError("E_TIMEOUT", `the engine did not answer a ${method} request within ${timeoutMs} ms`)),
        timeoutMs,
      );
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        method,
        resolve: (value) => {
          finish();
          resolve(value);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      });
      this.send({ id, method, params });
    });
  }

  /** Lets the engine finish what it was asked (end of input), then makes sure it is gone. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    this.child.stdin.end();
    if (await exitsWithin(this.exitPromise, graceMs)) return;
    this.child.kill("SIGTERM");
    if (await exitsWithin(this.exitPromise, 2_000)) return;
    this.child.kill("SIGKILL");
    await this.exitPromise;
  }

  private send(message: Record<string, unknown>): void {
    if (!this.exited && this.child.stdin.writable) this.child.stdin.write(JSON.stringify(message) + "\n");
  }

  private onLine(line: string): void {
    const message = parseLine(line, engineResponseSchema);
    if (!message || typeof message.id !== "number") {
      // Events after hello and answers to lines the engine could not read: keep them to explain failures.
      this.stderrTail.text = (this.stderrTail.text + `\n[stdout] ${line}`).slice(-STDERR_TAIL_CHARS);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return; // abandoned (cancelled or timed out) or a cancel's own answer
    if ("error" in message) pending.reject(engineError(message.error, `the engine rejected a ${pending.method} request`));
    else pending.resolve(message.result);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    if (this.pending.size === 0) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const error = new QreasonError(
      "E_BACKEND",
      `the engine exited (${how}) with ${this.pending.size} request(s) unanswered${tail(this.stderrTail.text)}`,
    );
    for (const pending of [...this.pending.values()]) pending.reject(error);
  }
}

function parseLine<T>(line: string, schema: z.ZodType<T>): T | undefined {
  try {
    const result = schema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined; // not JSON: the caller records the line
  }
}

function cancelled(signal: AbortSignal): QreasonError {
  return new QreasonError("E_BACKEND", "cancelled", {}, { cause: signal.reason });
}

function tail(stderr: string): string {
  const text = stderr.trim();
  return text ? `; engine stderr ends:\n${text.slice(-1500)}` : "";
}

async function exitsWithin(exit: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([exit.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}
