#!/usr/bin/env node
// The qreason command. Sources are TypeScript run directly by Node's type stripping (Node >= 22.18/23.6),
// so there is no build step and no stale output to drift from src/. Node's on-disk compile cache keeps the
// stripped and compiled modules between runs (a few hundred ms of every start on a small machine).
import module from "node:module";

module.enableCompileCache?.();
const { main } = await import("../src/cli/main.ts");
await main(process.argv.slice(2));
