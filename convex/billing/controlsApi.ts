// Owner spend controls (issue 14): a monthly spend limit on usage-based
// overage, a usage limit per feature and period, the overage switch, usage
// alerts and auto top-up — all Autumn customer `billing_controls`.
//
// Writing: Autumn's customers.update replaces each key's WHOLE array, so every
// change reads the customer's current controls from Autumn (not the cache),
// keeps only the customer's own entries (plan defaults come back merged with
// `source: "plan"` and must not be copied down), edits the one entry and
// writes the full array. The answer (the full customer) goes straight into
// the cache (controls + balances), so the billing tab and the entitlement
// evaluator see the change at once; enforcement is Autumn's and the cache's
// (entitlements.ts / controls.ts), never the UI's.
//
// Reading: `getSpendControls` (any member) is cache-only and reactive.
import type { UpdateCustomerBillingControlsRequestBody } from "autumn-js";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { internalMutation, internalQuery } from "../_generated/server";
import { callAutumn } from "./autumn";
import { withCustomer } from "./customerAccess";
import { loadCustomer, loadCustomerDoc, loadFeatures } from "./cache";
import { billingError } from "./errors";
import { canManage, memberQuery, ownerAction } from "./functions";
import { evaluateFeature } from "./entitlements";
import { controlsToRow, customerToRow } from "./mapping";
import { balance, billingControls, type BillingControls } from "./schema";

export const USAGE_INTERVALS = ["day", "week", "month", "year"] as const;
const interval = v.union(v.literal("day"), v.literal("week"), v.literal("month"), v.literal("year"));
const MAX_AMOUNT = 1_000_000_000;
export const MAX_ALERTS = 20;

const featureOption = v.object({
  featureId: v.string(),
  name: v.string(),
  type: v.string(),
  /** Some plan item prices usage past the grant (a spend limit / overage switch means something). */
  usageBased: v.boolean(),
  /** The org has a balance of it (its plan or a pack grants it): the UI offers controls for these. */
  included: v.boolean(),
  /** The org's own plan bills usage past its grant (the overage row applies now). */
  overage: v.boolean(),
});

/** Controls as the billing tab shows them: the cached controls and the features an owner may pick. */
export const getSpendControls = memberQuery({
  args: {},
  returns: v.object({ controls: billingControls, features: v.array(featureOption), canManage: v.boolean() }),
  handler: async (ctx) => {
    const [row, features, plans] = await Promise.all([
      loadCustomer(ctx, ctx.viewer.organizationId), loadFeatures(ctx),
      ctx.db.query("billingPlans").withIndex("by_archived_sortKey", (q) => q.eq("archived", false)).take(200),
    ]);
    const usageBased = new Set(plans.flatMap((p) => p.items.filter((i) => i.price?.billingMethod === "usage_based").map((i) => i.featureId)));
    return {
      controls: row?.billingControls ?? EMPTY,
      // Allocated features (seats) have no usage per period to limit or alert on.
      features: [...features.values()].filter((f) => f.type !== "boolean" && !f.archived && (f.consumable || f.type !== "metered"))
        .map((f) => {
          const held = row?.balances.find((b) => b.featureId === f.featureId);
          return { featureId: f.featureId, name: f.name, type: f.type, usageBased: usageBased.has(f.featureId), included: held !== undefined, overage: held?.overageAllowed ?? false };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
      canManage: canManage(ctx.viewer),
    };
  },
});

const EMPTY: BillingControls = { usageLimits: [], spendLimits: [], overageAllowed: [], usageAlerts: [], autoTopups: [] };

// ── validation (typed INVALID_ARGUMENT, field named) ─────────────────────────

export function invalid(field: string, message: string): never {
  throw billingError("INVALID_ARGUMENT", message, { field });
}

export function checkAmount(field: string, value: number, opts: { min?: number; integer?: boolean; max?: number } = {}): void {
  if (!Number.isFinite(value)) invalid(field, `${field} must be a number`);
  if (value < (opts.min ?? 0)) invalid(field, `${field} must be at least ${opts.min ?? 0}`);
  if (value > (opts.max ?? MAX_AMOUNT)) invalid(field, `${field} must be at most ${opts.max ?? MAX_AMOUNT}`);
  if (opts.integer && !Number.isInteger(value)) invalid(field, `${field} must be a whole number`);
}

export const catalogFeature = internalQuery({
  args: { featureId: v.string() },
  returns: v.union(v.object({ type: v.string(), name: v.string() }), v.null()),
  handler: async (ctx, { featureId }) => {
    const f = (await loadFeatures(ctx)).get(featureId);
    return f && !f.archived ? { type: f.type, name: f.name } : null;
  },
});

/** The feature must be a metered one in the catalog (boolean features have nothing to limit). */
export async function requireMeteredFeature(ctx: ActionCtx, featureId: string): Promise<{ type: string; name: string }> {
  const f = await ctx.runQuery(internal.billing.controlsApi.catalogFeature, { featureId });
  if (!f) invalid("featureId", `There is no feature ${featureId}`);
  if (f.type === "boolean") invalid("featureId", `${f.name} is on or off; it has no usage to limit`);
  return f;
}

// ── read-modify-write against Autumn ─────────────────────────────────────────

type Request = UpdateCustomerBillingControlsRequestBody;

/** The customer's own entries (never the merged plan defaults), in the request shape. */
export function ownEntries(c: BillingControls): Required<Request> {
  const mine = <T extends { source: string | null }>(xs: T[]): T[] => xs.filter((x) => x.source !== "plan");
  const props = (f: Array<{ key: string; value: string }>) => Object.fromEntries(f.map((p) => [p.key, p.value]));
  return {
    usageLimits: mine(c.usageLimits).map((l) => ({
      featureId: l.featureId, enabled: l.enabled, limit: l.limit, interval: l.interval as (typeof USAGE_INTERVALS)[number], anchor: l.anchor,
      ...(l.filter.length > 0 ? { filter: { properties: props(l.filter) } } : {}),
    })),
    spendLimits: mine(c.spendLimits).map((s) => ({
      ...(s.featureId ? { featureId: s.featureId } : {}), enabled: s.enabled, limitType: s.limitType,
      ...(s.overageLimit !== null ? { overageLimit: s.overageLimit } : {}), skipOverageBilling: s.skipOverageBilling,
    })),
    overageAllowed: mine(c.overageAllowed).map((o) => ({ featureId: o.featureId, enabled: o.enabled })),
    usageAlerts: mine(c.usageAlerts).map((a) => ({
      ...(a.featureId ? { featureId: a.featureId } : {}), enabled: a.enabled, threshold: a.threshold,
      thresholdType: a.thresholdType as "usage" | "usage_percentage" | "remaining" | "remaining_percentage",
      basis: a.basis as "balance", ...(a.name ? { name: a.name } : {}),
      ...(a.filter.length > 0 ? { filter: { properties: props(a.filter) } } : {}),
    })),
    autoTopups: mine(c.autoTopups).map((t) => ({
      featureId: t.featureId, enabled: t.enabled, threshold: t.threshold, quantity: t.quantity, invoiceMode: t.invoiceMode,
      ...(t.purchaseLimit ? { purchaseLimit: { interval: t.purchaseLimit.interval as "month", intervalCount: t.purchaseLimit.intervalCount, limit: t.purchaseLimit.limit } } : {}),
    })),
  };
}

/**
 * Read the org's controls from Autumn, let `edit` return the keys to write
 * (each a full array), write them, and put Autumn's answer into the cache.
 */
export async function editControls(
  ctx: ActionCtx, organizationId: string, edit: (own: Required<Request>) => Request,
): Promise<BillingControls> {
  const startedAt = Date.now();
  // Read-modify-write as one operation (customerAccess.ts): a customer provisioned on the way is read afresh.
  const updated = await withCustomer(ctx, organizationId, async () => {
    const current = await callAutumn("customers.get", (c, o) => c.customers.get({ customerId: organizationId }, o));
    const patch = edit(ownEntries(controlsToRow(current.billingControls, [], startedAt)));
    return callAutumn("customers.update", (c, o) => c.customers.update({ customerId: organizationId, billingControls: patch }, o), { write: true });
  });
  const row = customerToRow(organizationId, updated, new Map(), startedAt);
  await ctx.runMutation(internal.billing.controlsApi.applyControlsSnapshot, {
    organizationId, balances: row.balances, billingControls: row.billingControls ?? EMPTY, syncedAt: startedAt,
  });
  return row.billingControls ?? EMPTY;
}

/** Autumn's answer to a controls write, into the cache at once (a newer full sync wins). */
export const applyControlsSnapshot = internalMutation({
  args: { organizationId: v.string(), balances: v.array(balance), billingControls, syncedAt: v.number() },
  returns: v.boolean(),
  handler: async (ctx, { organizationId, balances, billingControls: controls, syncedAt }) => {
    const doc = await loadCustomerDoc(ctx, organizationId);
    if (!doc || doc.syncedAt > syncedAt) return false;
    await ctx.db.patch(doc._id, { billingControls: controls, ...(balances.length > 0 ? { balances } : {}) });
    return true;
  },
});

const replaceFor = <T extends { featureId?: string | undefined }>(xs: T[], featureId: string, entry: T | null): T[] =>
  [...xs.filter((x) => x.featureId !== featureId), ...(entry ? [entry] : [])];

// ── the owner's actions ──────────────────────────────────────────────────────

/** Monthly spend limit on a feature's usage-based overage (null removes it). Money in the billing currency's major units. */
export const setSpendLimit = ownerAction({
  args: { featureId: v.string(), overageLimit: v.union(v.number(), v.null()) },
  returns: billingControls,
  handler: async (ctx, { featureId, overageLimit }) => {
    await requireMeteredFeature(ctx, featureId);
    if (overageLimit !== null) checkAmount("overageLimit", overageLimit);
    return editControls(ctx, ctx.viewer.organizationId, (own) => ({
      spendLimits: replaceFor(own.spendLimits, featureId, overageLimit === null ? null
        : { featureId, enabled: true, limitType: "absolute", overageLimit, skipOverageBilling: false }),
    }));
  },
});

/** At most `limit` units of a feature per period (null removes the limit; the window counter survives, as at Autumn). */
export const setUsageLimit = ownerAction({
  args: { featureId: v.string(), limit: v.union(v.number(), v.null()), interval: v.optional(interval) },
  returns: billingControls,
  handler: async (ctx, { featureId, limit, interval: every }) => {
    await requireMeteredFeature(ctx, featureId);
    if (limit !== null) checkAmount("limit", limit, { integer: true });
    return editControls(ctx, ctx.viewer.organizationId, (own) => ({
      usageLimits: [
        // Only the unfiltered limit of this feature is the owner's; filtered ones (set elsewhere) are kept.
        ...own.usageLimits.filter((l) => l.featureId !== featureId || l.filter !== undefined),
        ...(limit === null ? [] : [{ featureId, enabled: true, limit, interval: every ?? "month", anchor: "billing_cycle" as const }]),
      ],
    }));
  },
});

/** Overage on/off for a feature (off: usage stops at what the plan includes). */
export const setOverageAllowed = ownerAction({
  args: { featureId: v.string(), enabled: v.boolean() },
  returns: billingControls,
  handler: async (ctx, { featureId, enabled }) => {
    await requireMeteredFeature(ctx, featureId);
    return editControls(ctx, ctx.viewer.organizationId, (own) => ({
      overageAllowed: replaceFor(own.overageAllowed, featureId, { featureId, enabled }),
    }));
  },
});

export const alertInput = v.object({
  featureId: v.string(),
  /** usage_percentage: % of the grant used (80, 100); remaining: units left. */
  thresholdType: v.union(v.literal("usage_percentage"), v.literal("remaining")),
  threshold: v.number(),
});

type AlertRequest = Required<Request>["usageAlerts"][number];
/** An alert the owner's form can show and edit: one feature, a share used or an amount left, no event filter. */
export const formManagesAlert = (a: { featureId?: string | null; thresholdType: string; filter?: unknown }): boolean =>
  !!a.featureId && (a.thresholdType === "usage_percentage" || a.thresholdType === "remaining") && (a.filter === undefined || (Array.isArray(a.filter) && a.filter.length === 0));
const alertKey = (a: { featureId?: string | null; thresholdType: string; threshold: number }) => `${a.featureId}:${a.thresholdType}:${a.threshold}`;

/**
 * The org's usage alerts the form manages, as a whole list (what the form
 * shows). Alerts set elsewhere that the form cannot express (any feature,
 * other threshold types, filters) are kept as they are, and a listed alert
 * that already exists keeps its own settings (enabled, name).
 */
export const setUsageAlerts = ownerAction({
  args: { alerts: v.array(alertInput) },
  returns: billingControls,
  handler: async (ctx, { alerts }) => {
    if (alerts.length > MAX_ALERTS) invalid("alerts", `At most ${MAX_ALERTS} alerts`);
    const seen = new Set<string>();
    for (const a of alerts) {
      await requireMeteredFeature(ctx, a.featureId);
      if (a.thresholdType === "usage_percentage") checkAmount("threshold", a.threshold, { min: 1, max: 1000 });
      else checkAmount("threshold", a.threshold);
      const key = `${a.featureId}:${a.thresholdType}:${a.threshold}`;
      if (seen.has(key)) invalid("alerts", "The same alert is listed twice");
      seen.add(key);
    }
    return editControls(ctx, ctx.viewer.organizationId, (own) => {
      const existing = new Map(own.usageAlerts.filter(formManagesAlert).map((a) => [alertKey(a), a]));
      const listed = alerts.map((a): AlertRequest => existing.get(alertKey(a)) ?? { featureId: a.featureId, enabled: true, threshold: a.threshold, thresholdType: a.thresholdType });
      return { usageAlerts: [...own.usageAlerts.filter((a) => !formManagesAlert(a)), ...listed] };
    });
  },
});

// ── which limit refused (Autumn's check says only allowed: false, §1.5) ──────

const deniedLimit = v.union(v.literal("usage_limit"), v.literal("included"), v.literal("spend_limit"), v.literal("max_purchase"));

/**
 * Autumn refused a reserve: name the limit that bit, from the cache (whose
 * balances the caller has just refreshed from that answer). When the cache
 * still allows it, its window counter is behind Autumn's (usage tracked
 * elsewhere): an enabled usage limit on the feature or its credit system is
 * then what refused.
 */
export const explainDenial = internalQuery({
  args: { organizationId: v.string(), featureId: v.string(), units: v.number() },
  returns: deniedLimit,
  handler: async (ctx, { organizationId, featureId, units }) => {
    const [customer, features] = await Promise.all([loadCustomer(ctx, organizationId), loadFeatures(ctx)]);
    const verdict = evaluateFeature({ customer, features, featureId, required: units, now: Date.now(), properties: null });
    if (!verdict.allowed && verdict.limitType) return verdict.limitType;
    const credit = [...features.values()].filter((f) => f.creditSchema.some((c) => c.meteredFeatureId === featureId)).map((f) => f.featureId);
    const limited = (customer?.billingControls?.usageLimits ?? []).some((l) => l.enabled && l.filter.length === 0 && (l.featureId === featureId || credit.includes(l.featureId)));
    return limited ? "usage_limit" : "included";
  },
});
