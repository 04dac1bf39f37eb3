/**
 * Finds the libllama shared library inside node-llama-cpp's prebuilt-binary packages
 * (`@node-llama-cpp/<platform>/bins/<platform>/libllama.*`) and the llama.cpp release it was built from.
 * The quantizer calls into that same library, so it needs no build step and no second copy of llama.cpp.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { QreasonError } from "../errors.ts";

export interface LlamaLibrary {
  /** Absolute path of libllama (.so / .dylib / .dll). */
  path: string;
  /** The prebuilt package it came from, e.g. "@node-llama-cpp/linux-x64". */
  packageName: string;
  packageVersion: string;
  /** llama.cpp release recorded in the build metadata next to the binary (e.g. "v0.5.0"). */
  release: string;
}

/** Prebuilt packages to try, CPU-only first: quantization runs on the CPU whatever the machine has. */
export function candidatePackages(platform: string, arch: string): string[] {
  if (platform === "linux") return [`linux-${arch}`, `linux-${arch}-vulkan`, `linux-${arch}-cuda`];
  if (platform === "darwin") return [`mac-${arch}-metal`, `mac-${arch}`];
  if (platform === "win32") return [`win-${arch}`, `win-${arch}-vulkan`, `win-${arch}-cuda`];
  return [];
}

/** Whether `fileName` is the main llama library (not libllama-common, not a ggml backend). */
export function isLlamaLibraryName(fileName: string): boolean {
  return /^(lib)?llama(\.[\w.]+)?\.(so|dylib|dll)$/.test(fileName) && !fileName.includes("common");
}

interface BinsPackage {
  getBinsDir(): { binsDir: string; packageVersion: string };
}

async function loadBinsPackage(name: string): Promise<BinsPackage | undefined> {
  try {
    const loaded = (await import(name)) as Partial<BinsPackage>;
    return typeof loaded.getBinsDir === "function" ? (loaded as BinsPackage) : undefined;
  } catch {
    return undefined; // not installed for this platform: try the next candidate
  }
}

async function findInBinsDir(binsDir: string): Promise<{ library: string; release: string } | undefined> {
  let entries: string[];
  try {
    entries = await readdir(binsDir);
  } catch {
    return undefined;
  }
  for (const entry of entries.sort()) {
    const dir = path.join(binsDir, entry);
    let files: string[];
    try {
      files = await readdir(dir);
    } catch {
      continue;
    }
    const library = files.find(isLlamaLibraryName);
    if (library === undefined) continue;
    const metadata = JSON.parse(await readFile(path.join(dir, "_nlcBuildMetadata.json"), "utf8")) as {
      buildOptions?: { llamaCpp?: { release?: string } };
    };
    return { library: path.join(dir, library), release: metadata.buildOptions?.llamaCpp?.release ?? "unknown" };
  }
  return undefined;
}

/** Locates libllama for this machine; E_NOT_FOUND when node-llama-cpp ships no binary for it. */
export async function findLlamaLibrary(platform = process.platform, arch = process.arch): Promise<LlamaLibrary> {
  const tried: string[] = [];
  for (const suffix of candidatePackages(platform, arch)) {
    const packageName = `@node-llama-cpp/${suffix}`;
    tried.push(packageName);
    const loaded = await loadBinsPackage(packageName);
    if (loaded === undefined) continue;
    const { binsDir, packageVersion } = loaded.getBinsDir();
    const found = await findInBinsDir(binsDir);
    if (found !== undefined) return { path: found.library, packageName, packageVersion, release: found.release };
  }
  throw new QreasonError(
    "E_NOT_FOUND",
    `no prebuilt libllama for ${platform}-${arch} (looked in ${tried.join(", ") || "no known package"}); ` +
      "llama.cpp quantization needs node-llama-cpp's prebuilt binaries",
  );
}
