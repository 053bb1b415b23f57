// Every failure the billing module reports carries a code, so callers (the
// React UI, other backend modules) branch on `error.data.code`, never on
// message text. Thrown as ConvexError so the data reaches the client.
import { ConvexError } from "convex/values";

// The codes themselves: errorCodes.ts (dependency-free; @billing/react ships a generated copy).
import { BILLING_ERROR_CODES, isBillingErrorCode, type BillingErrorCode } from "./errorCodes";

export { BILLING_ERROR_CODES, isBillingErrorCode, type BillingErrorCode };

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
    return isBillingErrorCode(code) ? code : null;
  }
  return null;
}
