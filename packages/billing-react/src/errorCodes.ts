// GENERATED from convex/billing/errorCodes.ts by `pnpm sync:error-codes`: edit the source, not this copy.
// The one list of billing error codes: the source. No imports, so the module
// stays self-contained (an app adopting it copies convex/billing/ as is) and
// any client can load it. @billing/react ships a generated copy
// (packages/billing-react/src/errorCodes.ts, written by
// `pnpm sync:error-codes`); convex/billing/errors.test.ts fails when they differ.
export const BILLING_ERROR_CODES = [
  "UNAUTHENTICATED",
  "NO_ACTIVE_ORGANIZATION",
  "FORBIDDEN",
  "FEATURE_NOT_FOUND",
  "FEATURE_NOT_AVAILABLE",
  "QUOTA_EXCEEDED",
  "PLAN_NOT_FOUND",
  "CUSTOMER_NOT_FOUND",
  "INVALID_ARGUMENT",
  "INVALID_REDIRECT",
  "CONFLICT",
  /** The org pays in another currency (locked at its first payment), or the plan has no price in it. */
  "CURRENCY_MISMATCH",
  "RATE_LIMITED",
  "AUTUMN_UNAVAILABLE",
  "AUTUMN_ERROR",
  "AUTUMN_NOT_CONFIGURED",
  /** The Autumn customer with this org's id was created by another organization or deployment (its metadata marker); never adopted. */
  "CUSTOMER_OWNERSHIP_MISMATCH",
] as const;

export type BillingErrorCode = (typeof BILLING_ERROR_CODES)[number];

export function isBillingErrorCode(value: unknown): value is BillingErrorCode {
  return typeof value === "string" && (BILLING_ERROR_CODES as readonly string[]).includes(value);
}
