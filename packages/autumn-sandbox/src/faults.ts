// Fault injection for reliability tests: make chosen routes fail with a 5xx,
// answer 429 with Retry-After, add latency, do the work and then lose the
// response (the "write whose answer never arrived" case), or drop the
// connection without answering (Autumn gone), for the next N calls.

export type FaultMode = "error" | "rate_limit" | "latency" | "drop_response" | "disconnect";

export interface FaultRule {
  id: number;
  /** An RPC route such as "balances.check", or "*" for every /v1 route. */
  route: string;
  mode: FaultMode;
  status: number;
  retry_after_s: number;
  latency_ms: number;
  /** Calls left to affect; Infinity when not given. */
  remaining: number;
}

export interface FaultInput {
  route?: string;
  mode: FaultMode;
  status?: number;
  retry_after_s?: number;
  latency_ms?: number;
  count?: number;
}

export class Faults {
  private rules: FaultRule[] = [];
  private seq = 0;

  add(input: FaultInput): FaultRule {
    const rule: FaultRule = {
      id: ++this.seq,
      route: input.route ?? "*",
      mode: input.mode,
      status: input.status ?? (input.mode === "rate_limit" ? 429 : 500),
      retry_after_s: input.retry_after_s ?? 1,
      latency_ms: input.latency_ms ?? 0,
      remaining: input.count ?? Infinity,
    };
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The rule that applies to this call (consuming one use of it), if any. */
  take(route: string): FaultRule | null {
    const rule = this.rules.find((r) => (r.route === "*" || r.route === route) && r.remaining > 0);
    if (!rule) return null;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return { ...rule };
  }
}
