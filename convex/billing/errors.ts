// Every failure the billing module reports carries a code, so callers (the
// React UI, other backend modules) branch on `error.data.code`, never on
// message text. Thrown as ConvexError so the data reaches the client.
import { ConvexError } from "convex/values";

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

export interface BillingErrorData {
  code: BillingErrorCode;
  message: string;
  /** Extra, code-specific facts (e.g. featureId, remaining, required for QUOTA_EXCEEDED). */
  [key: string]: string | number | boolean | null;
}

export function billingError(
  code: BillingErrorCode,
  message: string,
  extra: Record<string, string | number | boolean | null> = {},
): ConvexError<BillingErrorData> {
  return new ConvexError<BillingErrorData>({ ...extra, code, message });
}

/** The code of a thrown billing error, or null for anything else. */
export function billingErrorCode(err: unknown): BillingErrorCode | null {
  if (err instanceof ConvexError && typeof err.data === "object" && err.data !== null && "code" in err.data) {
    const code = (err.data as { code: unknown }).code;
    return (BILLING_ERROR_CODES as readonly string[]).includes(code as string) ? (code as BillingErrorCode) : null;
  }
  return null;
}
