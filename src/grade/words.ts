/**
 * Word answers: their canonical form, and numbers spelled as words up to twenty (`\text{four}` for 4,
 * "ten cookies" for 10, "Eighteen." for 18). A spelled number may carry one or two label words after it;
 * a second number word, a scale word or "or"/"and" makes it something else ("twenty one", "two hundred",
 * "ten or eleven"), left alone.
 */
const NUMBER_WORDS = (
  "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " +
  "seventeen eighteen nineteen twenty"
).split(" ");

const NOT_A_LABEL = new Set([
  ...NUMBER_WORDS, "and", "or", "point", "hundred", "hundreds", "thousand", "thousands", "million", "millions",
  "billion", "billions", "dozen", "dozens", "half", "halves", "third", "thirds", "quarter", "quarters",
  "fifth", "fifths", "percent", "per", "times", "plus", "minus", "over", "divided", "squared", "cubed",
]);

/** The value of a spelled number with at most two label words after it, in canonical words (see canonicalText). */
export function spelledNumber(canonical: string): number | undefined {
  const [first, ...labels] = canonical.split(" ");
  const value = NUMBER_WORDS.indexOf(first ?? "");
  if (value < 0 || labels.length > 2 || labels.some((word) => NOT_A_LABEL.has(word))) return undefined;
  return value;
}

/** Lower case, punctuation as spaces, a leading article dropped: "The Empty-Set." → "empty set". */
export function canonicalText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(/^\s*(?:the|a|an)\s+/, "")
    .replace(/\s+/g, " ")
    .trim();
}
