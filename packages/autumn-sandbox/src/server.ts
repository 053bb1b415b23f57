// The HTTP face of the sandbox. Per /v1 request: authenticate like Autumn
// (a known am_sk_ key: AUTUMN_SANDBOX_KEYS or the `keys` option), count the call, apply any injected fault, enforce
// Idempotency-Key (409 on repeat, released when the first try failed), answer
// a concurrent billing write for the same customer with 423, run
// the handler atomically, persist. Hosted pages are served by pageRoutes.ts,
// the sandbox-only control routes under /sandbox (clock, faults, reset,
// config) by controlRoutes.ts; the per-request rules live in requestRules.ts.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { ApiError } from "./errors.js";
import type { Ctx, WebhookEvent } from "./context.js";
import { StateStore, type CustomerRecord } from "./state.js";
import { ACCEPTED, NO_CONTENT, ROUTES } from "./routes.js";
import { Faults } from "./faults.js";
import { WebhookSender } from "./webhooks.js";
import { applyCatalog, type CatalogBody } from "./catalog.js";
import { settleCheckouts } from "./checkout.js";
import { settle } from "./subscriptions.js";
import { readJson, send } from "./httpIo.js";
import { API_VERSION, authenticate, billingLockKey, IDEMPOTENCY_TTL_MS, idempotencyKey, pruneIdempotency } from "./requestRules.js";
import { handleControl } from "./controlRoutes.js";
import { handlePage } from "./pageRoutes.js";

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** JSON file that keeps state across restarts; null keeps it in memory only. */
  dataFile?: string | null;
  /** Catalog to load into an empty sandbox (and on reset). */
  seed?: CatalogBody | null;
  settlementDelayMs?: number;
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  webhookRetryDelaysMs?: number[];
  /** Public base URL of hosted pages; defaults to http://host:port. */
  publicUrl?: string;
  /** Secret keys the sandbox knows; default: env AUTUMN_SANDBOX_KEYS (comma-separated), else am_sk_test_local. */
  keys?: string[];
  /** The org's multi-currency setting; default: on iff the catalog has additional_currencies. */
  multiCurrency?: boolean;
}

export const DEFAULT_SANDBOX_KEY = "am_sk_test_local";

/** The known keys: the option, else AUTUMN_SANDBOX_KEYS, else the default local key. */
export function sandboxKeys(option?: string[], env: string | undefined = process.env.AUTUMN_SANDBOX_KEYS): string[] {
  if (option && option.length > 0) return option;
  const fromEnv = (env ?? "").split(",").map((k) => k.trim()).filter(Boolean);
  return fromEnv.length > 0 ? fromEnv : [DEFAULT_SANDBOX_KEY];
}

export class AutumnSandbox {
  readonly store: StateStore;
  readonly faults = new Faults();
  readonly webhooks: WebhookSender;
  readonly stats: Record<string, number> = {};
  settlementDelayMs: number;
  multiCurrency: boolean | null;
  readonly keys: Set<string>;
  private server: Server | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private base = "";
  private lastPrune = 0;
  /** Customers with a billing write in flight (see billingLockKey). */
  private readonly billingLocks = new Set<string>();
  readonly ctx: Ctx;

  constructor(private readonly options: SandboxOptions = {}) {
    this.store = new StateStore(options.dataFile ?? null);
    this.settlementDelayMs = options.settlementDelayMs ?? 3_000;
    this.multiCurrency = options.multiCurrency ?? null;
    this.keys = new Set(sandboxKeys(options.keys));
    this.webhooks = new WebhookSender(
      { url: options.webhookUrl ?? null, secret: options.webhookSecret ?? null },
      options.webhookRetryDelaysMs,
    );
    const self = this;
    this.ctx = {
      get state() { return self.store.state; },
      now: (customer?: CustomerRecord | null) => Date.now() + self.store.state.clock_offset_ms + (customer?.clock_offset_ms ?? 0),
      get publicUrl() { return self.options.publicUrl ?? self.base; },
      get settlementDelayMs() { return self.settlementDelayMs; },
      get multiCurrency() { return self.multiCurrency; },
      emit: (event: WebhookEvent) => self.webhooks.send(event),
    };
    if (options.seed) {
      const fresh = Object.keys(this.store.state.features).length === 0;
      if (fresh || this.store.state.seed_hash !== seedHash(options.seed)) this.seed();
    }
  }

  get url(): string {
    return this.base;
  }

  /**
   * Load the configured catalog: into an empty sandbox, on reset, and when
   * autumn.config.ts changed since it was last loaded (additively, with
   * Autumn's versioning rules, so a persisted sandbox follows config edits
   * without losing what `atmn push` or plans.create added).
   */
  private seed(): void {
    if (!this.options.seed) return;
    applyCatalog(this.store.state, { ...this.options.seed, skip_deletions: true }, this.ctx.now());
    this.store.state.seed_hash = seedHash(this.options.seed);
    this.store.changed();
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { message: err instanceof Error ? err.message : String(err), code: "internal_error", env: "sandbox" });
      });
    });
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => this.server?.listen(this.options.port ?? 0, this.options.host ?? "127.0.0.1", resolve));
    const addr = this.server.address() as AddressInfo;
    this.base = `http://${this.options.host ?? "127.0.0.1"}:${addr.port}`;
    this.ticker = setInterval(() => this.tick(), 100);
    this.ticker.unref();
    return this.base;
  }

  /** Settle paid checkouts whose delay has passed. */
  tick(realNow = Date.now()): void {
    if (settleCheckouts(this.ctx, realNow).length > 0) this.store.changed();
    const wall = Date.now();
    if (wall - this.lastPrune > 60_000) {
      this.lastPrune = wall;
      pruneIdempotency(this.store.state.idempotency);
    }
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.webhooks.close();
    this.store.flush();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.server = null;
  }

  /** Move sandbox time forward for everyone, or for one customer, and run what falls due. */
  advanceClock(ms: number, customerId?: string): number {
    if (!(ms > 0)) throw new ApiError(400, "invalid_inputs", "ms must be a positive number");
    if (customerId) {
      const c = this.store.state.customers[customerId];
      if (!c) throw new ApiError(404, "customer_not_found", `Customer ${customerId} not found`);
      c.clock_offset_ms += ms;
      settle(this.ctx, c);
      this.store.changed();
      return this.ctx.now(c);
    }
    this.store.state.clock_offset_ms += ms;
    for (const c of Object.values(this.store.state.customers)) settle(this.ctx, c);
    this.store.changed();
    return this.ctx.now();
  }

  /** Attempt every queued webhook delivery now; resolves once none is in flight or waiting to retry (see WebhookSender.flush). */
  flushWebhooks(): Promise<void> {
    return this.webhooks.flush();
  }

  reset(): void {
    this.store.reset();
    this.faults.clear();
    for (const k of Object.keys(this.stats)) delete this.stats[k];
    this.seed();
  }

  // ── request handling ────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const path = url.pathname;
    if (req.method === "GET" && path === "/health") return send(res, 200, { ok: true });
    if (req.method === "GET" && path === "/favicon.ico") { res.writeHead(204, { "cache-control": "max-age=86400" }); res.end(); return; } // hosted pages: no 401 in the console
    if (path.startsWith("/checkout/") || path.startsWith("/portal/") || path.startsWith("/invoices/")) {
      return handlePage(this, req, res, path);
    }
    const auth = authenticate(req, this.keys);
    if (auth) return send(res, 401, { message: auth.message, code: auth.code, env: "sandbox" });
    if (path.startsWith("/sandbox/")) return handleControl(this, req, res, path);
    if (req.method === "GET" && path === "/v1/organization/me") {
      return send(res, 200, { name: "Autumn sandbox", slug: "sandbox", env: "sandbox" });
    }
    const match = /^\/v1\/([a-z_]+\.[a-z_]+)$/.exec(path);
    const handler = match ? ROUTES[match[1] as string] : undefined;
    if (req.method !== "POST" || !match || !handler) {
      return send(res, 404, { message: `Route ${req.method} ${path} not found`, code: "not_found", env: "sandbox" });
    }
    const route = match[1] as string;
    this.stats[route] = (this.stats[route] ?? 0) + 1;
    const version = req.headers["x-api-version"];
    if (typeof version === "string" && !API_VERSION.test(version.trim())) {
      return send(res, 400, { message: `Invalid API version: ${version}`, code: "invalid_api_version", env: "sandbox" });
    }

    const fault = this.faults.take(route);
    if (fault?.mode === "disconnect") {
      // As if Autumn were gone: no status, no body, the connection just dies.
      req.socket.destroy();
      return;
    }
    // The body is read before any injected latency: a client that gives up
    // while the server is slow does not stop the request. Like a real server,
    // the sandbox then carries it out anyway (a lock is created, a track
    // counted) and only the answer goes nowhere.
    let body: Record<string, unknown> | null;
    try {
      body = await readJson(req);
    } catch {
      body = null;
    }
    // Autumn's per-customer route lock (§5): a billing write for a customer while another one is in flight
    // is 423 lock_already_exists. Handlers run synchronously, so only a request held by injected latency is
    // ever in flight; it holds the lock for the whole delay, like a slow attach holds Autumn's.
    const lock = billingLockKey(route, body);
    if (lock && this.billingLocks.has(lock)) {
      return send(res, 423, { message: `${route === "billing.attach" ? "Attach" : "A billing change"} already in progress for this customer, try again in a moment`, code: "lock_already_exists", env: "sandbox" });
    }
    if (fault && fault.latency_ms > 0) {
      if (lock) this.billingLocks.add(lock);
      try {
        await sleep(fault.latency_ms);
      } finally {
        if (lock) this.billingLocks.delete(lock); // the handler below runs without yielding: released as it completes
      }
    }
    if (fault && (fault.mode === "error" || fault.mode === "rate_limit")) {
      return this.faultResponse(res, fault.mode, fault.status, fault.retry_after_s);
    }
    if (body === null) return send(res, 400, { message: "Request body is not valid JSON", code: "invalid_inputs", env: "sandbox" });
    const idemKey = idempotencyKey(req, route, body);
    const { state } = this.store;
    if (idemKey) {
      const seen = state.idempotency[idemKey];
      if (seen && Date.now() - seen.at < IDEMPOTENCY_TTL_MS) {
        return send(res, 409, { message: `Another request with idempotency key ${idemKey.replace(/^track:/, "")} has already been received`, code: "duplicate_idempotency_key", env: "sandbox" });
      }
      state.idempotency[idemKey] = { at: Date.now(), status: "pending" };
    }
    let status = 200;
    let payload: unknown;
    try {
      const apiVersion = req.headers["x-api-version"];
      const ctx: Ctx = typeof apiVersion === "string" ? Object.assign(Object.create(this.ctx) as Ctx, { apiVersion }) : this.ctx;
      payload = handler(ctx, body);
      if (payload === NO_CONTENT) status = 204;
      if (payload === ACCEPTED) { status = 202; payload = { success: true }; }
    } catch (err) {
      if (err instanceof ApiError) {
        status = err.status;
        payload = { message: err.message, code: err.code, env: "sandbox" };
      } else {
        status = 500;
        payload = { message: err instanceof Error ? err.message : String(err), code: "internal_error", env: "sandbox" };
      }
    }
    if (idemKey) {
      // A key whose first request failed is released so the call can be retried (§1.7).
      if (status >= 400 && status !== 409) delete state.idempotency[idemKey];
      else state.idempotency[idemKey] = { at: Date.now(), status: "done" };
    }
    this.store.changed();
    if (fault && fault.mode === "drop_response") {
      // The work is done, but the answer is lost on the way back.
      return this.faultResponse(res, "error", fault.status, fault.retry_after_s);
    }
    if (status === 204) { res.writeHead(204).end(); return; }
    send(res, status, payload);
  }

  private faultResponse(res: ServerResponse, mode: "error" | "rate_limit", status: number, retryAfter: number): void {
    if (mode === "rate_limit") {
      res.setHeader("Retry-After", String(retryAfter));
      return send(res, status, { message: "Rate limit exceeded (injected fault)", code: "rate_limited", env: "sandbox" });
    }
    if (status === 503) res.setHeader("Retry-After", String(retryAfter));
    send(res, status, { message: "Injected fault", code: status === 503 ? "service_unavailable" : "internal_error", env: "sandbox" });
  }
}

// ── helpers ────────────────────────────────────────────────────────────────

function seedHash(seed: CatalogBody): string {
  return createHash("sha256").update(JSON.stringify(seed)).digest("hex");
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
