/**
 * From a field path (`models[0].variants[2].engine.w_bits`) back to the line of the YAML file it came
 * from, so every validation error can name file, line and field.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export type FieldPath = readonly PropertyKey[];

/** `models[0].variants[2].engine.w_bits`. */
export function formatFieldPath(path: FieldPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/**
 * The 1-based line of the deepest node on `path`: the key's line for a mapping entry (so a missing or
 * wrong value points at its key), the item's line for a list entry. Where the path leaves the document
 * (a missing key), the line of the deepest part that exists.
 */
export function lineOf(document: Document, lineCounter: LineCounter, path: FieldPath): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined = startOf(node);
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = startOf(pair.key) ?? startOf(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = startOf(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function startOf(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
