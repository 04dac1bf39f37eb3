/**
 * Streaming summary of position comparisons. Logits are never kept: each position leaves a few numbers
 * (8 bytes per position per statistic that needs percentiles), so exact percentiles cost megabytes even for
 * millions of positions, where the logits themselves would cost terabytes.
 */
import { quantile } from "./math.ts";

/** What the summary needs of one compared position. */
export interface PositionStatistics {
  /** KL(base ‖ variant) in nats. */
  kld: number;
  /** Whether both models rank the same token first. */
  sameTop: boolean;
  /** Top-1 minus top-2 logit of each model. */
  baseMargin: number;
  variantMargin: number;
  /** Probability of the text's actual next token under each model; NaN without a target. */
  baseTargetProbability: number;
  variantTargetProbability: number;
}

export interface Distribution {
  mean: number;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface KldSummary {
  texts: number;
  positions: number;
  /** KL(base ‖ variant) per position, nats. */
  kld: Distribution & { standardError: number };
  /** Positions where both models rank the same token first, in percent. */
  sameTopPercent: number;
  sameTopStandardError: number;
  /** Δp = p_variant(next token) − p_base(next token) over the text's own tokens (llama.cpp's Δp). */
  deltaP: { mean: number; rms: number };
  margin: { base: Distribution; variant: Distribution };
}

/** A growable Float64Array. */
class Column {
  private values = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length] = value;
    this.length += 1;
  }
  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

function distribution(column: Column): Distribution {
  const sorted = column.sorted();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    p10: quantile(sorted, 0.1),
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

export class KldAccumulator {
  private readonly kld = new Column();
  private readonly baseMargin = new Column();
  private readonly variantMargin = new Column();
  private kldSquares = 0;
  private sameTop = 0;
  private deltaSum = 0;
  private deltaSquares = 0;
  private deltaCount = 0;
  private textCount = 0;

  addText(): void {
    this.textCount += 1;
  }

  add(position: PositionStatistics): void {
    this.kld.push(position.kld);
    this.kldSquares += position.kld * position.kld;
    this.baseMargin.push(position.baseMargin);
    this.variantMargin.push(position.variantMargin);
    if (position.sameTop) this.sameTop += 1;
    if (!Number.isNaN(position.baseTargetProbability)) {
      const delta = position.variantTargetProbability - position.baseTargetProbability;
      this.deltaSum += delta;
      this.deltaSquares += delta * delta;
      this.deltaCount += 1;
    }
  }

  get positions(): number {
    return this.kld.length;
  }

  summary(): KldSummary {
    const count = this.kld.length;
    const kld = distribution(this.kld);
    const variance = count > 1 ? (this.kldSquares - count * kld.mean * kld.mean) / (count - 1) : Number.NaN;
    const sameShare = count > 0 ? this.sameTop / count : Number.NaN;
    return {
      texts: this.textCount,
      positions: count,
      kld: { ...kld, standardError: Math.sqrt(Math.max(0, variance) / count) },
      sameTopPercent: 100 * sameShare,
      sameTopStandardError: 100 * Math.sqrt((sameShare * (1 - sameShare)) / count),
      deltaP: {
        mean: this.deltaCount > 0 ? this.deltaSum / this.deltaCount : Number.NaN,
        rms: this.deltaCount > 0 ? Math.sqrt(this.deltaSquares / this.deltaCount) : Number.NaN,
      },
      margin: { base: distribution(this.baseMargin), variant: distribution(this.variantMargin) },
    };
  }
}
