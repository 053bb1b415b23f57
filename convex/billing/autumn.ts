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
import { Autumn, HTTPClient } from "autumn-js";
import { ConvexError } from "convex/values";
import { classify, failureData, toBillingError, type Failure } from "./autumnErrors";
import { billingError, type BillingErrorData } from "./errors";

export { parseRetryAfter } from "./autumnErrors";

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
