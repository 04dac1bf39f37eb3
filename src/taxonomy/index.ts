/** Public surface of the shared error taxonomy (4 categories, 7 subtypes). */
export type { ErrorCategory, ErrorSubtype, SubtypeInfo } from "./taxonomy.ts";
export { ERROR_CATEGORIES, ERROR_SUBTYPES, SUBTYPES, categoryOf, isErrorCategory, isErrorSubtype, subtypeForKey, subtypeInfo, subtypesOf } from "./taxonomy.ts";
