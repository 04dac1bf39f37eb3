/**
 * Judge replies as judges write them, each with the outcome the parser must give. Hand-written after the
 * shapes seen from reasoning models (a `<think>` block, then JSON), chat models (markdown, ```json fences),
 * small local models (truncated or malformed JSON, wrong enum values, prose only) and refusals. Recorded
 * replies of real local judges are in recorded-*.json beside this file.
 */

export interface ReplyCase {
  name: string;
  text: string;
  stepCount: number;
  expected:
    | { ok: true; step: number; subtype: string; skipped?: number }
    | { ok: false; reason: "empty" | "refusal" | "no_json" | "truncated" | "invalid_json" | "schema"; mentions?: string };
}

const verdict = (step: number, category: string, subtype: string, explanation = "Step 2 claims 7 * 8 = 54; it is 56.") =>
  JSON.stringify({ explanation, first_error_step: step, category, subtype, confidence: 0.9 });

export const REPLY_CASES: readonly ReplyCase[] = [
  {
    name: "bare JSON",
    text: verdict(2, "execution", "computational_error"),
    stepCount: 5,
    expected: { ok: true, step: 2, subtype: "computational_error" },
  },
  {
    name: "reasoning model: think block with braces and LaTeX, then JSON",
    text: [
      "<think>",
      "Let me check each step. Step 0 sets up $\\frac{11}{2}$ hours, fine. In step 1 the set {1, 2, 3} is listed.",
      "Wait, step 2 says 7 \\times 8 = 54. That's wrong: 7 \\times 8 = 56. Maybe I should output {\"first_error_step\": 1}? No, step 1 is fine.",
      "</think>",
      "",
      verdict(2, "execution", "computational_error"),
    ].join("\n"),
    stepCount: 4,
    expected: { ok: true, step: 2, subtype: "computational_error" },
  },
  {
    name: "markdown with a ```json fence and a closing remark",
    text: [
      "## Review",
      "",
      "- **Step 0**: correct.",
      "- **Step 1**: the solution adds the discount instead of subtracting it.",
      "",
      "```json",
      JSON.stringify({ explanation: "Step 1 adds the 15% discount instead of subtracting it.", first_error_step: 1, category: "method", subtype: "procedural_error", confidence: 0.8 }, null, 2),
      "```",
      "",
      "Let me know if you want a deeper review!",
    ].join("\n"),
    stepCount: 3,
    expected: { ok: true, step: 1, subtype: "procedural_error" },
  },
  {
    name: "braces and quotes inside the explanation string",
    text: verdict(0, "method", "formula_rule_error", 'Uses "area = {base} * {height}" without the 1/2 } factor: \\frac{1}{2}bh.'),
    stepCount: 2,
    expected: { ok: true, step: 0, subtype: "formula_rule_error" },
  },
  {
    name: "a draft object, then a corrected final object (last valid wins)",
    text: `First guess: ${verdict(3, "execution", "computational_error")}\nOn reflection step 1 already misreads the question.\n${verdict(1, "conceptual", "contextual_oversight")}`,
    stepCount: 5,
    expected: { ok: true, step: 1, subtype: "contextual_oversight" },
  },
  {
    name: "a valid object followed by an invalid one: the last valid one wins",
    text: `${verdict(1, "conceptual", "contextual_oversight")}\nAlso: {"first_error_step": "one", "note": "see above"}`,
    stepCount: 3,
    expected: { ok: true, step: 1, subtype: "contextual_oversight", skipped: 1 },
  },
  {
    name: "no error",
    text: JSON.stringify({ explanation: "Every step checks out.", first_error_step: -1, category: "no_error", subtype: "no_error", confidence: 0.7 }),
    stepCount: 6,
    expected: { ok: true, step: -1, subtype: "no_error" },
  },
  {
    name: "wrapped in an outer object",
    text: `{"verdict": ${verdict(0, "reasoning", "logical_reasoning_error")}}`,
    stepCount: 2,
    expected: { ok: true, step: 0, subtype: "logical_reasoning_error", skipped: 1 },
  },
  {
    name: "trailing comma (repaired)",
    text: '{"explanation": "ok", "first_error_step": -1, "category": "no_error", "subtype": "no_error", "confidence": 1,}',
    stepCount: 2,
    expected: { ok: true, step: -1, subtype: "no_error" },
  },
  {
    name: "truncated mid-object (hit max_tokens)",
    text: 'The error is in step 3.\n```json\n{"explanation": "Step 3 divides by 4 where the problem says each of the 5 friends gets an equal sh',
    stepCount: 5,
    expected: { ok: false, reason: "truncated" },
  },
  {
    name: "a refusal",
    text: "I'm sorry, but I can't help with grading this solution.",
    stepCount: 3,
    expected: { ok: false, reason: "refusal" },
  },
  {
    name: "a refusal with a typographic apostrophe",
    text: "I’m unable to evaluate solutions to this kind of problem.",
    stepCount: 3,
    expected: { ok: false, reason: "refusal" },
  },
  {
    name: "prose only, no JSON",
    text: "The first error is in step 2, a computational error: 7 times 8 is 56, not 54.",
    stepCount: 3,
    expected: { ok: false, reason: "no_json" },
  },
  {
    name: "empty reply",
    text: "  \n ",
    stepCount: 3,
    expected: { ok: false, reason: "empty" },
  },
  {
    name: "single quotes (Python dict): not JSON",
    text: "{'explanation': 'ok', 'first_error_step': 1}",
    stepCount: 3,
    expected: { ok: false, reason: "no_json" },
  },
  {
    name: "unquoted keys: brace-balanced but not JSON",
    text: '{"explanation": "x", first_error_step: 1, category: "execution"}',
    stepCount: 3,
    expected: { ok: false, reason: "invalid_json" },
  },
  {
    name: "wrong enum value",
    text: JSON.stringify({ explanation: "arithmetic slip", first_error_step: 1, category: "execution", subtype: "arithmetic_error", confidence: 0.9 }),
    stepCount: 3,
    expected: { ok: false, reason: "schema", mentions: "'subtype' is \"arithmetic_error\"" },
  },
  {
    name: "category does not hold the subtype",
    text: verdict(1, "method", "computational_error"),
    stepCount: 3,
    expected: { ok: false, reason: "schema", mentions: "belongs to category 'execution'" },
  },
  {
    name: "index out of range (1-based habit: the last step + 1)",
    text: verdict(3, "execution", "computational_error"),
    stepCount: 3,
    expected: { ok: false, reason: "schema", mentions: "from 0 to 2" },
  },
  {
    name: "-1 with an error category",
    text: JSON.stringify({ explanation: "none", first_error_step: -1, category: "execution", subtype: "computational_error", confidence: 0.5 }),
    stepCount: 3,
    expected: { ok: false, reason: "schema", mentions: "must both be \"no_error\"" },
  },
  {
    name: "missing fields and confidence as a percentage",
    text: '{"first_error_step": 1, "confidence": 85}',
    stepCount: 3,
    expected: { ok: false, reason: "schema", mentions: "missing field 'explanation'" },
  },
  {
    name: "index as a string",
    text: JSON.stringify({ explanation: "x", first_error_step: "2", category: "execution", subtype: "computational_error", confidence: 0.9 }),
    stepCount: 3,
    expected: { ok: false, reason: "schema", mentions: "'first_error_step' must be an integer" },
  },
];
