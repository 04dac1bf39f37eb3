/**
 * Fan-out across several base URLs of one model (vLLM replicas, several engine servers): each request goes
 * to the endpoint with the fewest requests in flight, no endpoint takes more than `maxInFlight` at once,
 * and an endpoint that just failed or asked to slow down rests until its cooldown ends.
 */
import { QreasonError } from "../../errors.ts";

export interface Lease {
  readonly url: string;
  release(): void;
}

interface Endpoint {
  url: string;
  inFlight: number;
  coolUntilMs: number;
}

export class EndpointPool {
  private readonly endpoints: Endpoint[];
  private readonly maxInFlight: number;
  private readonly waiting: Array<() => void> = [];

  constructor(urls: readonly string[], maxInFlight: number) {
    if (urls.length === 0) throw new QreasonError("E_USAGE", "at least one base URL is needed", { field: "baseUrls" });
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new QreasonError("E_USAGE", "must be a positive integer", { field: "maxConcurrencyPerUrl" });
    }
    this.endpoints = urls.map((url) => ({ url, inFlight: 0, coolUntilMs: 0 }));
    this.maxInFlight = maxInFlight;
  }

  get urls(): string[] {
    return this.endpoints.map((endpoint) => endpoint.url);
  }

  /** In-flight counts by URL (for tests and progress displays). */
  load(): Record<string, number> {
    return Object.fromEntries(this.endpoints.map((endpoint) => [endpoint.url, endpoint.inFlight]));
  }

  /** Waits for a free slot; `avoid` is passed over when any other endpoint has room (retry elsewhere). */
  async acquire(avoid?: string, signal?: AbortSignal): Promise<Lease> {
    for (;;) {
      if (signal?.aborted) throw new QreasonError("E_BACKEND", "cancelled", {}, { cause: signal.reason });
      const endpoint = this.pick(avoid);
      if (endpoint) {
        endpoint.inFlight += 1;
        let released = false;
        return {
          url: endpoint.url,
          release: () => {
            if (released) return;
            released = true;
            endpoint.inFlight -= 1;
            this.waiting.shift()?.();
          },
        };
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        this.waiting.push(wake);
        signal?.addEventListener("abort", wake, { once: true });
      });
    }
  }

  /** Rests an endpoint (it refused a connection or sent 429) so others take the next requests. */
  coolDown(url: string, ms: number, nowMs: number = Date.now()): void {
    const endpoint = this.endpoints.find((candidate) => candidate.url === url);
    if (endpoint) endpoint.coolUntilMs = Math.max(endpoint.coolUntilMs, nowMs + ms);
  }

  private pick(avoid: string | undefined): Endpoint | undefined {
    const now = Date.now();
    const open = this.endpoints.filter((endpoint) => endpoint.inFlight < this.maxInFlight);
    if (open.length === 0) return undefined;
    const rested = open.filter((endpoint) => endpoint.coolUntilMs <= now);
    // Every open endpoint cooling down: use the one that rests least rather than stall the caller
    // (its own retry delay already spaced this attempt out).
    const candidates = rested.length > 0 ? rested : [...open].sort((a, b) => a.coolUntilMs - b.coolUntilMs).slice(0, 1);
    const preferred = candidates.filter((endpoint) => endpoint.url !== avoid);
    const pool = preferred.length > 0 ? preferred : candidates;
    return pool.reduce((best, endpoint) => (endpoint.inFlight < best.inFlight ? endpoint : best));
  }
}
