/**
 * Time budgets handed to timers (setTimeout, AbortSignal.timeout). Both take whole milliseconds: a fraction
 * makes AbortSignal.timeout throw a RangeError, and anything past 2^31-1 ms (24.8 days) makes setTimeout
 * fire after 1 ms, so every request would time out at once. Checked where a backend takes its options.
 */
import { QreasonError } from "../errors.ts";

export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `value` rounded to whole ms; E_USAGE naming `field` when it is not in [1 ms, MAX_TIMER_MS]. */
export function timerMs(value: number, field: string): number {
  const ms = Math.round(value);
  if (!Number.isFinite(value) || ms < 1 || ms > MAX_TIMER_MS) {
    throw new QreasonError("E_USAGE", `a time budget must be between 1 ms and ${MAX_TIMER_MS} ms (24.8 days), got ${value} ms`, { field });
  }
  return ms;
}
