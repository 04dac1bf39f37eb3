/**
 * `qreason view <run-dir>`: the review UI on 127.0.0.1. Prints the URL with this session's token and
 * serves until Ctrl-C; labels go into the run store as the reviewer gives them.
 */
import os from "node:os";
import path from "node:path";
import { defineCommand } from "citty";
import { QreasonError } from "../../errors.ts";
import { startViewServer } from "../../web/index.ts";

function portOf(value: unknown): number {
  if (value === undefined || value === "") return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new QreasonError("E_USAGE", `--port is ${JSON.stringify(value)}; it must be a TCP port 0–65535 (0 or none: a free one)`, { field: "--port" });
  return port;
}

function rateOf(value: unknown): number | undefined {
  if (value === undefined || value === "") return undefined;
  const rate = Number(value);
  if (!(rate >= 0 && rate <= 1)) throw new QreasonError("E_USAGE", `--audit-rate is ${JSON.stringify(value)}; it must be a share from 0 to 1 (0.02 = 2 % of the flips)`, { field: "--audit-rate" });
  return rate;
}

export default defineCommand({
  meta: {
    name: "view",
    description:
      "Review a run's flips in the browser: the run at a glance, flips with filters, each flip's solutions step-aligned with the first error marked; " +
      "accept or override labels (keys j/k, 1-7). Serves on 127.0.0.1 until Ctrl-C; labels are stored in the run store (export: `qreason labels <run-dir>`)",
  },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory made by `qreason run`" },
    reviewer: { type: "string", description: "Who is reviewing: stored with every label (default: your login name)" },
    port: { type: "string", description: "Port on 127.0.0.1 (default: a free one)" },
    "audit-rate": { type: "string", description: "Share of flips in the audit sample (default: the study's judges' audit rate, else 0.02)" },
  },
  async run({ args }) {
    const runDirectory = path.resolve(String(args.runDirectory));
    const reviewer = typeof args.reviewer === "string" && args.reviewer.trim() !== "" ? args.reviewer : os.userInfo().username;
    const auditRate = rateOf(args["audit-rate"]);
    const server = await startViewServer({ runDirectory, reviewer, port: portOf(args.port), ...(auditRate !== undefined ? { auditRate } : {}) });
    console.log(`qreason view: reviewing ${runDirectory} as ${reviewer}`);
    console.log(`open ${server.url}`);
    console.log("(the URL carries this session's token; Ctrl-C stops the server)");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await server.close();
    console.error("qreason view: stopped; labels are in the run store");
  },
});
