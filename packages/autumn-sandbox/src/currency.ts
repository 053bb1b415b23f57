// The org's multi-currency setting and a customer's billing currency, as
// Autumn models them (autumn-controls.md §2, §12.17; server
// handleCurrencyMismatchErrors.ts, initCustomer.ts, resolveCustomerCurrency.ts):
// - the setting is on when configured so, or (unconfigured) when the catalog
//   carries `additional_currencies` (real Autumn refuses those while it is off);
// - with it off, a `currency` argument is 400 invalid_request, nothing changes;
// - the currency resolves param → customer's stored currency → org default
//   (usd), lowercased; the first PAID attach locks it (never a preview, never
//   a free plan); a customer created with a currency is locked from the start;
// - locked to X but Y requested, or a charging price lacking the currency,
//   is 400 currency_mismatch (no FX fallback).

import type { Ctx } from "./context.js";
import { ApiError, badRequest } from "./errors.js";
import { amountIn, DEFAULT_CURRENCY } from "./money.js";
import type { CustomerRecord, SandboxState } from "./state.js";
import type { AdditionalCurrency, StoredPlan } from "./wire.js";

type Priced = { amount?: number; tiers?: Array<{ amount: number; flat_amount?: number; additional_currencies?: Array<{ currency: string; amount?: number; flat_amount?: number }> }>; additional_currencies?: AdditionalCurrency[] };

/** True when any plan price, item price or tier of the catalog offers another currency. */
export function catalogHasAdditionalCurrencies(state: SandboxState): boolean {
  return Object.values(state.plans).some((versions) => versions.some(planHasAdditionalCurrencies));
}

/** What a plan (stored or as a catalog body carries it) needs to say whether it has other currencies. */
interface CurrencyCarrier {
  price?: { additional_currencies?: AdditionalCurrency[] } | null;
  items?: Array<{ price?: Priced | null }>;
}

function planHasAdditionalCurrencies(p: CurrencyCarrier): boolean {
  if (p.price?.additional_currencies?.length) return true;
  return (p.items ?? []).some((i) => Boolean(i.price?.additional_currencies?.length) || Boolean(i.price?.tiers?.some((t) => t.additional_currencies?.length)));
}

export function multiCurrencyEnabled(ctx: Ctx): boolean {
  return ctx.multiCurrency ?? catalogHasAdditionalCurrencies(ctx.state);
}

/** A `currency` argument (customer create, attach) is refused while multi-currency is off. */
export function assertCurrencyParamAllowed(ctx: Ctx, currency: string | null | undefined): void {
  if (currency && !multiCurrencyEnabled(ctx)) throw badRequest("Multi-currency is not enabled for this organization");
}

/** Catalog writes: `additional_currencies` while the setting is explicitly off → 400 invalid_product_item. */
export function assertCatalogCurrencies(multiCurrency: boolean | null, plans: Array<CurrencyCarrier & { plan_id: string }>): void {
  if (multiCurrency !== false) return;
  const bad = plans.find(planHasAdditionalCurrencies);
  if (bad) throw new ApiError(400, "invalid_product_item", `Plan ${bad.plan_id}: additional_currencies requires multi-currency, which is not enabled for this organization`);
}

/** A price "charges" when it has a positive amount or a tier with one (handleCurrencyMismatchErrors priceCharges). */
function charges(price: { amount?: number; tiers?: Array<{ amount: number; flat_amount?: number }> }): boolean {
  if (price.tiers?.length) return price.tiers.some((t) => t.amount + (t.flat_amount ?? 0) > 0);
  return (price.amount ?? 0) > 0;
}


function offers(price: Priced, currency: string): boolean {
  if (currency === DEFAULT_CURRENCY) return true;
  if (price.tiers?.length) {
    return price.tiers.every((t) => t.amount + (t.flat_amount ?? 0) <= 0 || Boolean(t.additional_currencies?.some((a) => a.currency.toLowerCase() === currency)));
  }
  return amountIn(price, currency) !== null;
}

/** Free plans (no charging price) neither need nor lock a currency. */
export function isFreePlan(plan: StoredPlan): boolean {
  return !chargingPrices(plan).length;
}

function chargingPrices(plan: StoredPlan): Priced[] {
  const prices: Priced[] = [];
  if (plan.price && charges(plan.price)) prices.push(plan.price);
  for (const i of plan.items) if (i.price && charges(i.price as Priced)) prices.push(i.price as Priced);
  return prices;
}

/**
 * The currency an attach (or its preview) bills in, validated the way
 * Autumn's handleCurrencyMismatchErrors does, in the same order.
 */
export function resolveAttachCurrency(ctx: Ctx, c: CustomerRecord, plan: StoredPlan, requested: string | undefined): string {
  assertCurrencyParamAllowed(ctx, requested);
  const wanted = requested ? requested.toLowerCase() : null;
  const resolved = wanted ?? c.currency ?? DEFAULT_CURRENCY;
  if (isFreePlan(plan)) return resolved;
  const locked = c.currency;
  if (locked && wanted && wanted !== locked) {
    throw new ApiError(400, "currency_mismatch", `Customer is locked to ${locked.toUpperCase()} and cannot be billed in ${wanted.toUpperCase()}`);
  }
  if (chargingPrices(plan).some((p) => !offers(p, resolved))) {
    const code = resolved.toUpperCase();
    throw new ApiError(400, "currency_mismatch", locked && resolved === locked
      ? `This customer pays in ${code}, but plan '${plan.name}' has no ${code} price. Add ${code} pricing to the plan or pick a plan that offers it.`
      : `Plan '${plan.name}' does not offer a price in ${code}. Add ${code} pricing to the plan or bill in a currency it supports.`);
  }
  return resolved;
}

/** On commit of a paid attach: write the customer's currency if it is still unset (lockCurrencyIfUnset). */
export function lockCurrency(c: CustomerRecord, plan: StoredPlan, currency: string): void {
  if (c.currency === null && !isFreePlan(plan)) c.currency = currency;
}
