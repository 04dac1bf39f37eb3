/**
 * Progress display for long work. A bar on an interactive terminal; when stderr is piped or CI is set,
 * plain lines instead (`lines`): one per tenth of the total (at most one a second) or every 10 seconds, so
 * CI logs and `| tee` show a long run moving without a bar's control characters. Callers get the same
 * small interface either way.
 */
import cliProgress from "cli-progress";

export interface Progress {
  /** Advance by `delta` items (default 1); `detail` (a loss, say) is shown after the count until replaced. */
  tick(delta?: number, detail?: string): void;
  /** Change the total once it is known. */
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Where the bar may draw; false means never draw (piped output, CI, --quiet). */
  enabled: boolean;
  /** Without a bar: write progress lines here (nothing when absent). */
  lines?: LineOptions;
}

export interface LineOptions {
  write: (line: string) => void;
  /** A line every this many items, at most one a second (default: a tenth of the total, at least 1). */
  every?: number;
  /** ... or when this many seconds passed since the last line, at the next tick (default 10). */
  seconds?: number;
  /** The clock, in ms (tests pass their own). */
  now?: () => number;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const whole = Math.round(seconds);
  return whole >= 3600 ? `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")}m` : whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s` : `${whole}s`;
}

/** Progress as plain lines: "label: 40/120 (33%), 1.6/s, about 50s left". */
export function lineProgress(label: string, total: number, options: LineOptions): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  let current = total;
  let value = 0;
  let printed = 0;
  let printedAt = started;
  let detail = "";
  const every = (): number => options.every ?? Math.max(1, Math.ceil(current / 10));
  const print = (): void => {
    const elapsed = Math.max((now() - started) / 1000, 1e-3);
    const rate = value / elapsed;
    const finite = Number.isFinite(current);
    const share = finite && current > 0 ? ` (${Math.floor((100 * value) / current)}%)` : "";
    const left = finite && value < current && rate > 0 ? `, about ${formatSeconds((current - value) / rate)} left` : "";
    options.write(`${label}: ${value}${finite ? `/${current}` : ""}${share}, ${rate >= 10 ? rate.toFixed(0) : rate.toFixed(2)}/s${left}${detail !== "" ? ` — ${detail}` : ""}`);
    printed = value;
    printedAt = now();
  };
  return {
    tick(delta = 1, latest?: string) {
      value += delta;
      if (latest !== undefined) detail = latest;
      if (value === printed) return;
      const since = now() - printedAt;
      // A tenth of the work, but not more than a line a second (fast steps would print ten lines at once).
      if (value >= current || (value - printed >= every() && since >= 1000) || since >= (options.seconds ?? 10) * 1000) print();
    },
    setTotal(total: number) {
      current = total;
    },
    stop() {
      if (value !== printed) print();
    },
  };
}

export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled) {
    return options.lines !== undefined ? lineProgress(options.label, options.total, options.lines) : { tick() {}, setTotal() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label} [{bar}] {value}/{total} {percentage}% | {rate}/s | ETA {eta_formatted}{detail}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let value = 0;
  let detail = "";
  bar.start(options.total, 0, { rate: "0", detail });
  return {
    tick(delta = 1, latest?: string) {
      value += delta;
      if (latest !== undefined) detail = ` | ${latest}`;
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      bar.update(value, { rate: (value / seconds).toFixed(1), detail });
    },
    setTotal(total: number) {
      bar.setTotal(total);
    },
    stop() {
      bar.stop();
    },
  };
}

/** Whether progress bars should draw: a TTY on stderr and not CI, unless the user asked for quiet. */
export function progressEnabled(env: NodeJS.ProcessEnv, quiet: boolean): boolean {
  return !quiet && Boolean(process.stderr.isTTY) && !env.CI;
}
