#!/usr/bin/env node
// The qreason command. Sources are TypeScript run directly by Node's type stripping (Node >= 22.18/23.6),
// so there is no build step and no stale output to drift from src/.
import { main } from "../src/cli/main.ts";

await main(process.argv.slice(2));
