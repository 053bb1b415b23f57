// Keeping the cache true: fetch from Autumn (actions), then write (internal
// mutations). Plans/features are pruned only after BOTH lists were fetched
// completely, so a failed or partial sync never deletes anything; failures
// are recorded instead. Customer writes carry the time their fetch started,
// so a slow, older fetch can never overwrite a newer snapshot.
import type { Customer } from "autumn-js";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalAction, internalMutation, type ActionCtx, type MutationCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { scheduleResetRefresh } from "./resetRefresh";
import { withCachedFields } from "./currency";
import { fetchEligibility } from "./eligibility";
import { billingErrorCode, type BillingErrorCode } from "./errors";
import { customerToRow, featureToRow, historyBetween, planToRow } from "./mapping";
import { markerMetadata } from "./ownership";
import { guardCustomer, ownerContext } from "./ownershipGuard";
import { detectCrossings } from "./notifications";
import { customerFields, featureFields, planEligibility, planFields, syncRunFields, type CustomerRow, type FeatureRow } from "./schema";

import { MAX_CATALOG_ROWS } from "./limits";
export { MAX_CATALOG_ROWS };

export const planSyncResult = v.object({
  ok: v.boolean(),
  features: v.number(),
  plans: v.number(),
  pruned: v.number(),
  error: v.union(v.object({ code: v.string(), message: v.string() }), v.null()),
});
export type PlanSyncResult = Infer<typeof planSyncResult>;

export const customerSyncResult = v.object({
  ok: v.boolean(),
  error: v.union(v.object({ code: v.string(), message: v.string() }), v.null()),
});
export type CustomerSyncResult = Infer<typeof customerSyncResult>;

function describe(err: unknown): { code: BillingErrorCode | "INTERNAL"; message: string } {
  const code = billingErrorCode(err);
  const data = (err as { data?: { message?: unknown } }).data;
  const message = typeof data?.message === "string" ? data.message : err instanceof Error ? err.message : String(err);
  return { code: code ?? "INTERNAL", message };
}

// ── plans and features ─────────────────────────────────────────────────────

export async function runPlanSync(ctx: ActionCtx): Promise<PlanSyncResult> {
  const startedAt = Date.now();
  let featureList, planList;
  try {
    [featureList, planList] = await Promise.all([
      callAutumn("features.list", (c, o) => c.features.list(undefined, o)),
      callAutumn("plans.list", (c, o) => c.plans.list({ includeArchived: true }, o)),
    ]);
  } catch (err) {
    return planSyncFailed(ctx, startedAt, err, { features: 0, plans: 0 });
  }
  const features = featureList.list.map((f) => featureToRow(f, startedAt));
  const byId = new Map<string, FeatureRow>(features.map((f) => [f.featureId, f]));
  const plans = planList.list.map((p) => planToRow(p, byId, startedAt));
  try {
    const pruned: number = await ctx.runMutation(internal.billing.sync.applyPlanSync, { features, plans, startedAt });
    return { ok: true, features: features.length, plans: plans.length, pruned, error: null };
  } catch (err) {
    // The write was rejected (e.g. a limit): nothing changed; say so in the run log.
    return planSyncFailed(ctx, startedAt, err, { features: features.length, plans: plans.length });
  }
}

/** Record a failed catalog sync in the run log (what was fetched, nothing pruned) and report it. */
async function planSyncFailed(ctx: ActionCtx, startedAt: number, err: unknown, fetched: { features: number; plans: number }): Promise<PlanSyncResult> {
  const error = describe(err);
  await ctx.runMutation(internal.billing.sync.recordPlanSync, {
    kind: "plans", startedAt, finishedAt: Date.now(), ok: false, error: { ...error, at: Date.now() }, ...fetched, pruned: 0,
  });
  return { ok: false, features: 0, plans: 0, pruned: 0, error };
}

export const syncPlans = internalAction({ args: {}, returns: planSyncResult, handler: (ctx) => runPlanSync(ctx) });

export const applyPlanSync = internalMutation({
  args: { features: v.array(v.object(featureFields)), plans: v.array(v.object(planFields)), startedAt: v.number() },
  returns: v.number(),
  handler: async (ctx, { features, plans, startedAt }) => {
    let pruned = 0;
    const keepFeatures = new Set(features.map((f) => f.featureId));
    for (const f of features) {
      const existing = await ctx.db.query("billingFeatures").withIndex("by_featureId", (q) => q.eq("featureId", f.featureId)).unique();
      if (existing) await ctx.db.replace(existing._id, f);
      else await ctx.db.insert("billingFeatures", f);
    }
    for (const row of await ctx.db.query("billingFeatures").take(MAX_CATALOG_ROWS)) {
      if (!keepFeatures.has(row.featureId)) { await ctx.db.delete(row._id); pruned += 1; }
    }
    const keepPlans = new Set(plans.map((p) => p.planId));
    for (const p of plans) {
      const existing = await ctx.db.query("billingPlans").withIndex("by_planId", (q) => q.eq("planId", p.planId)).unique();
      if (existing) await ctx.db.replace(existing._id, p);
      else await ctx.db.insert("billingPlans", p);
    }
    for (const row of await ctx.db.query("billingPlans").take(MAX_CATALOG_ROWS)) {
      if (!keepPlans.has(row.planId)) { await ctx.db.delete(row._id); pruned += 1; }
    }
    await ctx.db.insert("billingSyncRuns", {
      kind: "plans", startedAt, finishedAt: Date.now(), ok: true, error: null, features: features.length, plans: plans.length, pruned,
    });
    return pruned;
  },
});

export const recordPlanSync = internalMutation({
  args: syncRunFields,
  returns: v.null(),
  handler: async (ctx, run) => {
    await ctx.db.insert("billingSyncRuns", run);
    return null;
  },
});

// ── one customer (= one organization) ──────────────────────────────────────

export interface CustomerData {
  name?: string;
  email?: string;
  /** Hash of the owner's identity: Autumn uses it so one person cannot farm trials across orgs. */
  fingerprint?: string;
  /** The ownership marker (ownership.ts markerMetadata): written on the customer Autumn creates. */
  metadata?: Record<string, string>;
}

export const CUSTOMER_EXPAND = ["subscriptions.plan", "purchases.plan", "invoices"] as const;

/**
 * customers.get_or_create with the expansions the cache needs. It can create
 * (attaching the default plan), so it is sent as a write with an idempotency
 * key; if its answer is lost and the retry is refused as a duplicate, the
 * customer exists and a plain get returns it.
 */
export function getOrCreateCustomer(organizationId: string, data: CustomerData = {}): Promise<Customer> {
  return callAutumn("customers.get_or_create", (c, o) => c.customers.getOrCreate({
    customerId: organizationId,
    ...(data.name ? { name: data.name } : {}),
    ...(data.email ? { email: data.email } : {}),
    ...(data.fingerprint ? { fingerprint: data.fingerprint } : {}),
    ...(data.metadata ? { metadata: data.metadata } : {}),
    expand: [...CUSTOMER_EXPAND],
  }, o), {
    write: true,
    onDuplicate: () => callAutumn("customers.get", (c, o) => c.customers.get({ customerId: organizationId, expand: [...CUSTOMER_EXPAND] }, o)),
  });
}

/**
 * get_or_create the org's Autumn customer (creating it attaches the default
 * plan) and write the snapshot. Records the error on the row and returns it
 * instead of throwing, so callers decide whether a failure matters.
 */
export async function runCustomerSync(
  ctx: ActionCtx, organizationId: string, data: CustomerData = {}, opts: { eligibility?: boolean } = {},
): Promise<CustomerSyncResult> {
  const startedAt = Date.now();
  try {
    // Eligibility (plans.list with customer_id) comes alongside; it is never worth failing the sync for.
    const wantEligibility = opts.eligibility ?? true;
    const owner = await ownerContext(ctx, organizationId); // ownership.ts: a customer this call creates carries our marker
    const [customer, early] = await Promise.all([
      getOrCreateCustomer(organizationId, { metadata: markerMetadata(owner.marker), ...data }),
      wantEligibility ? fetchEligibility(organizationId).catch(() => null) : Promise.resolve(null),
    ]);
    await guardCustomer(ctx, organizationId, customer, "sync", owner); // never adopt another org's or deployment's customer
    // A customer created by this very call did not exist for the parallel plans.list: ask again.
    const eligibility = wantEligibility && early === null ? await fetchEligibility(organizationId).catch(() => null) : early;
    const named = await keepCustomerIdentity(organizationId, customer, data);
    const row: CustomerRow = {
      ...customerToRow(organizationId, named, new Map(), startedAt),
      ...(eligibility ? { eligibility, eligibilitySyncedAt: startedAt } : {}),
    };
    await ctx.runMutation(internal.billing.sync.applyCustomerSync, { row });
    return { ok: true, error: null };
  } catch (err) {
    const error = describe(err);
    await ctx.runMutation(internal.billing.sync.recordCustomerSyncError, { organizationId, ...error, at: Date.now() });
    return { ok: false, error };
  }
}

/**
 * get_or_create only fills an EMPTY name or email, so a customer created
 * before (e.g. named after its owner) keeps a stale one: the Autumn customer
 * carries the organization's name and the owner's email (receipts), so
 * update them when they differ. No call when they already match.
 */
async function keepCustomerIdentity(organizationId: string, customer: Customer, data: CustomerData): Promise<Customer> {
  const name = data.name && customer.name !== data.name ? data.name : undefined;
  const email = data.email && customer.email !== data.email ? data.email : undefined;
  if (!name && !email) return customer;
  await callAutumn("customers.update", (c, o) => c.customers.update({
    customerId: organizationId, ...(name ? { name } : {}), ...(email ? { email } : {}),
  }, o), { write: true });
  return { ...customer, ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

/** Re-read only the org's plan eligibility (plans.list with customer_id) into its row; failures leave the old one. */
export async function refreshEligibility(ctx: ActionCtx, organizationId: string): Promise<boolean> {
  const startedAt = Date.now();
  const eligibility = await fetchEligibility(organizationId).catch(() => null);
  if (!eligibility) return false;
  await ctx.runMutation(internal.billing.sync.applyEligibility, { organizationId, eligibility, syncedAt: startedAt });
  return true;
}

export const applyEligibility = internalMutation({
  args: { organizationId: v.string(), eligibility: v.array(planEligibility), syncedAt: v.number() },
  returns: v.null(),
  handler: async (ctx, { organizationId, eligibility, syncedAt }) => {
    const existing = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique();
    if (existing && (existing.eligibilitySyncedAt ?? 0) <= syncedAt) await ctx.db.patch(existing._id, { eligibility, eligibilitySyncedAt: syncedAt });
    return null;
  },
});

export const syncCustomer = internalAction({
  args: { organizationId: v.string(), name: v.optional(v.string()), email: v.optional(v.string()) },
  returns: customerSyncResult,
  handler: (ctx, { organizationId, ...data }) => runCustomerSync(ctx, organizationId, data),
});

export const applyCustomerSync = internalMutation({
  args: { row: v.object(customerFields) },
  returns: v.boolean(),
  handler: async (ctx, { row }) => {
    const existing = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", row.organizationId)).unique();
    return upsertCustomerRow(ctx, row, existing);
  },
});

/**
 * Write one customer snapshot over `existing` (the org's current row, already
 * read by the caller) plus the history diff. Shared by applyCustomerSync and
 * the daily reconcile's batches. Returns false when the snapshot is older.
 */
export async function upsertCustomerRow(
  ctx: MutationCtx, row: CustomerRow, existing: Doc<"billingCustomers"> | null, opts: { scheduleRefresh?: boolean } = {},
): Promise<boolean> {
  // An older fetch finishing late must not overwrite a newer snapshot.
  if (existing && existing.syncedAt > row.syncedAt) return false;
  const { _id, _creationTime, ...prev } = existing ?? { _id: null, _creationTime: 0 };
  for (const h of historyBetween(existing ? (prev as typeof row) : null, row, row.syncedAt)) {
    await ctx.db.insert("billingSubscriptionHistory", h);
  }
  // Fields only the cache knows (locked currency, eligibility) survive a snapshot that lacks them.
  const merged = withCachedFields(row, existing ? (prev as CustomerRow) : null);
  if (existing) await ctx.db.replace(existing._id, merged);
  else await ctx.db.insert("billingCustomers", merged);
  if (existing) await detectCrossings(ctx, row.organizationId, existing.balances, merged.balances, merged.billingControls); // usage alerts without a webhook (notifications.ts)
  // Live queries do not re-run as time passes: re-sync at the next reset moment (resetRefresh.ts).
  if (opts.scheduleRefresh !== false) await scheduleResetRefresh(ctx, row);
  return true;
}

export const recordCustomerSyncError = internalMutation({
  args: { organizationId: v.string(), code: v.string(), message: v.string(), at: v.number() },
  returns: v.null(),
  handler: async (ctx, { organizationId, code, message, at }) => {
    const existing = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique();
    // Only an existing row records the error; the first successful sync creates it.
    if (existing) await ctx.db.patch(existing._id, { lastSyncError: { code, message, at } });
    return null;
  },
});
