// Typed billing errors on the client: the backend throws ConvexError with
// `data.code` (never a string to grep). `billingErrorOf` reads one out of
// anything thrown; `describeBillingError` turns it into what the user sees:
// a message and, where it helps, one action (Upgrade, Try again, …).
import { ConvexError } from "convex/values";

import { BILLING_ERROR_CODES, isBillingErrorCode, type BillingErrorCode } from "./errorCodes";

export { BILLING_ERROR_CODES, type BillingErrorCode };

export interface BillingErrorData {
  code: BillingErrorCode | "UNKNOWN";
  /** The server's own message (developer-facing; the UI shows `describeBillingError`'s). */
  message: string;
  /** Code-specific facts, e.g. featureId / remaining / required for QUOTA_EXCEEDED. */
  details: Readonly<Record<string, unknown>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

const isCode = isBillingErrorCode;

/** The typed billing error inside `err`, or an UNKNOWN one for anything else (network, bugs). */
export function billingErrorOf(err: unknown): BillingErrorData {
  // A ConvexError from another copy of the convex package fails instanceof; its name still says so.
  const convexData: unknown = err instanceof ConvexError || (isRecord(err) && err.name === "ConvexError") ? (err as { data: unknown }).data : undefined;
  if (isRecord(convexData) && isCode(convexData.code)) {
    const { code, message, ...details } = convexData;
    return { code, message: typeof message === "string" ? message : "", details };
  }
  const message = err instanceof Error ? err.message : typeof err === "string" ? err : "";
  return { code: "UNKNOWN", message, details: {} };
}

/**
 * QUOTA_EXCEEDED's `limitType` names a limit the organization set itself (a
 * usage or monthly spend limit): it is raised in billing, not upgraded away.
 */
export function isOrgSetLimit(limitType: unknown): limitType is "usage_limit" | "spend_limit" {
  return limitType === "usage_limit" || limitType === "spend_limit";
}

export type BillingErrorActionKind = "upgrade" | "retry" | "manage_billing" | "sign_in";

export interface BillingErrorInfo {
  code: BillingErrorData["code"];
  /** What to show the user. */
  message: string;
  /** The one action that helps, if any (its label is the button text). */
  action: { kind: BillingErrorActionKind; label: string } | null;
  details: Readonly<Record<string, unknown>>;
}

export interface DescribeOptions {
  /** Name features in messages (e.g. "Premium messages" for premium_messages). */
  featureName?: (featureId: string) => string | undefined;
  /** The viewer may change billing (owners): a limit they set offers "Raise the limit", others are told to ask an owner. */
  canManage?: boolean;
}

const RETRY = { kind: "retry", label: "Try again" } as const;
const UPGRADE = { kind: "upgrade", label: "Upgrade" } as const;

/** Message and action for a thrown billing error. */
export function describeBillingError(err: unknown, options: DescribeOptions = {}): BillingErrorInfo {
  const data = billingErrorOf(err);
  const featureId = typeof data.details.featureId === "string" ? data.details.featureId : null;
  const feature = featureId ? (options.featureName?.(featureId) ?? featureId) : null;
  const info = (message: string, action: BillingErrorInfo["action"] = null): BillingErrorInfo => ({
    code: data.code, message, action, details: data.details,
  });
  switch (data.code) {
    case "UNAUTHENTICATED":
      return info("Sign in to see billing", { kind: "sign_in", label: "Sign in" });
    case "NO_ACTIVE_ORGANIZATION":
      return info("Choose an organization first");
    case "FORBIDDEN":
      return info("Only the owner can change the plan");
    case "QUOTA_EXCEEDED":
      if (isOrgSetLimit(data.details.limitType)) {
        const what = data.details.limitType === "usage_limit" ? "usage limit" : "monthly spend limit";
        const subject = feature ?? "This feature";
        return options.canManage
          ? info(`${subject} reached the ${what} your organization set. Raise it in billing to continue.`, { kind: "manage_billing", label: "Raise the limit" })
          : info(`${subject} reached the ${what} your organization set. Ask an owner to raise it.`);
      }
      return info(feature ? `You've used all your ${feature} for now. Upgrade to get more.` : "You've reached your plan's limit. Upgrade to get more.", UPGRADE);
    case "FEATURE_NOT_AVAILABLE":
      return info(feature ? `Your plan doesn't include ${feature}` : "Your plan doesn't include this feature", UPGRADE);
    case "FEATURE_NOT_FOUND":
      return info("This feature isn't available");
    case "PLAN_NOT_FOUND":
      return info("That plan is no longer available");
    case "CUSTOMER_NOT_FOUND":
      return info("Billing is still being set up for this organization, try again in a moment", RETRY);
    case "INVALID_ARGUMENT":
      return info("That request isn't valid for this plan");
    case "INVALID_REDIRECT":
      return info("The payment page can't return to this address. Open billing from this app and try again");
    case "CURRENCY_MISMATCH": {
      const locked = typeof data.details.lockedCurrency === "string" ? data.details.lockedCurrency.toUpperCase() : null;
      return info(locked
        ? `This organization is billed in ${locked}. Prices are shown in ${locked}; try again.`
        : "That plan isn't available in this currency");
    }
    case "CONFLICT":
      return info("Another billing change is in progress, try again in a moment", RETRY);
    case "RATE_LIMITED":
      return info("Too many billing requests, wait a moment and try again", RETRY);
    case "AUTUMN_UNAVAILABLE":
      return info("Billing is temporarily unavailable, try again", RETRY);
    case "AUTUMN_ERROR":
      return info("The billing provider couldn't complete that request", RETRY);
    case "AUTUMN_NOT_CONFIGURED":
      return info("Billing is not set up on this server yet; contact the site's operator");
    case "CUSTOMER_OWNERSHIP_MISMATCH":
      return info("This organization's billing account belongs to someone else and was not used; contact support");
    case "UNKNOWN":
      return info("Something went wrong, try again", RETRY);
  }
}
