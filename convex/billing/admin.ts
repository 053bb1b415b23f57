// Global-admin functions: sync the catalog from Autumn, inspect and re-sync
// any organization, list organizations. Every one is built with adminQuery /
// adminAction, so non-admins get FORBIDDEN before any work happens.
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { loadCustomer, loadFeatures, loadPlans } from "./cache";
import { adminAction, adminQuery } from "./functions";
import { featureUsageValidator, type FeatureUsage } from "./api";
import { liveFeatureUsage } from "./usage";
import { planSyncResult, customerSyncResult, runPlanSync } from "./sync";
import { provision } from "./provisioning";
import { omitSystemFields } from "./docs";
import { host, requireOrganizationId } from "./host";
import { historyEntry, planFields, syncRunFields } from "./schema";
import { orgBillingView, orgBillingViewOf } from "./views";
import { ownershipConflictError } from "./ownership";

/** "Sync from Autumn": re-pull features and plans; prunes only after a complete fetch. */
export const adminSyncPlans = adminAction({ args: {}, returns: planSyncResult, handler: (ctx) => runPlanSync(ctx) });

export const adminSyncCustomer = adminAction({
  args: { organizationId: v.string() },
  returns: customerSyncResult,
  handler: async (ctx, { organizationId }) => provision(ctx, await requireOrganizationId(ctx, organizationId)),
});

export const adminGetFeatureUsage = adminAction({
  args: { organizationId: v.string() },
  returns: v.array(featureUsageValidator),
  handler: async (ctx, { organizationId }): Promise<FeatureUsage[]> => liveFeatureUsage(ctx, await requireOrganizationId(ctx, organizationId)),
});

/** Every cached plan, archived included, with the last catalog sync result. */
export const adminListAllPlans = adminQuery({
  args: {},
  returns: v.object({
    plans: v.array(v.object(planFields)),
    lastSync: v.union(v.object(syncRunFields), v.null()),
  }),
  handler: async (ctx) => {
    const last = await ctx.db.query("billingSyncRuns").withIndex("by_kind_startedAt", (q) => q.eq("kind", "plans")).order("desc").first();
    const lastSync = last ? omitSystemFields(last) : null;
    return { plans: await loadPlans(ctx, true), lastSync };
  },
});

export const HISTORY_PAGE = 50;

export const adminGetOrgBilling = adminQuery({
  args: { organizationId: v.string() },
  returns: v.object({ billing: orgBillingView, history: v.array(v.object(historyEntry)), organizationName: v.optional(v.union(v.string(), v.null())) }),
  handler: async (ctx, { organizationId }) => {
    await requireOrganizationId(ctx, organizationId);
    // The org's name, so a detail page opened by URL says whose billing it is (issue 14).
    const organizationName = (await host.organization(ctx, organizationId))?.name ?? null;
    const [row, features, plans] = await Promise.all([loadCustomer(ctx, organizationId), loadFeatures(ctx), loadPlans(ctx, true)]);
    const history = await ctx.db.query("billingSubscriptionHistory")
      .withIndex("by_organizationId_at", (q) => q.eq("organizationId", organizationId)).order("desc").take(HISTORY_PAGE);
    const view = orgBillingViewOf(organizationId, row, features, new Map(plans.map((p) => [p.planId, p])), Date.now());
    const conflict = await ownershipConflictError(ctx, organizationId); // ownership.ts: shown, never adopted
    return {
      billing: conflict ? { ...view, lastSyncError: conflict } : view,
      history: history.map(omitSystemFields),
      organizationName,
    };
  },
});

/** Organizations, newest first, paged; `search` matches the name prefix (case-sensitive, as stored). */
export const adminListOrgs = adminQuery({
  args: { paginationOpts: paginationOptsValidator, search: v.optional(v.string()) },
  returns: v.object({
    page: v.array(v.object({
      organizationId: v.string(), name: v.string(), slug: v.union(v.string(), v.null()), createdAt: v.number(),
      planName: v.union(v.string(), v.null()), status: v.union(v.string(), v.null()), provisioned: v.boolean(),
    })),
    isDone: v.boolean(),
    continueCursor: v.string(),
  }),
  handler: async (ctx, { paginationOpts, search }) => {
    const result = await host.listOrganizations(ctx, {
      numItems: Math.min(paginationOpts.numItems, 100), cursor: paginationOpts.cursor, ...(search ? { namePrefix: search } : {}),
    });
    const features = await loadFeatures(ctx);
    const page = await Promise.all(result.page.map(async (org) => {
      const view = orgBillingViewOf(org.id, await loadCustomer(ctx, org.id), features, new Map(), Date.now());
      return {
        organizationId: org.id, name: org.name, slug: org.slug, createdAt: org.createdAt,
        planName: view.plan?.name ?? null, status: view.plan?.status ?? null, provisioned: view.provisioned,
      };
    }));
    return { page, isDone: result.isDone, continueCursor: result.continueCursor };
  },
});
