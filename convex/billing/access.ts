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
import { evaluateFeature, isFeatureAvailable, type CheckProperties, type FeatureCheck } from "./entitlements";
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

/**
 * The cached verdict for `required` units of `featureId`, with Autumn's rules
 * and billing controls (usage limits, overage switch, spend limits).
 * `properties` are those the usage would be tracked with: a filtered usage
 * limit gates only a check whose properties match it, as at Autumn.
 */
export async function checkOrgFeature(ctx: QueryCtx, organizationId: string, featureId: string, required = 1, properties?: CheckProperties): Promise<FeatureCheck> {
  const [customer, features] = await Promise.all([loadCustomer(ctx, organizationId), loadFeatures(ctx)]);
  return evaluateFeature({ customer, features, featureId, required, now: Date.now(), properties: properties ?? null });
}

/**
 * Throw unless the org may use `featureId` (for `required` units). Typed:
 * FEATURE_NOT_FOUND for an unknown id, QUOTA_EXCEEDED when the feature is
 * included but used up or a billing control refuses (data.limitType says
 * which: included, usage_limit, spend_limit, max_purchase),
 * FEATURE_NOT_AVAILABLE otherwise.
 */
export async function requireFeature(ctx: QueryCtx, organizationId: string, featureId: string, required = 1, properties?: CheckProperties): Promise<FeatureCheck> {
  const check = await checkOrgFeature(ctx, organizationId, featureId, required, properties);
  if (check.allowed) return check;
  if (check.reason === "unknown_feature") throw billingError("FEATURE_NOT_FOUND", `Unknown feature ${featureId}`, { featureId });
  if (check.reason === "quota_exceeded") {
    throw billingError("QUOTA_EXCEEDED", `Not enough ${featureId} left`, {
      featureId, remaining: check.balance ?? 0, required, limitType: check.limitType ?? "included",
    });
  }
  throw billingError("FEATURE_NOT_AVAILABLE", `Your plan does not include ${featureId}`, { featureId, reason: check.reason });
}
