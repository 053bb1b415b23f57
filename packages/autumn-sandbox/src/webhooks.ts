// Outbound webhooks, signed the way Autumn's Svix endpoints sign them
// (svix-id / svix-timestamp / svix-signature over "id.timestamp.body"), using
// the svix library itself rather than hand-rolled HMAC. Deliveries retry with
// backoff; the log is kept for tests and the /sandbox/webhooks route, and
// flush() lets a test drive the queue instead of waiting for it in real time.

import { randomUUID } from "node:crypto";
import { Webhook } from "svix";
import type { WebhookEvent } from "./context.js";

export interface WebhookConfig {
  url: string | null;
  secret: string | null;
}

export interface Delivery {
  id: string;
  type: string;
  body: string;
  attempts: number;
  status: "pending" | "delivered" | "failed";
  last_status: number | null;
  last_error: string | null;
}

/** Delay before attempt n+1 (after a failure of attempt n). */
export const RETRY_DELAYS_MS = [500, 2_000, 10_000, 30_000];

export class WebhookSender {
  readonly log: Delivery[] = [];
  /** Retries waiting for their backoff, and the delivery each one will attempt. */
  private timers = new Map<NodeJS.Timeout, Delivery>();
  private inflight = new Set<Promise<void>>();

  constructor(public config: WebhookConfig, private readonly retryDelays = RETRY_DELAYS_MS) {}

  get enabled(): boolean {
    return Boolean(this.config.url && this.config.secret);
  }

  send(event: WebhookEvent): void {
    if (!this.enabled) return;
    const delivery: Delivery = {
      id: `msg_${randomUUID().replace(/-/g, "")}`,
      type: event.type,
      body: JSON.stringify({ type: event.type, data: event.data }),
      attempts: 0,
      status: "pending",
      last_status: null,
      last_error: null,
    };
    this.log.push(delivery);
    if (this.log.length > 1000) this.log.splice(0, this.log.length - 1000);
    this.attempt(delivery);
  }

  /** Sign a body as Svix would; exported for tests that forge or replay. */
  sign(id: string, body: string, at = new Date()): Record<string, string> {
    const secret = this.config.secret;
    if (!secret) throw new Error("No webhook secret configured");
    return {
      "svix-id": id,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": new Webhook(secret).sign(id, at, body),
    };
  }

  private attempt(d: Delivery): void {
    const url = this.config.url;
    if (!url || !this.config.secret) return;
    d.attempts += 1;
    const p = fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...this.sign(d.id, d.body) },
      body: d.body,
      signal: AbortSignal.timeout(10_000),
    }).then(async (res) => {
      d.last_status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) d.status = "delivered";
      else this.retry(d, `HTTP ${res.status}`);
    }, (err: unknown) => this.retry(d, err instanceof Error ? err.message : String(err)))
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private retry(d: Delivery, error: string): void {
    d.last_error = error;
    const delay = this.retryDelays[d.attempts - 1];
    if (delay === undefined) {
      d.status = "failed";
      return;
    }
    const t = setTimeout(() => { this.timers.delete(t); this.attempt(d); }, delay);
    t.unref();
    this.timers.set(t, d);
  }

  /**
   * Attempt every queued delivery to the end, now: awaits the requests in
   * flight and runs each retry that is waiting for its backoff at once (its
   * delay skipped), until no attempt is in flight or waiting. Resolves with
   * every delivery delivered, given up on (failed) or, if webhooks were
   * turned off meanwhile, left pending. The deliveries themselves are real
   * HTTP requests; only the waiting between them is driven.
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.inflight.size > 0) {
        await Promise.all([...this.inflight]);
        continue;
      }
      if (this.timers.size === 0) return;
      const waiting = [...this.timers];
      this.timers.clear();
      for (const [t, d] of waiting) {
        clearTimeout(t);
        this.attempt(d);
      }
    }
  }

  close(): void {
    for (const t of this.timers.keys()) clearTimeout(t);
    this.timers.clear();
  }
}
