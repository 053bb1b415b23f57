// The public, org-scoped billing API. The org is always the caller's active
// organization (from the token); no function takes an org id. Queries read
// the cache only (reactive, no Autumn call); actions talk to Autumn and
// write what they learn back into the cache.
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import { makeFunctionReference } from "convex/server";
import { loadCustomer, loadFeatures, loadPlans } from "./cache";
import { evaluateFeature } from "./entitlements";
import { omitSystemFields } from "./docs";
import { canManage, memberAction, memberQuery } from "./functions";
import { display, historyEntry, planFields } from "./schema";
import { orgBillingView, orgBillingViewOf } from "./views";

export const featureCheckValidator = v.object({
  featureId: v.string(),
  allowed: v.boolean(),
  included: v.boolean(),
  unlimited: v.boolean(),
  balance: v.union(v.number(), v.null()),
  usage: v.union(v.number(), v.null()),
  granted: v.union(v.number(), v.null()),
  nextResetAt: v.union(v.number(), v.null()),
  reason: v.union(v.literal("ok"), v.literal("unknown_feature"), v.literal("not_included"), v.literal("quota_exceeded"), v.literal("not_provisioned")),
  requiredBalance: v.number(),
  creditCost: v.optional(v.number()),
  limitType: v.optional(v.union(v.literal("usage_limit"), v.literal("included"), v.literal("spend_limit"), v.literal("max_purchase"))),
});

/** A check's event properties (what a filtered usage limit matches on): scalar values, compared as strings. */
export const checkPropertiesValidator = v.record(v.string(), v.union(v.string(), v.number(), v.boolean()));

export const featureUsageValidator = v.object({
  featureId: v.string(),
  name: v.string(),
  display,
  granted: v.number(),
  remaining: v.number(),
  usage: v.number(),
  unlimited: v.boolean(),
  nextResetAt: v.union(v.number(), v.null()),
});

export type FeatureUsage = Infer<typeof featureUsageValidator>;

const ensureCatalogRef = makeFunctionReference<"action", Record<string, never>, { synced: boolean; ok: boolean }>("billing/catalogFill:ensure");
const liveUsageRef = makeFunctionReference<"action", { organizationId: string }, FeatureUsage[]>("billing/usage:live");

const planValidator = v.object(planFields);

/** Active plans in pricing-table order (free first, add-ons last). */
export const listPlans = memberQuery({
  args: {},
  returns: v.array(planValidator),
  handler: async (ctx) => loadPlans(ctx),
});

/** The org's plan, status, scheduled change, balances, flags and invoices, plus what the caller may do. */
export const getOrgBilling = memberQuery({
  args: {},
  returns: v.object({ billing: orgBillingView, role: v.string(), canManage: v.boolean() }),
  handler: async (ctx) => {
    const orgId = ctx.viewer.organizationId;
    const [row, features, plans] = await Promise.all([loadCustomer(ctx, orgId), loadFeatures(ctx), loadPlans(ctx, true)]);
    return {
      billing: orgBillingViewOf(orgId, row, features, new Map(plans.map((p) => [p.planId, p])), Date.now()),
      role: ctx.viewer.role,
      canManage: canManage(ctx.viewer),
    };
  },
});

/**
 * May the org use `featureId` (for `required` units)? Computed from the cache
 * with Autumn's rules, billing controls included; `properties` are the ones
 * the usage would be tracked with (filtered usage limits gate only then).
 */
export const checkFeature = memberQuery({
  args: { featureId: v.string(), required: v.optional(v.number()), properties: v.optional(checkPropertiesValidator) },
  returns: featureCheckValidator,
  handler: async (ctx, { featureId, required, properties }) => {
    const [customer, features] = await Promise.all([loadCustomer(ctx, ctx.viewer.organizationId), loadFeatures(ctx)]);
    return evaluateFeature({ customer, features, featureId, required: required ?? 1, now: Date.now(), properties: properties ?? null });
  },
});

export const getFeatureUsage = memberAction({
  args: {},
  returns: v.array(featureUsageValidator),
  // In billing/usage.ts, so this module (the hot queries) never loads autumn-js.
  handler: (ctx): Promise<FeatureUsage[]> => ctx.runAction(liveUsageRef, { organizationId: ctx.viewer.organizationId }),
});

/** Lazy provisioning for the UI: called when getOrgBilling says the org is not provisioned yet. */
export const ensureBilling = memberAction({
  args: {},
  returns: v.object({ ok: v.boolean(), error: v.union(v.object({ code: v.string(), message: v.string() }), v.null()) }),
  handler: async (ctx): Promise<{ ok: boolean; error: { code: string; message: string } | null }> => {
    // A deployment nobody has synced yet: fill the plan cache too (a no-op query when it is filled).
    await ctx.runAction(ensureCatalogRef, {});
    return ctx.runAction(internal.billing.provisioning.provisionOrganization, { organizationId: ctx.viewer.organizationId });
  },
});

export const HISTORY_LIMIT = 50;

/** The org's plan changes, newest first (the billing tab's history list). */
export const getSubscriptionHistory = memberQuery({
  args: { limit: v.optional(v.number()) },
  returns: v.array(v.object(historyEntry)),
  handler: async (ctx, { limit }) => {
    const n = Math.min(Math.max(1, Math.floor(limit ?? HISTORY_LIMIT)), 200);
    const rows = await ctx.db.query("billingSubscriptionHistory")
      .withIndex("by_organizationId_at", (q) => q.eq("organizationId", ctx.viewer.organizationId))
      .order("desc")
      .take(n);
    return rows.map(omitSystemFields);
  },
});
