#!/usr/bin/env node
// The qreason command. Sources are TypeScript run directly by Node's type stripping (Node >= 22.18/23.6),
// so there is no build step and no stale output to drift from src/. Node's on-disk compile cache keeps the
// stripped and compiled modules between runs (a few hundred ms of every start on a small machine).
import module from "node:module";

module.enableCompileCache?.();
let cli;
try {
  cli = await import("../src/cli/main.ts");
} catch (error) {
  // An older Node (or type stripping turned off) cannot load .ts: say so, not with a stack trace.
  if (error?.code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
  console.error(
    `qreason: error[E_USAGE]: this Node (${process.version}) cannot load TypeScript sources (older than 22.18, or type stripping ` +
      "turned off). Run it as `npx qreason` after `bash scripts/setup.sh` (which installs Node 24 into node_modules), " +
      "or put a newer Node first on PATH.",
  );
  process.exit(2);
}
await cli.main(process.argv.slice(2));
