// Reads of the billing cache shared by queries, mutations and the access
// helpers: everything by index, everything bounded.
import type { QueryCtx } from "../_generated/server";
import type { Doc } from "../_generated/dataModel";
import type { CustomerRow, FeatureRow, PlanRow } from "./schema";
import { omitSystemFields } from "./docs";
import { MAX_CATALOG_ROWS } from "./limits";

export async function loadFeatures(ctx: QueryCtx): Promise<Map<string, FeatureRow>> {
  const rows = await ctx.db.query("billingFeatures").take(MAX_CATALOG_ROWS);
  return new Map(rows.map((r) => [r.featureId, omitSystemFields(r)]));
}

/** Plans in pricing-table order; archived ones only when asked. */
export async function loadPlans(ctx: QueryCtx, includeArchived = false): Promise<PlanRow[]> {
  const active = await ctx.db.query("billingPlans").withIndex("by_archived_sortKey", (q) => q.eq("archived", false)).take(MAX_CATALOG_ROWS);
  const archived = includeArchived
    ? await ctx.db.query("billingPlans").withIndex("by_archived_sortKey", (q) => q.eq("archived", true)).take(MAX_CATALOG_ROWS)
    : [];
  return [...active, ...archived].map(omitSystemFields);
}

export async function loadCustomerDoc(ctx: QueryCtx, organizationId: string): Promise<Doc<"billingCustomers"> | null> {
  return ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique();
}

export async function loadCustomer(ctx: QueryCtx, organizationId: string): Promise<CustomerRow | null> {
  const doc = await loadCustomerDoc(ctx, organizationId);
  return doc ? omitSystemFields(doc) : null;
}
