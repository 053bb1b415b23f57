// Moving existing paying organizations onto this module: a global-admin bulk
// import that creates each org's Autumn customer and attaches its current
// plan WITHOUT charging (Autumn's `no_billing_changes`), then caches it.
// Idempotent per entry: an org already on the plan is reported, not charged.
// Never aborts half-way: every entry gets its own result (imported,
// already_on_plan, failed with a typed code), whatever the others did — an
// entry whose id is not an organization id is `failed` INVALID_ARGUMENT
// {reason: "invalid_id"} before any lookup or Autumn call, and an unexpected
// error in one entry is that entry's failure, not the batch's.
import { v } from "convex/values";
import type { ActionCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { billingError, billingErrorCode } from "./errors";
import { adminAction } from "./functions";
import { host } from "./host";
import { readCustomer } from "./customerAccess";
import { runCustomerSync } from "./sync";

/** Bounded so one action run stays well inside Autumn's 30/min per-customer billing limit and Convex's time limit. */
export const MAX_IMPORT_BATCH = 50;

const outcome = v.object({
  organizationId: v.string(),
  planId: v.string(),
  status: v.union(v.literal("imported"), v.literal("already_on_plan"), v.literal("failed")),
  error: v.union(v.object({ code: v.string(), message: v.string() }), v.null()),
  /** Why an entry failed before reaching Autumn: "invalid_id" (not an organization id) or "not_found". */
  reason: v.union(v.literal("invalid_id"), v.literal("not_found"), v.null()),
});

function failed(organizationId: string, planId: string, code: string, message: string, reason: "invalid_id" | "not_found" | null = null) {
  return { organizationId, planId, status: "failed" as const, error: { code, message }, reason };
}

async function importOne(ctx: ActionCtx, organizationId: string, planId: string) {
  try {
    if (!(await host.isOrganizationId(ctx, organizationId))) {
      return failed(organizationId, planId, "INVALID_ARGUMENT", `Not an organization id: ${organizationId.slice(0, 64)}`, "invalid_id");
    }
    if (!(await host.organization(ctx, organizationId))) {
      return failed(organizationId, planId, "INVALID_ARGUMENT", `No organization ${organizationId}`, "not_found");
    }
    const customer = await readCustomer(ctx, organizationId, "migration"); // guarded: never attach a plan to someone else's customer
    const onPlan = customer.subscriptions.some((s) => s.planId === planId && s.status === "active")
      || customer.purchases.some((p) => p.planId === planId);
    if (!onPlan) {
      await callAutumn("billing.attach", (c, o) => c.billing.attach({ customerId: organizationId, planId, noBillingChanges: true }, o), { write: true });
    }
    await runCustomerSync(ctx, organizationId);
    return { organizationId, planId, status: onPlan ? ("already_on_plan" as const) : ("imported" as const), error: null, reason: null };
  } catch (err) {
    const data = (err as { data?: { message?: unknown } }).data;
    return failed(organizationId, planId, billingErrorCode(err) ?? "INTERNAL", typeof data?.message === "string" ? data.message : String(err));
  }
}

export const adminImportCustomers = adminAction({
  args: { entries: v.array(v.object({ organizationId: v.string(), planId: v.string() })) },
  returns: v.array(outcome),
  handler: async (ctx, { entries }) => {
    if (entries.length > MAX_IMPORT_BATCH) {
      throw billingError("INVALID_ARGUMENT", `Import at most ${MAX_IMPORT_BATCH} organizations per call`, { max: MAX_IMPORT_BATCH });
    }
    const results = [];
    // One at a time: each entry is a few Autumn calls; parallel bursts would only meet rate limits.
    for (const { organizationId, planId } of entries) results.push(await importOne(ctx, organizationId, planId));
    return results;
  },
});
