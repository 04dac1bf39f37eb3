/**
 * Entry point of the `qreason` command: the only place that prints errors and sets the exit code.
 */
import { defineCommand, renderUsage, runCommand, type CommandDef } from "citty";
import { readFileSync } from "node:fs";
import { isQreasonError, QreasonError } from "../errors.ts";
import { closestName } from "../suggest.ts";
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

type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>);

async function resolved<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

/** The subcommands of `command`, those citty dispatches and those its own `run` does. */
async function subCommandsOf(command: CommandDef): Promise<Record<string, Resolvable<CommandDef>>> {
  const own = (command.subCommands === undefined ? {} : await resolved(command.subCommands)) as Record<string, Resolvable<CommandDef>>;
  return { ...own, ...((command as WithHelpSubCommands).helpSubCommands ?? {}) };
}

/** Options of `command` that take a value (`--out F`), so the word after one is not read as a command. */
async function valueOptions(command: CommandDef): Promise<Set<string>> {
  const args = (command.args === undefined ? {} : await resolved(command.args)) as Record<string, { type?: string }>;
  return new Set(Object.entries(args).filter(([, arg]) => arg.type === "string" || arg.type === "enum").flatMap(([name]) => spellings(name)));
}

/** How citty lets a user spell an option: as declared, kebab-case and camelCase. */
function spellings(name: string): string[] {
  const kebab = name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
  const camel = kebab.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  return [...new Set([name, kebab, camel])];
}

interface Resolved {
  command: CommandDef;
  /** The names leading to it, e.g. ["qreason", "data", "show"]. */
  names: string[];
  /** The arguments that are the command's own (after its name). */
  rest: string[];
  /** The first word that names no subcommand of a command that takes no positional argument. */
  unknown?: { word: string; known: string[] };
}

/** The command that `rawArgs` names (skipping options and their values as citty does), and its own arguments. */
async function resolveCommand(rawArgs: string[]): Promise<Resolved> {
  let command: CommandDef = rootCommand as CommandDef;
  const names = ["qreason"];
  let rest = rawArgs;
  for (;;) {
    const subCommands = await subCommandsOf(command);
    if (Object.keys(subCommands).length === 0) break;
    const values = await valueOptions(command);
    let index = -1;
    for (let position = 0; position < rest.length; position++) {
      const arg = rest[position] as string;
      if (arg === "--") break;
      if (arg.startsWith("-")) {
        if (!arg.includes("=") && values.has(arg.replace(/^-{1,2}/, ""))) position++;
        continue;
      }
      index = position;
      break;
    }
    if (index < 0) break;
    const word = rest[index] as string;
    const next = subCommands[word];
    if (next === undefined) {
      const args = (command.args === undefined ? {} : await resolved(command.args)) as Record<string, { type?: string }>;
      const takesPositional = Object.values(args).some((arg) => arg.type === "positional");
      return { command, names, rest, ...(takesPositional ? {} : { unknown: { word, known: Object.keys(subCommands) } }) };
    }
    command = await resolved(next);
    names.push(word);
    rest = rest.slice(index + 1);
  }
  return { command, names, rest };
}

/** citty's usage with the full command name (`qreason data show`) and one-line summaries of subcommands. */
async function printUsage(target: Resolved): Promise<void> {
  const subCommands = await subCommandsOf(target.command);
  const summarized = Object.fromEntries(
    Object.entries(subCommands).map(([name, sub]) => [
      name,
      async () => {
        const definition = await resolved(sub);
        const meta = definition.meta === undefined ? {} : await resolved(definition.meta);
        return { ...definition, meta: { ...meta, description: summary(meta.description ?? "") } } as CommandDef;
      },
    ]),
  );
  const command = { ...target.command, ...(Object.keys(summarized).length > 0 ? { subCommands: summarized } : {}) } as CommandDef;
  const parentName = target.names.slice(0, -1).join(" ");
  const usage = await renderUsage(command, parentName === "" ? undefined : ({ meta: { name: parentName } } as CommandDef));
  // citty pads every line to the longest description; the padding only wraps on a narrow terminal.
  console.log(`${usage.split("\n").map((line) => line.trimEnd()).join("\n")}\n`);
}

/** A description's first sentence, at most about 100 characters: a command list shows one line each. */
function summary(description: string): string {
  const paragraph = (description.split(/\n\s*\n/)[0] ?? "").replace(/\s+/g, " ").trim();
  const sentence = /^(.+?\.)(\s|$)/.exec(paragraph)?.[1] ?? paragraph;
  if (sentence.length <= 110) return sentence;
  const cut = sentence.slice(0, 100);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), 60))} …`;
}

/**
 * citty ignores options it does not know (`--limt 5` would even make `5` the study file): every option must
 * be one the command declares, else a usage error that names the closest.
 */
async function checkOptions(target: Resolved): Promise<void> {
  const name = target.names.join(" ");
  if (target.unknown !== undefined) {
    const { word, known } = target.unknown;
    const closest = closestName(word, known);
    throw new QreasonError(
      "E_USAGE",
      `unknown command '${word}' for '${name}'${closest === undefined ? "" : `; did you mean '${closest}'?`} (commands: ${known.join(", ")}; \`${name} --help\`)`,
    );
  }
  const args = (target.command.args === undefined ? {} : await resolved(target.command.args)) as Record<string, { type?: string; alias?: string | string[] }>;
  const known = new Map<string, string>();
  for (const [option, arg] of Object.entries(args)) {
    if (arg.type === "positional") continue;
    const aliases = arg.alias === undefined ? [] : Array.isArray(arg.alias) ? arg.alias : [arg.alias];
    for (const spelling of [...spellings(option), ...aliases]) {
      known.set(spelling, arg.type ?? "boolean");
      if (arg.type === "boolean") known.set(`no-${spelling}`, "boolean");
    }
  }
  for (let position = 0; position < target.rest.length; position++) {
    const arg = target.rest[position] as string;
    if (arg === "--") break;
    // `-` is standard input and `-3` a value, not options.
    if (!arg.startsWith("-") || arg === "-" || /^-[0-9.]/.test(arg)) continue;
    const option = (arg.split("=")[0] as string).replace(/^-{1,2}/, "");
    const type = known.get(option);
    if (type === undefined) {
      const declared = Object.entries(args).filter(([, spec]) => spec.type !== "positional").map(([declaredName]) => declaredName);
      const closest = closestName(option.replace(/^no-/, ""), declared);
      const suggestion = closest === undefined ? "" : `; did you mean '--${option.startsWith("no-") && args[closest]?.type === "boolean" ? "no-" : ""}${closest}'?`;
      throw new QreasonError("E_USAGE", `unknown option '${arg.split("=")[0]}' for '${name}'${suggestion} (\`${name} --help\` lists its options)`);
    }
    if ((type === "string" || type === "enum") && !arg.includes("=")) position++;
  }
}

/** citty colours the words in its messages; they are printed as escapes here, so the colour goes. */
function plainMessage(message: string): string {
  return message.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
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

async function runMain(givenArgs: string[]): Promise<void> {
  // `qreason help data show` is `qreason data show --help`, as git and npm take it.
  const rawArgs = givenArgs[0] === "help" ? [...givenArgs.slice(1), "--help"] : givenArgs;
  try {
    if (rawArgs.length === 1 && (rawArgs[0] === "--version" || rawArgs[0] === "-v")) {
      console.log(packageJson.version);
      return;
    }
    const target = await resolveCommand(rawArgs);
    if (rawArgs.length === 0 || rawArgs.some((arg) => arg === "--help" || arg === "-h")) {
      if (target.unknown !== undefined) await checkOptions(target);
      await printUsage(target);
      return;
    }
    await checkOptions(target);
    await runCommand(rootCommand, { rawArgs });
  } catch (error) {
    if (isQreasonError(error)) {
      console.error(`qreason: error[${error.code}]: ${printable(error.describe())}`);
      process.exitCode = error.code === "E_USAGE" ? 2 : 1;
    } else if (error instanceof Error && error.name === "CLIError") {
      await printUsage(await resolveCommand(rawArgs));
      console.error(`qreason: error[E_USAGE]: ${printable(plainMessage(error.message))}`);
      process.exitCode = 2;
    } else {
      console.error("qreason: internal error (a bug; please report it with the command you ran):");
      console.error(error);
      process.exitCode = 70;
    }
  }
}
