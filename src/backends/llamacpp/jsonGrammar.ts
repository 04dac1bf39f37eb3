/**
 * A JSON schema as node-llama-cpp's JSON-schema grammar takes it (llama.cpp then enforces the grammar while
 * sampling). Its subset: type, const, enum, oneOf, properties, required, additionalProperties, items,
 * prefixItems, min/maxItems, min/maxProperties, min/maxLength, date formats, $defs/$ref. `anyOf` becomes
 * `oneOf` (for generating one value they are the same); other keywords (minimum, pattern, ...) are not
 * enforced and are listed, so the result can say so.
 */

const SUPPORTED = new Set([
  "type", "const", "enum", "oneOf", "properties", "required", "additionalProperties", "items", "prefixItems",
  "minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength", "format", "$defs", "$ref",
]);
const ANNOTATIONS = new Set(["title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly"]);
const SCHEMA_MAPS = new Set(["properties", "$defs"]);
const SCHEMA_LISTS = new Set(["oneOf", "anyOf", "prefixItems"]);

export interface PreparedSchema {
  schema: Record<string, unknown>;
  /** JSON paths of keywords the grammar does not enforce. */
  unenforced: string[];
}

export function prepareJsonSchema(schema: Record<string, unknown>): PreparedSchema {
  const unenforced: string[] = [];
  const visit = (node: unknown, path: string): unknown => {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const where = `${path}.${key}`;
      if (key === "anyOf" || (SCHEMA_LISTS.has(key) && Array.isArray(value))) {
        out[key === "anyOf" ? "oneOf" : key] = (value as unknown[]).map((item, index) => visit(item, `${where}[${index}]`));
      } else if (SCHEMA_MAPS.has(key) && value !== null && typeof value === "object") {
        out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, visit(sub, `${where}.${name}`)]));
      } else if (key === "items" || (key === "additionalProperties" && typeof value === "object")) {
        out[key] = visit(value, where);
      } else if (SUPPORTED.has(key) || ANNOTATIONS.has(key)) {
        out[key] = value;
      } else {
        unenforced.push(where);
      }
    }
    return out;
  };
  return { schema: visit(schema, "schema") as Record<string, unknown>, unenforced };
}
