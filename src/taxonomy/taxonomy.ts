/**
 * The error taxonomy of the studies qreason follows: where a quantized model's solution first goes wrong
 * is named by one of four categories and, within it, one of seven subtypes. The step verifier, the judges,
 * the review UI and restoration's stratified mining all speak this one vocabulary.
 */

export const ERROR_CATEGORIES = ["conceptual", "method", "execution", "reasoning"] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export const ERROR_SUBTYPES = [
  "conceptual_misunderstanding",
  "contextual_oversight",
  "procedural_error",
  "formula_rule_error",
  "computational_error",
  "symbolic_manipulation_error",
  "logical_reasoning_error",
] as const;
export type ErrorSubtype = (typeof ERROR_SUBTYPES)[number];

export interface SubtypeInfo {
  subtype: ErrorSubtype;
  category: ErrorCategory;
  /** Human label, as the papers write it. */
  label: string;
  /** One sentence a judge prompt and the review UI show. */
  definition: string;
  /** Its key in the review UI (1–7). */
  key: number;
}

export const SUBTYPES: readonly SubtypeInfo[] = [
  {
    subtype: "conceptual_misunderstanding",
    category: "conceptual",
    label: "Conceptual misunderstanding",
    definition: "The solution misreads what a mathematical concept means or what the problem asks for.",
    key: 1,
  },
  {
    subtype: "contextual_oversight",
    category: "conceptual",
    label: "Contextual oversight",
    definition: "The solution ignores, drops or misuses a condition or quantity given in the problem.",
    key: 2,
  },
  {
    subtype: "procedural_error",
    category: "method",
    label: "Procedural error",
    definition: "The plan is wrong: wrong operation, wrong order of steps, a needed step skipped or an unneeded one taken.",
    key: 3,
  },
  {
    subtype: "formula_rule_error",
    category: "method",
    label: "Formula / rule error",
    definition: "A formula, theorem or rule is misremembered or applied where it does not hold.",
    key: 4,
  },
  {
    subtype: "computational_error",
    category: "execution",
    label: "Computational error",
    definition: "The method is right but an arithmetic result is wrong (a false equation such as 7 × 8 = 54).",
    key: 5,
  },
  {
    subtype: "symbolic_manipulation_error",
    category: "execution",
    label: "Symbolic manipulation error",
    definition: "An algebraic rewrite is wrong: a sign, a term, an exponent or a factor lost or changed.",
    key: 6,
  },
  {
    subtype: "logical_reasoning_error",
    category: "reasoning",
    label: "Logical reasoning error",
    definition: "A conclusion does not follow from what came before: an invalid inference, circular or contradictory reasoning.",
    key: 7,
  },
];

const BY_SUBTYPE = new Map(SUBTYPES.map((info) => [info.subtype, info]));

export function isErrorCategory(value: unknown): value is ErrorCategory {
  return typeof value === "string" && (ERROR_CATEGORIES as readonly string[]).includes(value);
}

export function isErrorSubtype(value: unknown): value is ErrorSubtype {
  return typeof value === "string" && BY_SUBTYPE.has(value as ErrorSubtype);
}

/** The category a subtype belongs to. */
export function categoryOf(subtype: ErrorSubtype): ErrorCategory {
  return (BY_SUBTYPE.get(subtype) as SubtypeInfo).category;
}

export function subtypeInfo(subtype: ErrorSubtype): SubtypeInfo {
  return BY_SUBTYPE.get(subtype) as SubtypeInfo;
}

/** The subtype bound to a review-UI key (1–7), if any. */
export function subtypeForKey(key: number): ErrorSubtype | undefined {
  return SUBTYPES.find((info) => info.key === key)?.subtype;
}

export function subtypesOf(category: ErrorCategory): ErrorSubtype[] {
  return SUBTYPES.filter((info) => info.category === category).map((info) => info.subtype);
}
