/**
 * Words the story templates draw from. Changing any list changes the generated problems: bump
 * ARITH_VERSION (splits.ts) when you do.
 */

export const NAMES: readonly string[] = [
  "Tom", "Ann", "Ben", "Mia", "Sam", "Lily", "Max", "Emma", "Leo", "Zoe", "Jack", "Ruby", "Noah", "Ella",
  "Omar", "Nina", "Ivan", "Sara", "Ravi", "Maya", "Carl", "Lucy", "Finn", "Alice", "Hugo", "Rosa", "Eli",
  "Grace", "Owen", "Kate",
];

/** A countable item and the container it comes in (`4 bags with 6 apples in each`). */
export interface ItemKind {
  plural: string;
  container: string;
}

export const ITEMS: readonly ItemKind[] = [
  { plural: "apples", container: "bags" },
  { plural: "marbles", container: "jars" },
  { plural: "stickers", container: "sheets" },
  { plural: "cookies", container: "boxes" },
  { plural: "pencils", container: "packs" },
  { plural: "cards", container: "decks" },
  { plural: "stamps", container: "albums" },
  { plural: "shells", container: "buckets" },
  { plural: "books", container: "shelves" },
  { plural: "eggs", container: "cartons" },
  { plural: "beads", container: "strings" },
  { plural: "candies", container: "bags" },
  { plural: "balloons", container: "packs" },
  { plural: "flowers", container: "vases" },
  { plural: "coins", container: "jars" },
  { plural: "toy cars", container: "boxes" },
];

/** Divisors the question may write as words (`half as many`, `a third of them`). */
export const FRACTION_WORDS: ReadonlyMap<number, string> = new Map([
  [2, "half"],
  [3, "a third"],
  [4, "a quarter"],
  [5, "a fifth"],
]);

/** Nouns for distractor sentences that mention another, irrelevant count. */
export const OTHER_THINGS: readonly string[] = [
  "pets", "cousins", "hats", "plants", "shirts", "posters", "puzzles", "kites",
];
