// Internal reads of the cached catalog for actions (which cannot read the
// database directly).
import { v } from "convex/values";
import { internalQuery } from "../_generated/server";
import { loadCustomer, loadFeatures, loadPlans } from "./cache";
import { catalogCurrencies } from "./currency";
import { omitSystemFields } from "./docs";
import { display, planFields, subscription } from "./schema";

export const featureNames = internalQuery({
  args: {},
  returns: v.array(v.object({ featureId: v.string(), name: v.string(), display })),
  handler: async (ctx) => [...(await loadFeatures(ctx)).values()].map((f) => ({ featureId: f.featureId, name: f.name, display: f.display })),
});

/** One cached plan (archived included), for actions that must validate a plan id before calling Autumn. */
export const planById = internalQuery({
  args: { planId: v.string() },
  returns: v.union(v.object(planFields), v.null()),
  handler: async (ctx, { planId }) => {
    const doc = await ctx.db.query("billingPlans").withIndex("by_planId", (q) => q.eq("planId", planId)).unique();
    return doc ? omitSystemFields(doc) : null;
  },
});

/** The org's cached subscriptions, for actions that just wrote and re-synced. */
export const customerSubscriptions = internalQuery({
  args: { organizationId: v.string() },
  returns: v.array(subscription),
  handler: async (ctx, { organizationId }) => (await loadCustomer(ctx, organizationId))?.subscriptions ?? [],
});

/** Everything a preview or checkout decides from the cache, in one read. */
export const checkoutContext = internalQuery({
  args: { organizationId: v.string(), planId: v.string() },
  returns: v.object({
    plan: v.union(v.object(planFields), v.null()),
    subscriptions: v.array(subscription),
    /** The org's locked currency (null: not charged yet). */
    lockedCurrency: v.union(v.string(), v.null()),
    /** Does the catalog price plans in more than one currency (Autumn's multi-currency is on)? */
    multiCurrency: v.boolean(),
    /** The payment page of a checkout of this plan still being watched. */
    pendingPaymentUrl: v.union(v.string(), v.null()),
  }),
  handler: async (ctx, { organizationId, planId }) => {
    const [doc, customer, plans, watcher] = await Promise.all([
      ctx.db.query("billingPlans").withIndex("by_planId", (q) => q.eq("planId", planId)).unique(),
      loadCustomer(ctx, organizationId),
      loadPlans(ctx),
      ctx.db.query("billingWatchers").withIndex("by_organizationId_planId", (q) => q.eq("organizationId", organizationId).eq("planId", planId)).unique(),
    ]);
    return {
      plan: doc ? omitSystemFields(doc) : null,
      subscriptions: customer?.subscriptions ?? [],
      lockedCurrency: customer?.currency ?? null,
      multiCurrency: catalogCurrencies(plans).length > 1,
      pendingPaymentUrl: watcher?.state === "watching" ? (watcher.paymentUrl ?? null) : null,
    };
  },
});
