/**
 * The registry of `qreason` subcommands. One file per command in this folder; add it here, once.
 * Loaded lazily so `qreason --help` does not import llama.cpp or the grader's CAS.
 */
import type { CommandDef } from "citty";

type Lazy = () => Promise<CommandDef>;

export const commands: Record<string, Lazy> = {
  data: () => import("./data.ts").then((module) => module.default as CommandDef),
  gguf: () => import("./gguf.ts").then((module) => module.default as CommandDef),
  grade: () => import("./grade.ts").then((module) => module.default as CommandDef),
  quantize: () => import("./quantize.ts").then((module) => module.default as CommandDef),
  kld: () => import("./kld.ts").then((module) => module.default as CommandDef),
  run: () => import("./run.ts").then((module) => module.default as CommandDef),
  report: () => import("./report.ts").then((module) => module.default as CommandDef),
  compare: () => import("./compare.ts").then((module) => module.default as CommandDef),
  attribute: () => import("./attribute.ts").then((module) => module.default as CommandDef),
  status: () => import("./status.ts").then((module) => module.default as CommandDef),
  demo: () => import("./demo.ts").then((module) => module.default as CommandDef),
  restore: () => import("./restore.ts").then((module) => module.default as CommandDef),
  models: () => import("./models.ts").then((module) => module.default as CommandDef),

};
