/**
 * Token and cost accounting per judge. Token counts come from the backend's replies (every attempt,
 * retries included: a retry is paid for); prices are per million tokens, configured per judge, and a judge
 * without a price has tokens but no cost (never a made-up zero).
 */

export interface TokenUsage {
  /** Model calls made (attempts, retries included). */
  calls: number;
  promptTokens: number;
  completionTokens: number;
}

export interface Price {
  /** Currency units per 1M prompt (input) tokens. */
  inputPerMTok: number;
  /** Currency units per 1M completion (output) tokens. */
  outputPerMTok: number;
}

export const NO_USAGE: Readonly<TokenUsage> = Object.freeze({ calls: 0, promptTokens: 0, completionTokens: 0 });

export function addUsage(left: TokenUsage, right: TokenUsage): TokenUsage {
  return {
    calls: left.calls + right.calls,
    promptTokens: left.promptTokens + right.promptTokens,
    completionTokens: left.completionTokens + right.completionTokens,
  };
}

/** Cost of `usage` at `price`: (prompt · input + completion · output) / 1e6. */
export function costOf(usage: TokenUsage, price: Price): number {
  return (usage.promptTokens * price.inputPerMTok + usage.completionTokens * price.outputPerMTok) / 1_000_000;
}

export interface JudgeUsageRow extends TokenUsage {
  judge: string;
  /** Null when the judge has no configured price. */
  cost: number | null;
}

/** Accumulates usage by judge name. */
export class UsageLedger {
  private readonly byJudge = new Map<string, TokenUsage>();

  add(judge: string, usage: TokenUsage): void {
    this.byJudge.set(judge, addUsage(this.byJudge.get(judge) ?? NO_USAGE, usage));
  }

  usageOf(judge: string): TokenUsage {
    return this.byJudge.get(judge) ?? { ...NO_USAGE };
  }

  /** One row per judge (in first-seen order), priced where `prices` has the judge. */
  rows(prices: Readonly<Record<string, Price | undefined>> = {}): JudgeUsageRow[] {
    return [...this.byJudge].map(([judge, usage]) => {
      const price = prices[judge];
      return { judge, ...usage, cost: price ? costOf(usage, price) : null };
    });
  }
}
