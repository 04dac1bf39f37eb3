/**
 * Reading and writing user-named files and streams safely: JSON lines split on "\n" only, JSON depth
 * bounds, inputs that can be read twice (pipes spooled once), and outputs written whole through to their
 * real target.
 */
export { LineSplitter, onLines, readLines, type LineOptions } from "./lines.ts";
export { MAX_JSON_DEPTH, jsonNestingDepth } from "./jsonDepth.ts";
export { openRereadable, type RereadableInput } from "./inputOnce.ts";
export { makeOutputDirectory, openAtomicOutput, resolveOutputTarget, type AtomicOutput, type OutputTarget } from "./outputFile.ts";
export { removeAtExit } from "./temporaries.ts";
export { decodeUtf8 } from "./utf8.ts";
