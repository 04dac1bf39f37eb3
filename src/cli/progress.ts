/**
 * Progress display for long work. A bar on an interactive terminal; nothing when stderr is piped or CI
 * is set, so logs stay clean. Callers get the same small interface either way.
 */
import cliProgress from "cli-progress";

export interface Progress {
  /** Advance by `delta` items (default 1). */
  tick(delta?: number): void;
  /** Change the total once it is known. */
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Where the bar may draw; false means never draw (piped output, CI, --quiet). */
  enabled: boolean;
}

export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled) {
    return { tick() {}, setTotal() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label} [{bar}] {value}/{total} {percentage}% | {rate}/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let value = 0;
  bar.start(options.total, 0, { rate: "0" });
  return {
    tick(delta = 1) {
      value += delta;
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      bar.update(value, { rate: (value / seconds).toFixed(1) });
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
