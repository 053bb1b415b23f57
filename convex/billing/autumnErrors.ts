// How an Autumn failure is read (split from autumn.ts, the one door to
// Autumn): whatever autumn-js throws — an HTTP error with Autumn's JSON body,
// a Node-style or Convex-runtime network failure (see autumn.ts's header), a
// response its validators rejected — becomes one `Failure`, and a Failure
// becomes the typed `billingError` the UI branches on. Pure: no fetch, no ctx.
import {
  AutumnError,
  ConnectionError,
  InvalidRequestError,
  RequestAbortedError,
  RequestTimeoutError,
  ResponseValidationError,
  UnexpectedClientError,
} from "autumn-js";
import { ConvexError } from "convex/values";
import { billingError, type BillingErrorCode, type BillingErrorData } from "./errors";

// ── Error classification ─────────────────────────────────────────────────────

export type Failure =
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

export function classify(err: unknown): Failure {
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

export function toBillingError(op: string, f: Exclude<Failure, { kind: "passthrough" }>, attempts: number): ConvexError<BillingErrorData> {
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

export function failureData(op: string, f: Exclude<Failure, { kind: "passthrough" }>): Record<string, string | number | boolean | null> {
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
