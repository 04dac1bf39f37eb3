/**
 * Ctrl-C / SIGTERM for commands that write files: by default Node dies on the signal without running its
 * exit handlers, so temporary files (src/io/temporaries.ts) would stay behind. `exitOnInterrupt` turns the
 * signal into process.exit (130 for SIGINT, 143 for SIGTERM, as a shell reports them), which runs them.
 * `qreason run` has its own graceful handling (stop after the requests in flight) and does not use this.
 */
export function exitOnInterrupt(): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  };
}
