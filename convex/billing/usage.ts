// Live usage straight from Autumn (one call), which also refreshes the cache.
// Its own module (not api.ts) so the public queries' module graph never loads
// autumn-js and zod; getFeatureUsage and adminGetFeatureUsage run it.
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, type ActionCtx } from "../_generated/server";
import { featureUsageValidator, type FeatureUsage } from "./api";
import { customerToRow } from "./mapping";
import { readCustomer } from "./customerAccess";

/**
 * The customer is read through customerAccess.readCustomer (get_or_create +
 * the ownership guard): an org with no customer yet gets one (with the
 * default plan) here.
 */
export async function liveFeatureUsage(ctx: ActionCtx, organizationId: string): Promise<FeatureUsage[]> {
  const startedAt = Date.now();
  const customer = await readCustomer(ctx, organizationId, "live usage");
  await ctx.runMutation(internal.billing.sync.applyCustomerSync, { row: customerToRow(organizationId, customer, new Map(), startedAt) });
  const features: Array<{ featureId: string; name: string; display: { singular: string; plural: string } | null }> =
    await ctx.runQuery(internal.billing.catalog.featureNames, {});
  const names = new Map(features.map((f) => [f.featureId, f]));
  return Object.values(customer.balances).map((b) => ({
    featureId: b.featureId,
    name: names.get(b.featureId)?.name ?? b.featureId,
    display: names.get(b.featureId)?.display ?? null,
    granted: b.granted,
    remaining: b.remaining,
    usage: b.usage,
    unlimited: b.unlimited,
    nextResetAt: b.nextResetAt,
  })).sort((a, b) => a.featureId.localeCompare(b.featureId));
}

export const live = internalAction({
  args: { organizationId: v.string() },
  returns: v.array(featureUsageValidator),
  handler: (ctx, { organizationId }): Promise<FeatureUsage[]> => liveFeatureUsage(ctx, organizationId),
});
