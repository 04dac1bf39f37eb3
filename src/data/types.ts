/** A benchmark problem, normalized from whatever shape its source file has. */
export interface Problem {
  /** Stable across runs and machines: derived from the source's own id or line, never from load order alone. */
  id: string;
  benchmark: string;
  question: string;
  /** The gold final answer as a string (e.g. "25", "\\frac{1}{2}", "(3, -1)"). */
  answer: string;
  /** The reference solution, where the source has one. */
  solution?: string;
  /** Difficulty (MATH "Level 3" becomes 3). */
  level?: number;
  subject?: string;
  /** Source-specific extras (original ids, answer type, unit, ...). */
  meta: Record<string, unknown>;
}
