// Autumn's per-request rules, as the sandbox applies them before a /v1
// handler runs: secret-key authentication, the x-api-version format, the
// Idempotency-Key (and track's idempotency_key) window, and which routes
// take the per-customer billing lock.

import type { IncomingMessage } from "node:http";

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** What Autumn accepts in x-api-version: SemVer or a partial of it, CalVer, or a legacy float (§1.3). */
export const API_VERSION = /^(\d+(\.\d+){0,2}|\d{4}-\d{2}-\d{2})$/;

/** secretKeyMiddleware: no bearer → no_secret_key; not am_sk_ → invalid_request; unknown → invalid_secret_key (all 401). */
export function authenticate(req: IncomingMessage, keys: Set<string>): { code: string; message: string } | null {
  const header = req.headers.authorization;
  if (!header || !header.startsWith("Bearer ") || header.slice(7).trim() === "") {
    return { code: "no_secret_key", message: "Secret key not found in Authorization header" };
  }
  const key = header.slice(7).trim();
  if (!key.startsWith("am_sk_")) return { code: "invalid_request", message: "Invalid authorization token prefix" };
  if (!keys.has(key)) {
    return { code: "invalid_secret_key", message: `Invalid secret key: ${key.slice(0, 15)}${key.slice(15).replace(/./g, "*")}` };
  }
  return null;
}

export function idempotencyKey(req: IncomingMessage, route: string, body: Record<string, unknown>): string | null {
  const header = req.headers["idempotency-key"];
  const value = Array.isArray(header) ? header[0] : header;
  if (value) return value;
  if (route === "balances.track" && typeof body.idempotency_key === "string") return `track:${body.idempotency_key}`;
  return null;
}

/** Routes that take Autumn's per-customer billing lock (handleAttachV2 & co., 120 s TTL). */
const BILLING_LOCK_ROUTES = new Set(["billing.attach", "billing.update", "billing.multi_attach", "licenses.attach", "licenses.release"]);

export function billingLockKey(route: string, body: Record<string, unknown> | null): string | null {
  if (!BILLING_LOCK_ROUTES.has(route) || !body || typeof body.customer_id !== "string") return null;
  return body.customer_id;
}

export function pruneIdempotency(keys: Record<string, { at: number }>): void {
  const cutoff = Date.now() - IDEMPOTENCY_TTL_MS;
  for (const [k, v] of Object.entries(keys)) if (v.at < cutoff) delete keys[k];
}
