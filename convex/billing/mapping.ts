// Pure translation from what autumn-js returns to the cache's rows, and the
// subscription-history diff between two snapshots of a customer. No I/O:
// sync.ts fetches and writes; this decides what to write.
import type { Customer, GetCustomerResponse, ListFeaturesList, Plan } from "autumn-js";
import type { Balance, BillingControls, CustomerRow, FeatureRow, PlanRow } from "./schema";
import { windowEndAfter } from "./controls";

type HistoryChange = "activated" | "scheduled" | "canceled" | "uncanceled" | "expired" | "trial_started" | "trial_converted" | "past_due";

export interface HistoryRow {
  organizationId: string;
  planId: string;
  planName: string;
  change: HistoryChange;
  at: number;
}

const FEATURE_TYPES = new Set(["boolean", "metered", "credit_system", "ai_credit_system"]);

export function featureToRow(f: ListFeaturesList, now: number): FeatureRow {
  const type = FEATURE_TYPES.has(f.type) ? (f.type as FeatureRow["type"]) : "metered";
  return {
    featureId: f.id,
    name: f.name,
    type,
    consumable: f.consumable,
    creditSchema: (f.creditSchema ?? [])
      .filter((c): c is typeof c & { meteredFeatureId: string; creditCost: number } =>
        typeof (c as { meteredFeatureId?: unknown }).meteredFeatureId === "string" && typeof (c as { creditCost?: unknown }).creditCost === "number")
      .map((c) => ({ meteredFeatureId: c.meteredFeatureId, creditCost: c.creditCost })),
    eventNames: f.eventNames ?? [],
    display: f.display?.singular && f.display.plural ? { singular: f.display.singular, plural: f.display.plural } : null,
    archived: f.archived,
    syncedAt: now,
  };
}

const MONTHS: Record<string, number> = { week: 12 / 52, month: 1, quarter: 3, semi_annual: 6, year: 12 };

/** Pricing-table order: free plans first, then by monthly price; add-ons after every main plan. */
export function sortKeyFor(p: Plan): number {
  const monthly = !p.price || p.price.interval === "one_off" ? 0 : p.price.amount / ((MONTHS[p.price.interval] ?? 1) * (p.price.intervalCount ?? 1));
  return (p.addOn ? 1_000_000_000 : 0) + Math.round(monthly * 100);
}

export function planToRow(p: Plan, features: ReadonlyMap<string, FeatureRow>, now: number): PlanRow {
  return {
    planId: p.id,
    version: p.version,
    name: p.name,
    description: p.description,
    group: p.group,
    addOn: p.addOn,
    autoEnable: p.autoEnable,
    price: p.price
      ? {
          amount: p.price.amount,
          currency: "usd",
          interval: p.price.interval,
          intervalCount: p.price.intervalCount ?? 1,
          additionalCurrencies: (p.price.additionalCurrencies ?? []).map((c) => ({ currency: c.currency.toLowerCase(), amount: c.amount })),
        }
      : null,
    freeTrial: p.freeTrial
      ? { durationLength: p.freeTrial.durationLength, durationType: p.freeTrial.durationType, cardRequired: p.freeTrial.cardRequired }
      : null,
    items: p.items.map((i) => {
      const f = features.get(i.featureId);
      return {
        featureId: i.featureId,
        featureName: f?.name ?? i.featureId,
        featureType: f?.type ?? "metered",
        consumable: f?.consumable ?? true,
        display: f?.display ?? null,
        included: i.included,
        unlimited: i.unlimited,
        reset: i.reset ? { interval: i.reset.interval, intervalCount: i.reset.intervalCount ?? 1 } : null,
        price: i.price
          ? {
              amount: i.price.amount ?? null,
              interval: i.price.interval ?? null,
              billingMethod: i.price.billingMethod === "usage_based" ? "usage_based" : "prepaid",
              billingUnits: i.price.billingUnits,
              maxPurchase: i.price.maxPurchase,
            }
          : null,
      };
    }),
    archived: p.archived,
    sortKey: sortKeyFor(p),
    syncedAt: now,
  };
}

/** The part of an autumn-js Balance the cache keeps (customers, check and track answers all carry it). */
export interface AutumnBalance {
  featureId: string;
  granted: number;
  remaining: number;
  usage: number;
  unlimited: boolean;
  overageAllowed: boolean;
  maxPurchase: number | null;
  nextResetAt: number | null;
  rollovers?: Array<{ granted: number; balance: number; expiresAt: number }> | undefined;
  breakdown?: Array<{ planId: string | null; includedGrant: number; reset: { resetsAt: number | null } | null }> | undefined;
}

export function balanceToRow(b: AutumnBalance): Balance {
  return {
    featureId: b.featureId,
    granted: b.granted,
    remaining: b.remaining,
    usage: b.usage,
    unlimited: b.unlimited,
    overageAllowed: b.overageAllowed,
    maxPurchase: b.maxPurchase,
    nextResetAt: b.nextResetAt,
    // Autumn writes expires_at 0 for a rollover that never expires.
    ...(b.rollovers ? { rollovers: b.rollovers.map((r) => ({ granted: r.granted, balance: r.balance, expiresAt: r.expiresAt > 0 ? r.expiresAt : null })) } : {}),
    ...(b.breakdown ? { grants: b.breakdown.map((g) => ({ planId: g.planId, included: g.includedGrant, resetsAt: g.reset?.resetsAt ?? null })) } : {}),
  };
}

/** Keep the newest invoices only: a row must stay well under Convex's 1 MiB document limit. */
export const MAX_CACHED_INVOICES = 24;

/**
 * Keep the newest one-off purchases only (newest first): Convex arrays hold at
 * most 8,192 elements and a document 1 MiB; 1,000 purchases (~150 B each) stay
 * far inside both. Balances come from Autumn, not from this list, so an org
 * with more purchases loses nothing but the oldest entries of its add-on list.
 */
export const MAX_CACHED_PURCHASES = 1_000;

/** What customers.get_or_create and customers.get return (same shape, two SDK type names). */
export type AutumnCustomer = Customer | GetCustomerResponse;

export function customerToRow(organizationId: string, c: AutumnCustomer, planNames: ReadonlyMap<string, string>, now: number): CustomerRow {
  const name = (planId: string, embedded?: { name: string }): string => embedded?.name ?? planNames.get(planId) ?? planId;
  const balances = Object.values(c.balances).map(balanceToRow).sort((a, b) => a.featureId.localeCompare(b.featureId));
  return {
    organizationId,
    customerId: c.id ?? organizationId,
    name: c.name,
    email: c.email,
    subscriptions: c.subscriptions.map((s) => ({
      subscriptionId: s.id,
      planId: s.planId,
      planName: name(s.planId, s.plan),
      status: s.status === "scheduled" ? "scheduled" : "active",
      addOn: s.addOn,
      autoEnable: s.autoEnable,
      pastDue: s.pastDue,
      canceledAt: s.canceledAt,
      expiresAt: s.expiresAt,
      trialEndsAt: s.trialEndsAt,
      startedAt: s.startedAt,
      currentPeriodStart: s.currentPeriodStart,
      currentPeriodEnd: s.currentPeriodEnd,
    })),
    purchases: c.purchases.map((p) => ({
      planId: p.planId,
      planName: name(p.planId, p.plan),
      startedAt: p.startedAt,
      expiresAt: p.expiresAt,
      quantity: p.quantity,
    }))
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(0, MAX_CACHED_PURCHASES),
    balances,
    flags: Object.values(c.flags).map((f) => ({ featureId: f.featureId, planId: f.planId, expiresAt: f.expiresAt }))
      .sort((a, b) => a.featureId.localeCompare(b.featureId)),
    invoices: (c.invoices ?? [])
      .map((i) => ({
        stripeId: i.stripeId,
        planIds: i.planIds,
        status: i.status,
        total: i.total,
        currency: i.currency,
        createdAt: i.createdAt,
        hostedInvoiceUrl: i.hostedInvoiceUrl ?? null,
      }))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, MAX_CACHED_INVOICES),
    syncedAt: now,
    lastSyncError: null,
    billingControls: controlsToRow(c.billingControls, balances, now),
  };
}

/**
 * What changed between two snapshots, as history entries. Comparing states
 * (not trusting webhook order) makes repeated or out-of-order syncs harmless:
 * the same snapshot twice yields nothing.
 */
export function historyBetween(prev: CustomerRow | null, next: CustomerRow, now: number): HistoryRow[] {
  const out: HistoryRow[] = [];
  const push = (planId: string, planName: string, change: HistoryChange): void => {
    out.push({ organizationId: next.organizationId, planId, planName, change, at: now });
  };
  const before = new Map((prev?.subscriptions ?? []).map((s) => [s.subscriptionId, s]));
  const after = new Map(next.subscriptions.map((s) => [s.subscriptionId, s]));
  // A downgrade sets canceled_at on the current plan and adds the target as
  // "scheduled": that is one event, a scheduled switch, not a cancellation.
  // The default plan Autumn schedules to take over a plan canceled at the end of the cycle is
  // the cancellation itself ("canceled"), not a switch the owner chose.
  const canceling = next.subscriptions.some((m) => m.status === "active" && !m.addOn && m.canceledAt !== null);
  const isFallback = (s: CustomerRow["subscriptions"][number]): boolean => s.status === "scheduled" && s.autoEnable && canceling;
  const switchScheduled = next.subscriptions.some((s) => s.status === "scheduled" && !s.addOn && !before.has(s.subscriptionId) && !isFallback(s));
  for (const s of next.subscriptions) {
    const old = before.get(s.subscriptionId);
    if (!old) {
      if (isFallback(s)) continue;
      push(s.planId, s.planName, s.status === "scheduled" ? "scheduled" : s.trialEndsAt !== null && s.trialEndsAt > now ? "trial_started" : "activated");
      continue;
    }
    if (old.status === "scheduled" && s.status === "active") push(s.planId, s.planName, "activated");
    if (old.canceledAt === null && s.canceledAt !== null && !(switchScheduled && !s.addOn)) push(s.planId, s.planName, "canceled");
    if (old.canceledAt !== null && s.canceledAt === null) push(s.planId, s.planName, "uncanceled");
    if (old.trialEndsAt !== null && old.trialEndsAt > old.startedAt && (old.currentPeriodEnd === old.trialEndsAt) && s.currentPeriodEnd !== s.trialEndsAt) {
      push(s.planId, s.planName, "trial_converted");
    }
    if (!old.pastDue && s.pastDue) push(s.planId, s.planName, "past_due");
  }
  for (const s of prev?.subscriptions ?? []) {
    if (after.has(s.subscriptionId)) continue;
    // A scheduled change taking effect may come back as a new subscription of
    // the same plan (the sandbox does this): that is the "activated" above.
    // A scheduled plan that disappears without starting was dropped ("keep
    // current plan"): the current plan's "uncanceled" says so; it never ran,
    // so it did not expire.
    if (s.status === "scheduled") continue;
    push(s.planId, s.planName, "expired");
  }
  return out;
}

type AutumnControls = AutumnCustomer["billingControls"];
type Source = "customer" | "plan" | null;
const sourceOf = (s: string | undefined): Source => (s === "customer" || s === "plan" ? s : null);
const filterOf = (f: { properties: { [k: string]: string } } | undefined): Array<{ key: string; value: string }> =>
  Object.entries(f?.properties ?? {}).map(([key, value]) => ({ key, value: String(value) })).sort((a, b) => a.key.localeCompare(b.key));

/**
 * Reset times a billing-cycle window on `featureId` may align to: that
 * balance's resets; else (no reset of its own: a credit system's, or the UTC
 * calendar) every balance's and the calendar (controls.ts takes the latest).
 */
function windowAnchors(featureId: string, balances: readonly Balance[]): { anchors: number[]; orCalendar: boolean } {
  const resets = (b: Balance): number[] => [b.nextResetAt, ...(b.grants ?? []).map((g) => g.resetsAt)].filter((t): t is number => t !== null);
  const own = balances.find((b) => b.featureId === featureId);
  const mine = own ? resets(own) : [];
  return mine.length > 0 ? { anchors: [...new Set(mine)], orCalendar: false } : { anchors: [...new Set(balances.flatMap(resets))], orCalendar: true };
}

/** Autumn's billing_controls (camelCase from autumn-js) → the cached shape, each usage window's end computed as of `now`. */
export function controlsToRow(c: AutumnControls | undefined, balances: readonly Balance[], now: number): BillingControls {
  return {
    usageLimits: (c?.usageLimits ?? []).map((l) => {
      const anchor = l.anchor === "utc" ? "utc" as const : "billing_cycle" as const;
      const interval = String(l.interval);
      const { anchors, orCalendar } = windowAnchors(l.featureId, balances);
      return {
        featureId: l.featureId, enabled: l.enabled, limit: l.limit, interval, anchor, filter: filterOf(l.filter),
        usage: l.usage ?? 0, windowEndsAt: windowEndAfter({ interval, anchor }, anchors, now, orCalendar), source: sourceOf(l.source),
      };
    }),
    spendLimits: (c?.spendLimits ?? []).map((l) => ({
      featureId: l.featureId ?? null, enabled: l.enabled, limitType: l.limitType === "usage_percentage" ? "usage_percentage" as const : "absolute" as const,
      overageLimit: l.overageLimit ?? null, skipOverageBilling: l.skipOverageBilling ?? false, source: sourceOf(l.source),
    })),
    overageAllowed: (c?.overageAllowed ?? []).map((o) => ({ featureId: o.featureId, enabled: o.enabled, source: sourceOf(o.source) })),
    usageAlerts: (c?.usageAlerts ?? []).map((a) => ({
      featureId: a.featureId ?? null, enabled: a.enabled, threshold: a.threshold, thresholdType: String(a.thresholdType), basis: String(a.basis ?? "balance"),
      filter: filterOf(a.filter), name: a.name ?? null, source: sourceOf(a.source),
    })),
    autoTopups: (c?.autoTopups ?? []).map((t) => ({
      featureId: t.featureId, enabled: t.enabled, threshold: t.threshold, quantity: t.quantity, invoiceMode: t.invoiceMode ?? false,
      purchaseLimit: t.purchaseLimit && t.purchaseLimit.interval != null && t.purchaseLimit.limit != null
        ? { interval: String(t.purchaseLimit.interval), intervalCount: t.purchaseLimit.intervalCount ?? 1, limit: t.purchaseLimit.limit }
        : null,
      source: sourceOf(t.source),
    })),
  };
}
