/**
 * Test support: `qreason view` as a user starts it (the real CLI in a child process), resolved with the URL
 * it prints (session token included), and Debian's Chromium through playwright-core, launched headless
 * with nothing of its own on the network.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { projectRoot } from "./paths.ts";

export interface ViewProcess {
  url: string;
  origin: string;
  child: ChildProcess;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

/** Starts `qreason view <runDirectory> ...args`; rejects with its output if it exits before printing its URL. */
export function startView(runDirectory: string, args: string[] = []): Promise<ViewProcess> {
  const child = spawn(process.execPath, [path.join(projectRoot, "bin", "qreason.js"), "view", runDirectory, ...args], { env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match) resolve({ url: match[1] as string, origin: new URL(match[1] as string).origin, child, stop });
    });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`qreason view exited (${code}) before printing its URL:\n${output}`)));
  });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
