// Normalisation: turns what atmn sends (snake_case catalog params, most
// fields optional) into the stored, fully defaulted features and plans, and
// the keys that tell a billing change (new version) from a cosmetic one.

import { invalid } from "./errors.js";
import type { StoredPlan, WireFeature, WirePlanItem } from "./wire.js";
import type { CatalogFeatureParams, CatalogItemParams, CatalogPlanParams } from "./catalog.js";

export function normaliseFeature(p: CatalogFeatureParams): WireFeature {
  if (p.type === "credit_system" && !(p.credit_schema && p.credit_schema.length > 0)) {
    throw invalid(`Credit system feature ${p.feature_id} needs a credit_schema`);
  }
  return {
    id: p.feature_id,
    name: p.name,
    type: p.type,
    consumable: p.type === "metered" ? Boolean(p.consumable) : p.type !== "boolean",
    event_names: p.event_names ?? [],
    ...(p.credit_schema
      ? { credit_schema: p.credit_schema.map((c) => ({ metered_feature_id: c.metered_feature_id, credit_cost: c.credit_cost })) }
      : {}),
    ...(p.display ? { display: p.display } : {}),
    archived: Boolean(p.archived),
  };
}

function normaliseItem(p: CatalogItemParams): WirePlanItem {
  const price = p.price
    ? {
        ...(p.price.amount !== undefined ? { amount: p.price.amount } : {}),
        ...(p.price.tiers ? { tiers: p.price.tiers } : {}),
        ...(p.price.tier_behavior ? { tier_behavior: p.price.tier_behavior } : {}),
        interval: p.price.interval ?? "month",
        interval_count: p.price.interval_count ?? 1,
        billing_units: p.price.billing_units ?? 1,
        billing_method: p.price.billing_method ?? "prepaid",
        max_purchase: p.price.max_purchase ?? null,
        ...(p.price.additional_currencies ? { additional_currencies: p.price.additional_currencies } : {}),
      }
    : null;
  const reset = p.reset && p.reset.interval !== "one_off"
    ? { interval: p.reset.interval, interval_count: p.reset.interval_count ?? 1 }
    : null;
  return {
    feature_id: p.feature_id,
    included: p.unlimited ? 0 : (p.included ?? 0),
    unlimited: Boolean(p.unlimited),
    reset,
    price,
  };
}

export function planContent(p: CatalogPlanParams): Omit<StoredPlan, "version" | "created_at"> {
  return {
    id: p.plan_id,
    name: p.name,
    description: p.description ?? null,
    group: p.group ? p.group : null,
    add_on: Boolean(p.add_on),
    auto_enable: Boolean(p.auto_enable),
    price: p.price
      ? {
          amount: p.price.amount,
          interval: p.price.interval,
          interval_count: p.price.interval_count ?? 1,
          ...(p.price.additional_currencies ? { additional_currencies: p.price.additional_currencies } : {}),
        }
      : null,
    items: (p.items ?? []).map(normaliseItem),
    free_trial: p.free_trial
      ? { duration_length: p.free_trial.duration_length, duration_type: p.free_trial.duration_type ?? "month",
          card_required: p.free_trial.card_required ?? true, on_end: p.free_trial.on_end ?? "bill" }
      : null,
    archived: Boolean(p.archived),
  };
}

/** Billing-relevant content only: a rename is an in-place update, a price change a new version. */
export function pricingKey(p: Omit<StoredPlan, "version" | "created_at">): string {
  return JSON.stringify([p.price, p.items, p.free_trial, p.add_on, p.group]);
}

export function fullKey(p: Omit<StoredPlan, "version" | "created_at">): string {
  return JSON.stringify([p.name, p.description, p.auto_enable, p.archived, pricingKey(p)]);
}
