// Entitlement checks for OTHER backend modules, from the cache only (no
// Autumn call), usable inside queries and mutations:
//
//   const items = await getOrgPlanItems(ctx, orgId);     // what the org has
//   if (!isFeatureAvailable(item)) …                      // one feature
//   await requireFeature(ctx, orgId, "custom_branding");  // or throw typed
//
// Metered work in actions goes through the reserve → confirm/release helper
// (metering.ts: withMeteredUsage, adjustSeats), which asks Autumn atomically.
import type { QueryCtx } from "../_generated/server";
import { loadCustomer, loadFeatures } from "./cache";
import { evaluateFeature, isFeatureAvailable, type FeatureCheck } from "./entitlements";
import { billingError } from "./errors";

export { isFeatureAvailable };
export type { FeatureCheck };

/** One check per feature the org's plans include (flags, balances, credit-system-paid features). */
export async function getOrgPlanItems(ctx: QueryCtx, organizationId: string): Promise<FeatureCheck[]> {
  const [customer, features] = await Promise.all([loadCustomer(ctx, organizationId), loadFeatures(ctx)]);
  const now = Date.now();
  return [...features.values()]
    .filter((f) => !f.archived)
    .map((f) => evaluateFeature({ customer, features, featureId: f.featureId, now }))
    .filter((c) => c.included);
}

export async function checkOrgFeature(ctx: QueryCtx, organizationId: string, featureId: string, required = 1): Promise<FeatureCheck> {
  const [customer, features] = await Promise.all([loadCustomer(ctx, organizationId), loadFeatures(ctx)]);
  return evaluateFeature({ customer, features, featureId, required, now: Date.now() });
}

/**
 * Throw unless the org may use `featureId` (for `required` units). Typed:
 * FEATURE_NOT_FOUND for an unknown id, QUOTA_EXCEEDED when the feature is
 * included but used up, FEATURE_NOT_AVAILABLE otherwise.
 */
export async function requireFeature(ctx: QueryCtx, organizationId: string, featureId: string, required = 1): Promise<FeatureCheck> {
  const check = await checkOrgFeature(ctx, organizationId, featureId, required);
  if (check.allowed) return check;
  if (check.reason === "unknown_feature") throw billingError("FEATURE_NOT_FOUND", `Unknown feature ${featureId}`, { featureId });
  if (check.reason === "quota_exceeded") {
    throw billingError("QUOTA_EXCEEDED", `Not enough ${featureId} left`, {
      featureId, remaining: check.balance ?? 0, required,
    });
  }
  throw billingError("FEATURE_NOT_AVAILABLE", `Your plan does not include ${featureId}`, { featureId, reason: check.reason });
}
