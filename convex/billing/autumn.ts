// The one door to Autumn. Every billing action talks to Autumn through
// `callAutumn`, so the rules that keep billing correct under a flaky network
// live in one place instead of being re-invented per call site:
//
//  - fail-closed: autumn-js fails OPEN by default (a 5xx or network error on
//    check/track reads as "allowed"); the client built here always has
//    `failOpen: false`, so an outage is an error, never free usage;
//  - bounded retries with jittered exponential backoff on 429 (honouring
//    Retry-After), 5xx, connection errors and timeouts;
//  - idempotent writes: every write carries an `Idempotency-Key` that stays
//    the same on every retry of one logical call, so a retried write is
//    applied at most once; a 409 `duplicate_idempotency_key` on a retry means
//    an earlier attempt DID apply and only its response was lost;
//  - typed errors: whatever autumn-js throws (AutumnDefaultError with a JSON
//    body, ConnectionError, RequestTimeoutError, ResponseValidationError) is
//    turned into a `billingError(code, …)` the UI can branch on.
//
// It does `fetch`, so it is for Convex actions only (and tests).
//
// Configuration (`autumnConfig`): explicit, or refused. A deployment with no
// or a contradictory Autumn configuration throws AUTUMN_NOT_CONFIGURED on the
// first Autumn call instead of silently talking to the wrong backend:
//   - AUTUMN_SECRET_KEY is required and must look like an Autumn secret key
//     (am_sk_test_… / am_sk_live_…). There is no localhost default.
//   - AUTUMN_SANDBOX_URL (the local sandbox, an explicit opt-in) is accepted
//     only with a TEST key; a live key with a sandbox URL is refused, and so
//     is setting both AUTUMN_SANDBOX_URL and AUTUMN_API_URL.
//   - otherwise real Autumn: AUTUMN_API_URL if set, else the SDK's default
//     (https://api.useautumn.com).
//   Empty values count as unset. AUTUMN_TIMEOUT_MS sets the per-request
//   timeout (default 10 000 ms).
//
// Runtime errors: on a real Convex deployment (V8 runtime) a fetch that times
// out rejects with a DOMException named "AbortError" (autumn-js:
// RequestAbortedError) and a refused connection with a plain Error
// (autumn-js: UnexpectedClientError); Node's fetch gives TimeoutError /
// TypeError("fetch failed") (RequestTimeoutError / ConnectionError). Both
// families are AUTUMN_UNAVAILABLE and retried (reads are safe to repeat,
// writes carry an Idempotency-Key). Tests run every Autumn call through a
// fetch that fails the Convex way (runtimeFetch.helpers.ts).
import {
  Autumn,
  AutumnError,
  ConnectionError,
  HTTPClient,
  InvalidRequestError,
  RequestAbortedError,
  RequestTimeoutError,
  ResponseValidationError,
  UnexpectedClientError,
} from "autumn-js";
import { ConvexError } from "convex/values";
import { billingError, type BillingErrorCode, type BillingErrorData } from "./errors";

// ── Configuration ────────────────────────────────────────────────────────────

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface AutumnConfig {
  secretKey: string;
  /** Base URL without /v1; undefined means the SDK default (real Autumn). */
  serverURL: string | undefined;
  mode: "sandbox" | "autumn";
  /** Per-request timeout in ms. */
  timeoutMs: number;
}

type Env = Record<string, string | undefined>;

function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function parseTimeout(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : DEFAULT_TIMEOUT_MS;
}

const KEY_PATTERN = /^am_sk_(test|live)_\S+$/;

function notConfigured(message: string, reason: string): ConvexError<BillingErrorData> {
  return billingError("AUTUMN_NOT_CONFIGURED", message, { reason });
}

/** Where Autumn is and how to authenticate; throws AUTUMN_NOT_CONFIGURED (see the header). */
export function autumnConfig(env: Env = process.env): AutumnConfig {
  const sandboxUrl = envValue(env, "AUTUMN_SANDBOX_URL");
  const apiUrl = envValue(env, "AUTUMN_API_URL");
  const secretKey = envValue(env, "AUTUMN_SECRET_KEY");
  const timeoutMs = parseTimeout(envValue(env, "AUTUMN_TIMEOUT_MS"));
  if (!secretKey) {
    throw notConfigured(
      "Autumn is not configured: set AUTUMN_SECRET_KEY (npx convex env set AUTUMN_SECRET_KEY am_sk_test_…); for the local sandbox also set AUTUMN_SANDBOX_URL",
      "missing_key",
    );
  }
  if (!KEY_PATTERN.test(secretKey)) {
    throw notConfigured("AUTUMN_SECRET_KEY is not an Autumn secret key (am_sk_test_… or am_sk_live_…)", "malformed_key");
  }
  if (sandboxUrl && apiUrl) {
    throw notConfigured("Both AUTUMN_SANDBOX_URL and AUTUMN_API_URL are set; unset one of them", "contradictory_urls");
  }
  if (sandboxUrl) {
    if (!secretKey.startsWith("am_sk_test_")) {
      throw notConfigured("A live Autumn key (am_sk_live_…) is never sent to AUTUMN_SANDBOX_URL; unset AUTUMN_SANDBOX_URL to use real Autumn", "live_key_with_sandbox");
    }
    return { secretKey, serverURL: sandboxUrl, mode: "sandbox", timeoutMs };
  }
  return { secretKey, serverURL: apiUrl, mode: "autumn", timeoutMs };
}

export interface AutumnClientConfig {
  secretKey: string;
  serverURL?: string | undefined;
  timeoutMs?: number;
  /** The fetch the SDK uses (default: the global fetch, read at call time). Tests inject the Convex runtime's failure shapes here. */
  fetch?: (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
}

/** An autumn-js client that fails closed (never fail-open) with a per-request timeout. */
export function createAutumn(config: AutumnClientConfig = autumnConfig()): Autumn {
  const fetcher = config.fetch;
  return new Autumn({
    secretKey: config.secretKey,
    ...(config.serverURL !== undefined ? { serverURL: config.serverURL } : {}),
    ...(fetcher ? { httpClient: new HTTPClient({ fetcher: (input, init) => fetcher(input, init) }) } : {}),
    failOpen: false,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

// ── Calling with retries ─────────────────────────────────────────────────────

/** Per-request options handed to `fn`; pass them as the SDK method's second argument. */
export interface AutumnRequestOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface CallAutumnOptions<T> {
  /** The call changes state: it gets an Idempotency-Key (same on every retry). */
  write?: boolean;
  /** Key for a write; default: a fresh one per logical call. */
  idempotencyKey?: string;
  /** Attempts in total, including the first (default 4). */
  maxAttempts?: number;
  /**
   * A retried write got 409 duplicate_idempotency_key: an earlier attempt was
   * applied but its response was lost. Produce the result another way (e.g.
   * re-read the customer). Without it, such a call throws CONFLICT {duplicate: true}.
   */
  onDuplicate?: () => Promise<T>;
  /** Client to use; default `createAutumn()` from the environment. */
  client?: Autumn;
  /** Per-request timeout override (ms). */
  timeoutMs?: number;
  /** Injectable for tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
const BASE_BACKOFF_MS = 250;
/** No single wait is longer: Convex actions have a time limit. */
export const MAX_BACKOFF_MS = 5_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run one logical Autumn operation with retries and typed errors.
 *
 *   const customer = await callAutumn("customers.get", (a, o) => a.customers.get({ customerId }, o));
 *   await callAutumn("track", (a, o) => a.track({ customerId, featureId, value }, o), { write: true, idempotencyKey });
 *
 * `op` names the operation in error data. `fn` must pass its options to the
 * SDK method (that is how the Idempotency-Key header travels).
 */
export async function callAutumn<T>(
  op: string,
  fn: (client: Autumn, options: AutumnRequestOptions) => Promise<T>,
  opts: CallAutumnOptions<T> = {},
): Promise<T> {
  const client = opts.client ?? createAutumn();
  const sleep = opts.sleep ?? defaultSleep;
  const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
  const options: AutumnRequestOptions = {};
  if (opts.write) options.headers = { "Idempotency-Key": opts.idempotencyKey ?? newIdempotencyKey(op) };
  if (opts.timeoutMs !== undefined) options.timeoutMs = opts.timeoutMs;

  for (let attempt = 1; ; attempt++) {
    let failure: Failure;
    try {
      return await fn(client, options);
    } catch (err) {
      failure = classify(err);
    }

    if (failure.kind === "passthrough") throw failure.error;
    if (failure.kind === "http" && failure.status === 409 && failure.autumnCode === "duplicate_idempotency_key" && opts.write && attempt > 1) {
      // An earlier attempt of this very call was applied; only its answer was lost.
      if (opts.onDuplicate) return await opts.onDuplicate();
      throw billingError("CONFLICT", `Autumn ${op} was already applied by an earlier attempt whose response was lost`, {
        ...failureData(op, failure),
        duplicate: true,
      });
    }
    // 423 lock_already_exists: another billing write for this customer holds Autumn's route lock (§5). A write
    // that carries the caller's own idempotency key is safe to repeat, so it waits its turn with backoff.
    const locked = failure.kind === "http" && failure.status === 423 && opts.write === true && opts.idempotencyKey !== undefined;
    if ((!failure.retryable && !locked) || attempt >= maxAttempts) throw toBillingError(op, failure, attempt);
    const wait = backoffMs(attempt, "retryAfterMs" in failure ? failure.retryAfterMs : null);
    if (wait === null) throw toBillingError(op, failure, attempt); // asked to wait longer than we may
    await sleep(wait);
  }
}

function newIdempotencyKey(op: string): string {
  return `${op}:${crypto.randomUUID()}`;
}

/**
 * Wait before attempt `attempt + 1`: exponential with jitter (half fixed,
 * half random), capped at MAX_BACKOFF_MS. A Retry-After is a floor: never
 * retry sooner than asked; if it asks for more than the cap, give up (null).
 */
export function backoffMs(attempt: number, retryAfterMs: number | null, random: () => number = Math.random): number | null {
  const exp = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  if (retryAfterMs === null) return Math.round(jittered);
  if (retryAfterMs > MAX_BACKOFF_MS) return null;
  return Math.round(Math.min(MAX_BACKOFF_MS, retryAfterMs + random() * BASE_BACKOFF_MS));
}

// ── Error classification ─────────────────────────────────────────────────────

type Failure =
  | {
      kind: "http";
      status: number;
      autumnCode: string | null;
      autumnMessage: string;
      retryAfterMs: number | null;
      retryable: boolean;
    }
  | { kind: "network"; reason: "connection" | "timeout"; detail: string; retryable: true; retryAfterMs: null }
  | { kind: "invalid_response"; detail: string; retryable: false }
  | { kind: "unknown"; detail: string; retryable: false }
  | { kind: "passthrough"; error: unknown };

function classify(err: unknown): Failure {
  // Already typed (e.g. thrown by the caller's own code inside fn): keep it.
  if (err instanceof ConvexError) return { kind: "passthrough", error: err };
  // A 2xx whose body the SDK's validators reject (also an AutumnError): not retryable.
  if (err instanceof ResponseValidationError || errorName(err) === "ResponseValidationError") {
    return { kind: "invalid_response", detail: errorMessage(err), retryable: false };
  }
  if (err instanceof AutumnError || hasHttpMeta(err)) {
    const status = err.statusCode;
    const body = parseBody(err.body);
    const retryAfterMs = parseRetryAfter(headerValue(err.headers, "retry-after"));
    return {
      kind: "http",
      status,
      autumnCode: body.code,
      autumnMessage: body.message ?? `HTTP ${status}`,
      retryAfterMs,
      retryable: status === 429 || status >= 500,
    };
  }
  return classifyNetwork(err) ?? { kind: "unknown", detail: errorMessage(err), retryable: false };
}

/**
 * Transport failures, as Node and as the Convex runtime report them:
 *   timeout    — RequestTimeoutError (Node: TimeoutError), RequestAbortedError
 *                (Convex: DOMException "AbortError"; nothing here aborts a
 *                request on purpose, so an abort is the timeout signal firing);
 *   connection — ConnectionError (Node: TypeError "fetch failed"),
 *                UnexpectedClientError wrapping a plain Error (Convex: a
 *                refused or reset connection).
 * InvalidRequestError (a request the SDK could not build) is not transport.
 */
function classifyNetwork(err: unknown): Extract<Failure, { kind: "network" }> | null {
  const name = errorName(err);
  const timeout = (detail: string) => ({ kind: "network" as const, reason: "timeout" as const, detail, retryable: true as const, retryAfterMs: null });
  const connection = (detail: string) => ({ kind: "network" as const, reason: "connection" as const, detail, retryable: true as const, retryAfterMs: null });
  if (err instanceof InvalidRequestError || name === "InvalidRequestError") return null;
  if (err instanceof RequestTimeoutError || name === "RequestTimeoutError") return timeout(errorMessage(err));
  if (err instanceof RequestAbortedError || name === "RequestAbortedError") return timeout(errorMessage(err));
  if (err instanceof ConnectionError || name === "ConnectionError") return connection(errorMessage(err));
  if (err instanceof UnexpectedClientError || name === "UnexpectedClientError") {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ConvexError) return null;
    const causeName = errorName(cause);
    if (causeName === "AbortError" || causeName === "TimeoutError") return timeout(errorMessage(err));
    return connection(errorMessage(err));
  }
  // The runtime's own errors, when something calls fetch without the SDK's wrapping.
  if (name === "AbortError" || name === "TimeoutError") return timeout(errorMessage(err));
  if (err instanceof TypeError && /fetch failed|failed to fetch/i.test(err.message)) return connection(errorMessage(err));
  return null;
}

function toBillingError(op: string, f: Exclude<Failure, { kind: "passthrough" }>, attempts: number): ConvexError<BillingErrorData> {
  const data: Record<string, string | number | boolean | null> = { ...failureData(op, f), attempts };
  if (f.kind === "http" && f.autumnCode === "duplicate_idempotency_key") data.duplicate = false; // key reused by the caller
  switch (f.kind) {
    case "network":
      return billingError(
        "AUTUMN_UNAVAILABLE",
        f.reason === "timeout" ? `Autumn did not answer ${op} in time` : `Could not reach Autumn for ${op}`,
        data,
      );
    case "invalid_response":
      return billingError("AUTUMN_ERROR", `Autumn returned an unexpected response to ${op}`, data);
    case "unknown":
      return billingError("AUTUMN_ERROR", `Autumn ${op} failed: ${redact(f.detail)}`, data);
    case "http": {
      const { code, message } = mapHttp(op, f);
      return billingError(code, message, data);
    }
  }
}

function mapHttp(op: string, f: Extract<Failure, { kind: "http" }>): { code: BillingErrorCode; message: string } {
  const msg = redact(f.autumnMessage);
  if (f.status === 429) return { code: "RATE_LIMITED", message: `Autumn rate limit reached for ${op}; try again shortly` };
  if (f.status >= 500) return { code: "AUTUMN_UNAVAILABLE", message: `Autumn is unavailable (${op}: HTTP ${f.status})` };
  if (f.status === 401 || f.status === 403) {
    // Misconfiguration; say so without echoing anything key-like.
    return { code: "AUTUMN_ERROR", message: `Autumn rejected the API key for ${op} (HTTP ${f.status}); check AUTUMN_SECRET_KEY` };
  }
  if (f.status === 404) {
    switch (f.autumnCode) {
      case "customer_not_found": return { code: "CUSTOMER_NOT_FOUND", message: msg };
      case "product_not_found": return { code: "PLAN_NOT_FOUND", message: msg };
      case "feature_not_found": return { code: "FEATURE_NOT_FOUND", message: msg };
      case "entity_not_found": return { code: "INVALID_ARGUMENT", message: msg };
    }
  }
  if (f.status === 400 && f.autumnCode === "currency_mismatch") return { code: "CURRENCY_MISMATCH", message: msg };
  if (f.status === 409 || f.status === 423) return { code: "CONFLICT", message: msg };
  if (f.status === 400 && (f.autumnCode === "invalid_inputs" || f.autumnCode === "invalid_request")) {
    return { code: "INVALID_ARGUMENT", message: msg };
  }
  return { code: "AUTUMN_ERROR", message: `Autumn ${op} failed (HTTP ${f.status}): ${msg}` };
}

function failureData(op: string, f: Exclude<Failure, { kind: "passthrough" }>): Record<string, string | number | boolean | null> {
  switch (f.kind) {
    case "http":
      return {
        op,
        status: f.status,
        autumnCode: f.autumnCode,
        autumnMessage: redact(f.autumnMessage),
        retryAfterSeconds: f.retryAfterMs === null ? null : Math.ceil(f.retryAfterMs / 1000),
      };
    case "network":
      return { op, status: null, autumnCode: null, reason: f.reason };
    case "invalid_response":
    case "unknown":
      return { op, status: null, autumnCode: null, reason: f.kind, detail: redact(f.detail).slice(0, 500) };
  }
}

// ── Narrowing helpers ────────────────────────────────────────────────────────

interface HttpMeta {
  statusCode: number;
  body: string;
  headers: unknown;
}

/** Duck-typed AutumnError (in case two copies of autumn-js are loaded). */
function hasHttpMeta(err: unknown): err is HttpMeta {
  return (
    typeof err === "object" && err !== null &&
    typeof (err as { statusCode?: unknown }).statusCode === "number" &&
    typeof (err as { body?: unknown }).body === "string"
  );
}

/** Duck-typed: a DOMException or an Error from another realm (the runtime's) is still named. */
function errorName(err: unknown): string | null {
  if (typeof err !== "object" || err === null) return null;
  const name = (err as { name?: unknown }).name;
  return typeof name === "string" ? name : null;
}

function errorMessage(err: unknown): string {
  if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") return (err as { message: string }).message;
  return String(err);
}

function parseBody(text: string): { code: string | null; message: string | null } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return { code: null, message: null };
    const code = (parsed as { code?: unknown }).code;
    const message = (parsed as { message?: unknown }).message;
    return { code: typeof code === "string" ? code : null, message: typeof message === "string" ? message : null };
  } catch {
    return { code: null, message: text ? text.slice(0, 300) : null };
  }
}

function headerValue(headers: unknown, name: string): string | null {
  if (typeof headers === "object" && headers !== null && typeof (headers as { get?: unknown }).get === "function") {
    const value: unknown = (headers as { get(n: string): unknown }).get(name);
    return typeof value === "string" ? value : null;
  }
  return null;
}

/** Retry-After as delta-seconds or an HTTP date, in ms; null when absent/unparseable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Never let anything key-like into an error message. */
function redact(text: string): string {
  return text.replace(/am_(sk|pk)_[A-Za-z0-9_\-]*/g, "am_$1_[redacted]");
}
