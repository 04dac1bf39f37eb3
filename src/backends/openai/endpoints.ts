/**
 * Fan-out across several base URLs of one model (vLLM replicas, several engine servers): each request goes
 * to the endpoint with the fewest requests in flight, no endpoint takes more than `maxInFlight` at once,
 * and an endpoint that just failed or asked to slow down rests until its cooldown ends.
 *
 * A resting (cooling) endpoint, or the one a retry is avoiding, is never picked while a healthy one exists:
 * the request waits for the healthy one's next free slot instead. (Picking the resting one when the healthy
 * one was merely full sent retries back to a dead URL until they ran out: 3 of 24 generations failed on a
 * dead base URL while the live one was fine.) Only when every endpoint rests does the one that rests least
 * get the request, so a caller is never stalled forever.
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

  /** Waits for a free slot on a healthy endpoint; `avoid` (the URL a retry failed on) is passed over while
   * another healthy endpoint exists. */
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
            // Every waiter looks again: the freed slot may suit a later waiter but not the first
            // (different endpoints avoided), and a waiter that cannot use it simply waits again.
            for (const wake of this.waiting.splice(0)) wake();
          },
        };
      }
      await new Promise<void>((resolve) => {
        // Also look again when the next cooldown ends: a rested endpoint may then take the request.
        const restEnds = this.endpoints.map((candidate) => candidate.coolUntilMs - Date.now()).filter((ms) => ms > 0);
        const timer = restEnds.length > 0 ? setTimeout(() => wake(), Math.min(...restEnds) + 1) : undefined;
        const wake = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", wake);
          const index = this.waiting.indexOf(wake);
          if (index !== -1) this.waiting.splice(index, 1);
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
    const healthy = this.endpoints.filter((endpoint) => endpoint.coolUntilMs <= now);
    // Among healthy endpoints, the avoided one only when it is the only healthy one.
    const preferred = healthy.filter((endpoint) => endpoint.url !== avoid);
    const eligible = preferred.length > 0 ? preferred : healthy;
    if (eligible.length > 0) return leastLoaded(eligible.filter((endpoint) => endpoint.inFlight < this.maxInFlight)); // full: wait
    // Everything rests: the one that rests least (its own retry delay already spaced this attempt out).
    const open = this.endpoints.filter((endpoint) => endpoint.inFlight < this.maxInFlight);
    if (open.length === 0) return undefined;
    const soonest = Math.min(...open.map((endpoint) => endpoint.coolUntilMs));
    const rested = open.filter((endpoint) => endpoint.coolUntilMs === soonest);
    const notAvoided = rested.filter((endpoint) => endpoint.url !== avoid);
    return leastLoaded(notAvoided.length > 0 ? notAvoided : rested);
  }
}

function leastLoaded(endpoints: Endpoint[]): Endpoint | undefined {
  if (endpoints.length === 0) return undefined;
  return endpoints.reduce((best, endpoint) => (endpoint.inFlight < best.inFlight ? endpoint : best));
}
