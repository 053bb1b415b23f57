// The host's org-created hook (provisioning.ts does the work). Its own module
// because the host calls it from the mutation that creates an organization —
// in this app the better-auth trigger in auth.ts, loaded with every auth
// mutation — and provisioning.ts, an action module, loads autumn-js.
import { internal } from "../_generated/api";
import type { MutationCtx } from "../_generated/server";

/**
 * The host's org-created hook: call it in the mutation that creates an
 * organization. Schedules provisioning (same transaction as the insert; the
 * Autumn calls run later, in an action) and, on a deployment whose plan
 * cache is still empty, a catalog sync (catalogFill.ts).
 */
export async function onOrganizationCreated(ctx: MutationCtx, organizationId: string): Promise<void> {
  await ctx.scheduler.runAfter(0, internal.billing.provisioning.provisionOrganization, { organizationId });
  if ((await ctx.db.query("billingPlans").first()) === null) {
    await ctx.scheduler.runAfter(0, internal.billing.sync.syncPlans, {});
  }
}
