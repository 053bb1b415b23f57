// Autumn's published per-route rate limits, as its server source sets them, so
// the reconcile benchmark (row b) can put the module and its baseline on the
// clock each is allowed to run at, instead of an assumed spacing.
//
// Source: useautumn/autumn @ 187c0a7 (2026-08-22),
//   server/src/internal/misc/rateLimiter/rateLimitConfigs.ts  (RATE_LIMIT_CONFIGS, route groups)
//   server/src/internal/misc/rateLimiter/rateLimitFactory.ts  (keys: org, or org + customer)
//   server/src/honoMiddlewares/rateLimitMiddleware.ts         (the org aggregate wraps the per-customer limit)
//
// - `POST /v1/customers.list` is in the `list_customers` group: 5 per 1,000 ms
//   per org. Its `versionedLimit` raises that to 50 for x-api-version 2.3.0
//   only ("a request maps to the smallest defined key ≥ its own version";
//   2.2 and below map to 2.2 → 5, versions above 2.3 match no key → the base 5).
//   autumn-js 1.3.13 sends 2.4.0, so 5/s applies (and the module's
//   MIN_LIST_INTERVAL_MS is 200 ms).
// - `POST /v1/customers.get` is in the `check` group: 10,000 per 1,000 ms per
//   customer, wrapped by the org aggregate `check_org`: 240,000 per 60,000 ms
//   per org. One get per customer never meets the per-customer limit, so the
//   org aggregate binds: a sustained 4,000/s.
// Hosted Autumn can override a limit per org (rateLimitOverridesStore.ts);
// these are the defaults every org gets.

export interface RouteLimit {
  route: string;
  /** Autumn's limiter name (RateLimitConfig.name). */
  name: string;
  limit: number;
  windowMs: number;
  scope: "org" | "customer";
}

export const AUTUMN_LIMITS_SOURCE = "useautumn/autumn server/src/internal/misc/rateLimiter/rateLimitConfigs.ts (@187c0a7)";

/** The limit that binds one org's reconcile: a list page per call. */
export const CUSTOMERS_LIST_LIMIT: RouteLimit = { route: "customers.list", name: "list_customers", limit: 5, windowMs: 1_000, scope: "org" };

/** The limits on one `customers.get` per customer: per customer, then the org aggregate. */
export const CUSTOMERS_GET_LIMITS: RouteLimit[] = [
  { route: "customers.get", name: "check", limit: 10_000, windowMs: 1_000, scope: "customer" },
  { route: "customers.get", name: "check_org", limit: 240_000, windowMs: 60_000, scope: "org" },
];

/** Milliseconds per call at the sustained rate a limit allows (window / limit). */
export const msPerCall = (l: RouteLimit): number => l.windowMs / l.limit;

/**
 * Sustained ms per call for one call per customer over many customers: the
 * per-customer limits never bind (each customer is called once), so the
 * slowest org-scoped limit does.
 */
export function msPerCallAcrossCustomers(limits: RouteLimit[]): number {
  return Math.max(...limits.filter((l) => l.scope === "org").map(msPerCall));
}
