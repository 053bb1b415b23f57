// Rendering: stored features and plans in the shape Autumn's API returns
// (features.*, plans.*, and the plans embedded in customers and balances).

import type { StoredPlan, WireFeature } from "./wire.js";
import { formatMoney } from "./money.js";

export function renderFeature(f: WireFeature): Record<string, unknown> {
  return {
    id: f.id,
    name: f.name,
    type: f.type,
    consumable: f.consumable,
    event_names: f.event_names,
    ...(f.credit_schema ? { credit_schema: f.credit_schema } : {}),
    display: f.display ?? { singular: f.name.toLowerCase(), plural: f.name.toLowerCase() },
    archived: f.archived,
  };
}

export function renderPlan(plan: StoredPlan, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: plan.id,
    name: plan.name,
    description: plan.description,
    group: plan.group,
    version: plan.version,
    add_on: plan.add_on,
    auto_enable: plan.auto_enable,
    price: plan.price
      ? {
          ...plan.price,
          display: {
            primary_text: formatMoney(plan.price.amount, "usd"),
            secondary_text: plan.price.interval === "one_off" ? "one-off" : `per ${plan.price.interval.replace("_", "-")}`,
          },
        }
      : null,
    items: plan.items.map((i) => ({
      feature_id: i.feature_id,
      included: i.included,
      unlimited: i.unlimited,
      reset: i.reset,
      price: i.price,
    })),
    free_trial: plan.free_trial,
    created_at: plan.created_at,
    env: "sandbox",
    archived: plan.archived,
    base_variant_id: null,
    config: {},
    metadata: {},
    ...extra,
  };
}
