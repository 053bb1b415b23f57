// The currency an org is charged in. Autumn locks a customer's currency at
// its first paid attach and never reports it on the customer, so the cache
// records it (billingCustomers.currency) from what Autumn does report: the
// attach response's invoice, the customer's invoices, or (for a checkout
// sent to a payment page, and trials that raise no invoice) the currency the
// checkout asked for once a paid plan is active. From then on the org is
// quoted and charged in that currency only; a plan without a price in it is
// not offered (CURRENCY_MISMATCH), and Autumn's own `currency_mismatch`
// arrives as the same typed code (autumn.ts).
import { v } from "convex/values";
import { internalMutation } from "../_generated/server";
import { billingError } from "./errors";
import type { CustomerRow, PlanRow } from "./schema";

/** "BRL", " brl " → "brl"; anything that is not a 3-letter code is INVALID_ARGUMENT. */
export function normalizeCurrency(raw: string): string {
  const code = raw.trim().toLowerCase();
  if (!/^[a-z]{3}$/.test(code)) throw billingError("INVALID_ARGUMENT", `"${raw}" is not a currency code`, { currency: raw });
  return code;
}

/** Does the plan charge nothing (no price, or 0)? Free plans neither need nor lock a currency. */
export function isFreePlan(plan: Pick<PlanRow, "price">): boolean {
  return !plan.price || plan.price.amount === 0;
}

/** The plan's price in `currency` (major units): 0 for a free plan, null when it has no price in that currency. */
export function priceInCurrency(plan: Pick<PlanRow, "price">, currency: string): number | null {
  if (!plan.price || plan.price.amount === 0) return 0;
  if (plan.price.currency.toLowerCase() === currency) return plan.price.amount;
  return plan.price.additionalCurrencies.find((c) => c.currency.toLowerCase() === currency)?.amount ?? null;
}

/** Every currency the catalog prices a (live, paid) plan in, base currency first. */
export function catalogCurrencies(plans: readonly PlanRow[]): string[] {
  const out = new Set<string>();
  for (const p of plans) {
    if (p.archived || !p.price || p.price.amount === 0) continue;
    out.add(p.price.currency.toLowerCase());
    for (const c of p.price.additionalCurrencies) out.add(c.currency.toLowerCase());
  }
  return [...out];
}

export interface CurrencyDecision {
  /** What the org is quoted and charged in (null: Autumn's default, nothing asked for). */
  currency: string | null;
  /** Send `currency` to Autumn? Only when the catalog is multi-currency: with the org flag off Autumn refuses the param. */
  sendToAutumn: boolean;
}

/**
 * Which currency a preview or checkout of `plan` uses: the org's locked
 * currency, else the one asked for. Refused before calling Autumn when the
 * request contradicts the lock, or the (paid) plan has no price in it.
 */
export function decideCurrency(plan: PlanRow, requested: string | undefined, locked: string | null, multiCurrency: boolean): CurrencyDecision {
  const asked = requested === undefined ? null : normalizeCurrency(requested);
  if (locked && asked && asked !== locked) {
    throw billingError("CURRENCY_MISMATCH", `This organization is billed in ${locked.toUpperCase()}, not ${asked.toUpperCase()}`, {
      lockedCurrency: locked, requestedCurrency: asked, planId: plan.planId,
    });
  }
  const currency = locked ?? asked;
  if (currency && priceInCurrency(plan, currency) === null) {
    throw billingError("CURRENCY_MISMATCH", `${plan.name} has no price in ${currency.toUpperCase()}`, {
      ...(locked ? { lockedCurrency: locked } : {}), requestedCurrency: currency, planId: plan.planId,
    });
  }
  return { currency, sendToAutumn: multiCurrency && currency !== null };
}

/** The currency the org's invoices are in (all of one customer's invoices share the locked currency). */
export function invoiceCurrency(invoices: CustomerRow["invoices"]): string | null {
  const charged = invoices.find((i) => i.total !== 0) ?? invoices[0];
  return charged ? charged.currency.toLowerCase() : null;
}

/** Does this snapshot hold a paid plan (a non-default active subscription, or a purchase)? */
function holdsPaidPlan(row: CustomerRow): boolean {
  return row.purchases.length > 0 || row.subscriptions.some((s) => s.status === "active" && !s.autoEnable);
}

/**
 * The cache-only fields of a customer row (no Autumn customer response
 * carries them) carried over a new snapshot: the locked currency (kept once
 * known, else learned from invoices or a completed pending checkout) and the
 * last fetched eligibility when this snapshot brought none.
 */
export function withCachedFields(row: CustomerRow, existing: CustomerRow | null): CustomerRow {
  const pending = row.pendingCurrency ?? existing?.pendingCurrency ?? null;
  const currency = row.currency ?? existing?.currency ?? invoiceCurrency(row.invoices) ?? (pending && holdsPaidPlan(row) ? pending : null);
  const eligibility = row.eligibility ?? existing?.eligibility;
  const eligibilitySyncedAt = row.eligibilitySyncedAt ?? existing?.eligibilitySyncedAt;
  return {
    ...row,
    currency,
    pendingCurrency: currency ? null : pending,
    ...(eligibility ? { eligibility } : {}),
    ...(eligibilitySyncedAt !== undefined ? { eligibilitySyncedAt } : {}),
  };
}

/** Record what a checkout learned: a locked currency (attach invoice) or the currency of a pending payment page. */
export const recordCheckoutCurrency = internalMutation({
  args: { organizationId: v.string(), locked: v.optional(v.string()), pending: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { organizationId, locked, pending }) => {
    const doc = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique();
    if (!doc) return null;
    if (locked && !doc.currency) await ctx.db.patch(doc._id, { currency: locked.toLowerCase(), pendingCurrency: null });
    else if (pending && !doc.currency) await ctx.db.patch(doc._id, { pendingCurrency: pending.toLowerCase() });
    return null;
  },
});
