// Keeping the plan/feature cache filled on a real deployment, where nobody
// may ever click the admin's "Sync from Autumn":
//   - `crons.ts` runs billing/sync:syncPlans every hour (catalog edits made
//     in Autumn arrive within the hour; the admin button is immediate);
//   - lazily when the cache is empty: the org-created trigger (auth.ts)
//     schedules a sync when billingPlans has no row, and `ensureBilling`
//     (the UI's lazy provisioning call) runs `ensure` below, which syncs only
//     when the cache is empty (queries cannot schedule, so the reactive
//     reads themselves never fill it);
//   - after deploying, once by hand: npx convex run billing/sync:syncPlans.
// Autumn sends no catalog webhooks (its event types are customer/billing/
// balance events only: shared/reference/autumn-controls.md §1.10), so there
// is no webhook-triggered catalog re-sync.
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { internalAction, internalQuery } from "../_generated/server";
import { runPlanSync } from "./sync";

const isEmptyRef = makeFunctionReference<"query", Record<string, never>, boolean>("billing/catalogFill:isEmpty");

export const isEmpty = internalQuery({
  args: {},
  returns: v.boolean(),
  handler: async (ctx) => (await ctx.db.query("billingPlans").first()) === null,
});

/** Sync the catalog from Autumn if (and only if) the cache holds no plan. */
export const ensure = internalAction({
  args: {},
  returns: v.object({ synced: v.boolean(), ok: v.boolean() }),
  handler: async (ctx): Promise<{ synced: boolean; ok: boolean }> => {
    if (!(await ctx.runQuery(isEmptyRef, {}))) return { synced: false, ok: true };
    const result = await runPlanSync(ctx);
    return { synced: true, ok: result.ok };
  },
});
