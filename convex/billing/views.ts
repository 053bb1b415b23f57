// What the billing tab and the admin org page show, derived from cache rows:
// the main plan and its status (active, trialing, canceling, past due), a
// scheduled change, add-ons, balances named from the feature catalog, flags
// and invoices. One function and one validator serve both audiences.
import { v, type Infer } from "convex/values";
import { balance as balanceFields, display, featureType, invoice, planEligibility, planPrice, syncError, type CustomerRow, type FeatureRow, type PlanRow } from "./schema";

export const planStatus = v.union(v.literal("active"), v.literal("trialing"), v.literal("canceling"), v.literal("past_due"));

export const orgBillingView = v.object({
  organizationId: v.string(),
  provisioned: v.boolean(),
  plan: v.union(
    v.object({
      planId: v.string(),
      name: v.string(),
      status: planStatus,
      trialEndsAt: v.union(v.number(), v.null()),
      canceledAt: v.union(v.number(), v.null()),
      expiresAt: v.union(v.number(), v.null()),
      currentPeriodEnd: v.union(v.number(), v.null()),
      price: planPrice,
    }),
    v.null(),
  ),
  scheduledChange: v.union(v.object({ planId: v.string(), planName: v.string(), startsAt: v.union(v.number(), v.null()) }), v.null()),
  addOns: v.array(v.object({ planId: v.string(), planName: v.string(), kind: v.union(v.literal("subscription"), v.literal("purchase")), quantity: v.number(), startedAt: v.number() })),
  balances: v.array(v.object({
    ...balanceFields.fields,
    name: v.string(),
    type: featureType,
    display,
  })),
  flags: v.array(v.object({ featureId: v.string(), name: v.string() })),
  invoices: v.array(invoice),
  /** The currency Autumn locked at the org's first payment: prices are shown and charged in it only (null: not yet). */
  currency: v.union(v.string(), v.null()),
  /** Per plan, what attaching it would do for this org (from Autumn): e.g. whether a free trial is still available. */
  eligibility: v.array(planEligibility),
  syncedAt: v.union(v.number(), v.null()),
  lastSyncError: syncError,
});
export type OrgBillingView = Infer<typeof orgBillingView>;

export function emptyView(organizationId: string): OrgBillingView {
  return {
    organizationId, provisioned: false, plan: null, scheduledChange: null, addOns: [], balances: [], flags: [],
    invoices: [], currency: null, eligibility: [], syncedAt: null, lastSyncError: null,
  };
}

export function orgBillingViewOf(
  organizationId: string,
  row: CustomerRow | null,
  features: ReadonlyMap<string, FeatureRow>,
  plans: ReadonlyMap<string, PlanRow>,
  now: number,
): OrgBillingView {
  if (!row) return emptyView(organizationId);
  const main = row.subscriptions.find((s) => s.status === "active" && !s.addOn);
  const next = row.subscriptions.find((s) => s.status === "scheduled" && !s.addOn);
  // Autumn schedules the default (free) plan to take over a plan canceled at the end of the
  // cycle: that is the plan ending ("canceling"), not a switch the owner chose.
  const fallback = next !== undefined && next.autoEnable && main?.canceledAt != null;
  const scheduled = fallback ? undefined : next;
  const status = (): Infer<typeof planStatus> => {
    if (!main) return "active";
    if (main.pastDue) return "past_due";
    if (main.canceledAt !== null && !scheduled) return "canceling";
    // Still inside the trial period: Autumn ends the trial period at trial_ends_at,
    // so the period end tells it even if this server's clock and Autumn's differ.
    if (main.trialEndsAt !== null && main.currentPeriodEnd === main.trialEndsAt && main.trialEndsAt > now - 86_400_000) return "trialing";
    return "active";
  };
  return {
    organizationId,
    provisioned: true,
    plan: main
      ? {
          planId: main.planId,
          name: main.planName,
          status: status(),
          trialEndsAt: main.trialEndsAt,
          canceledAt: main.canceledAt,
          expiresAt: main.expiresAt,
          currentPeriodEnd: main.currentPeriodEnd,
          price: plans.get(main.planId)?.price ?? null,
        }
      : null,
    scheduledChange: scheduled ? { planId: scheduled.planId, planName: scheduled.planName, startsAt: main?.currentPeriodEnd ?? scheduled.startedAt } : null,
    addOns: [
      ...row.subscriptions.filter((s) => s.addOn && s.status === "active").map((s) => ({ planId: s.planId, planName: s.planName, kind: "subscription" as const, quantity: 1, startedAt: s.startedAt })),
      ...row.purchases.map((p) => ({ planId: p.planId, planName: p.planName, kind: "purchase" as const, quantity: p.quantity, startedAt: p.startedAt })),
    ],
    balances: row.balances.map((b) => {
      const f = features.get(b.featureId);
      return { ...b, name: f?.name ?? b.featureId, type: f?.type ?? "metered", display: f?.display ?? null };
    }),
    flags: row.flags.map((f) => ({ featureId: f.featureId, name: features.get(f.featureId)?.name ?? f.featureId })),
    invoices: row.invoices,
    currency: row.currency ?? null,
    eligibility: row.eligibility ?? [],
    syncedAt: row.syncedAt,
    lastSyncError: row.lastSyncError,
  };
}
