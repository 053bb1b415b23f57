// Internal reads of the cached catalog for actions (which cannot read the
// database directly).
import { v } from "convex/values";
import { internalQuery } from "../_generated/server";
import { loadCustomer, loadFeatures } from "./cache";
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
    return doc ? (({ _id, _creationTime, ...p }) => p)(doc) : null;
  },
});

/** The org's cached subscriptions, for actions that just wrote and re-synced. */
export const customerSubscriptions = internalQuery({
  args: { organizationId: v.string() },
  returns: v.array(subscription),
  handler: async (ctx, { organizationId }) => (await loadCustomer(ctx, organizationId))?.subscriptions ?? [],
});
