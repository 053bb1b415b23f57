// The paywall data a denied balances.check returns with with_preview: the
// plans that would grant the feature, in Autumn's legacy 1.2 "product"
// vocabulary that the SDK expects inside check previews.

import type { Ctx } from "./context.js";
import { latestPlan } from "./catalogLookups.js";
import type { CustomerRecord } from "./state.js";
import type { StoredPlan } from "./wire.js";

/** Paywall data for a denied check: the plans that would grant the feature, in the legacy product shape the SDK expects here. */
export function paywall(ctx: Ctx, c: CustomerRecord, featureId: string, scenario: "usage_limit" | "feature_flag"): Record<string, unknown> {
  const feature = ctx.state.features[featureId];
  const name = feature?.name ?? featureId;
  const grants = (p: StoredPlan): boolean => p.items.some((i) => i.feature_id === featureId
    || Boolean(ctx.state.features[i.feature_id]?.credit_schema?.some((s) => s.metered_feature_id === featureId)));
  const products = Object.keys(ctx.state.plans)
    .map((id) => latestPlan(ctx.state, id))
    .filter((p): p is StoredPlan => !!p && !p.archived && grants(p))
    .filter((p) => !c.products.some((cp) => cp.status === "active" && cp.plan_id === p.id && !p.add_on))
    .map((p) => legacyProduct(ctx, c, p));
  return {
    scenario,
    title: scenario === "usage_limit" ? `You have run out of ${name}` : `${name} is not included in your plan`,
    message: scenario === "usage_limit" ? `Upgrade to get more ${name}.` : `Upgrade to unlock ${name}.`,
    feature_id: featureId,
    feature_name: name,
    products,
  };
}

const LEGACY_TYPE: Record<string, string> = { boolean: "static", credit_system: "single_use", ai_credit_system: "single_use" };

/** A plan in Autumn's 1.2 "product" vocabulary (used inside check previews). */
function legacyProduct(ctx: Ctx, c: CustomerRecord, p: StoredPlan): Record<string, unknown> {
  const items: Array<Record<string, unknown>> = p.items.map((i) => {
    const f = ctx.state.features[i.feature_id];
    const featureType = f ? (LEGACY_TYPE[f.type] ?? (f.consumable ? "single_use" : "continuous_use")) : "single_use";
    return {
      type: i.price ? "priced_feature" : "feature",
      feature_id: i.feature_id,
      feature_type: featureType,
      included_usage: i.unlimited ? "inf" : i.included,
      interval: i.reset?.interval ?? null,
      price: i.price?.amount ?? null,
      usage_model: i.price ? (i.price.billing_method === "usage_based" ? "pay_per_use" : "prepaid") : null,
      billing_units: i.price?.billing_units ?? null,
    };
  });
  if (p.price) {
    items.unshift({ type: "price", price: p.price.amount, interval: p.price.interval === "one_off" ? null : p.price.interval });
  }
  return {
    id: p.id,
    name: p.name,
    group: p.group,
    env: "sandbox",
    is_add_on: p.add_on,
    is_default: p.auto_enable,
    archived: p.archived,
    version: p.version,
    created_at: p.created_at,
    items,
    free_trial: p.free_trial
      ? { duration: p.free_trial.duration_type, length: p.free_trial.duration_length, unique_fingerprint: true,
          card_required: p.free_trial.card_required, trial_available: !c.trials_used.some((t) => t.plan_id === p.id) }
      : null,
    base_variant_id: null,
    scenario: p.add_on ? "new" : "upgrade",
  };
}
