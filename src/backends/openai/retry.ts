/**
 * When and how long to wait before trying an HTTP request again. Pure functions, tested on their own.
 */

/** Statuses worth another try: timeouts, rate limits, and server-side failures that are often transient. */
const RETRYABLE_STATUSES = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Ceiling on any computed delay. */
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay fixed, half random, so clients that
 * failed together do not retry together. `attempt` counts from 0 (the delay before the first retry).
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return exponential / 2 + (exponential / 2) * random();
}

/**
 * The wait a Retry-After header asks for, in ms: delta-seconds ("120", fractions tolerated) or an HTTP
 * date. Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its weekday and month; Date.parse would also take "-5" as a year.
  if (!/^[A-Za-z]{3}, /.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
