/**
 * The normal form problem texts are compared in for the leakage check: two questions that differ only in
 * case, Unicode presentation (NFKC: full-width digits, ligatures), punctuation or whitespace are the same
 * question. Digits and letters are kept exactly, so "3 apples" and "4 apples" stay different problems.
 */

/** NFKC, lower case, every run of characters that are not letters or digits becomes one space, trimmed. */
export function normalizeProblemText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}
