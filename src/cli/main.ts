/**
 * Entry point of the `qreason` command: the only place that prints errors and sets the exit code.
 */
import { defineCommand, runCommand, showUsage, type CommandDef } from "citty";
import { readFileSync } from "node:fs";
import { isQreasonError } from "../errors.ts";
import { commands } from "./commands/index.ts";
import { printable } from "./printable.ts";
import { flushStdout, stdoutError, watchStdout } from "./stdout.ts";

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export const rootCommand = defineCommand({
  meta: {
    name: "qreason",
    version: packageJson.version,
    description: "Measure, explain and repair what quantization does to an LLM's math reasoning.",
  },
  subCommands: commands,
});

/**
 * A command whose first positional is either a value or the name of a subcommand (`qreason restore <run-dir>`
 * and `qreason restore export-pairs ...`) cannot use citty's `subCommands`, which refuse any other word; it
 * dispatches in its own `run` and lists those subcommands here so --help finds them.
 */
export interface WithHelpSubCommands {
  helpSubCommands?: Record<string, CommandDef>;
}

/** Finds the command that `rawArgs` names, for --help on a subcommand. */
async function resolveCommand(rawArgs: string[]): Promise<[CommandDef, CommandDef | undefined]> {
  let command: CommandDef = rootCommand as CommandDef;
  let parent: CommandDef | undefined;
  for (const arg of rawArgs) {
    if (arg.startsWith("-")) break;
    const subCommands = typeof command.subCommands === "function" ? await command.subCommands() : await command.subCommands;
    const next = subCommands?.[arg] ?? (command as WithHelpSubCommands).helpSubCommands?.[arg];
    if (!next) break;
    parent = command;
    command = typeof next === "function" ? await next() : await next;
  }
  return [command, parent];
}

export async function main(rawArgs: string[]): Promise<void> {
  watchStdout();
  await runMain(rawArgs);
  // A failed write to stdout (`> /dev/full`) is an error even when the command itself succeeded.
  await flushStdout();
  const failure = stdoutError();
  if (failure !== undefined) {
    console.error(`qreason: error[${failure.code}]: ${printable(failure.describe())}`);
    if (!process.exitCode) process.exitCode = 1;
  }
}

async function runMain(rawArgs: string[]): Promise<void> {
  try {
    if (rawArgs.length === 0 || rawArgs.some((arg) => arg === "--help" || arg === "-h")) {
      const [command, parent] = await resolveCommand(rawArgs);
      await showUsage(command, parent);
      return;
    }
    if (rawArgs.length === 1 && (rawArgs[0] === "--version" || rawArgs[0] === "-v")) {
      console.log(packageJson.version);
      return;
    }
    await runCommand(rootCommand, { rawArgs });
  } catch (error) {
    if (isQreasonError(error)) {
      console.error(`qreason: error[${error.code}]: ${printable(error.describe())}`);
      process.exitCode = error.code === "E_USAGE" ? 2 : 1;
    } else if (error instanceof Error && error.name === "CLIError") {
      const [command, parent] = await resolveCommand(rawArgs);
      await showUsage(command, parent);
      console.error(`qreason: error[E_USAGE]: ${printable(error.message)}`);
      process.exitCode = 2;
    } else {
      console.error("qreason: internal error (a bug; please report it with the command you ran):");
      console.error(error);
      process.exitCode = 70;
    }
  }
}
