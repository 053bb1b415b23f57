// Turns an atmn 1.x config module (autumn.config.ts) into the catalog body
// `atmn push` would send, field for field as atmn's own sdkToApi transform
// does, so seeding the sandbox and pushing to real Autumn use the same data.

import { pathToFileURL } from "node:url";
import type { CatalogBody, CatalogFeatureParams, CatalogItemParams, CatalogPlanParams } from "./catalog.js";
import type { FeatureType, ResetIntervalName, WireFreeTrial, WirePlanPrice } from "./wire.js";

interface AtmnFeature {
  id: string;
  name: string;
  type: FeatureType;
  consumable?: boolean;
  eventNames?: string[];
  archived?: boolean;
  creditSchema?: Array<{ meteredFeatureId: string; creditCost: number }>;
}

interface AtmnItem {
  featureId: string;
  included?: number;
  unlimited?: boolean;
  reset?: { interval: ResetIntervalName; intervalCount?: number };
  price?: {
    amount?: number;
    tiers?: Array<{ to: number | "inf"; amount: number }>;
    tierBehavior?: "graduated" | "volume";
    interval?: ResetIntervalName;
    intervalCount?: number;
    billingMethod?: "prepaid" | "usage_based";
    billingUnits?: number;
    maxPurchase?: number;
    additionalCurrencies?: Array<{ currency: string; amount: number }>;
  };
}

interface AtmnPlan {
  id: string;
  name: string;
  description?: string | null;
  group?: string;
  addOn?: boolean;
  autoEnable?: boolean;
  archived?: boolean;
  price?: { amount: number; interval: WirePlanPrice["interval"]; intervalCount?: number; additionalCurrencies?: Array<{ currency: string; amount: number }> };
  freeTrial?: { durationLength: number; durationType?: WireFreeTrial["duration_type"]; cardRequired?: boolean };
  items?: AtmnItem[];
}

const isPlan = (v: unknown): v is AtmnPlan =>
  typeof v === "object" && v !== null && "id" in v && "name" in v && ("items" in v || "price" in v || "autoEnable" in v || "addOn" in v) && !("type" in v);
const isFeature = (v: unknown): v is AtmnFeature =>
  typeof v === "object" && v !== null && "id" in v && "name" in v && "type" in v;

function item(i: AtmnItem): CatalogItemParams {
  return {
    feature_id: i.featureId,
    ...(i.included !== undefined ? { included: i.included } : {}),
    ...(i.unlimited !== undefined ? { unlimited: i.unlimited } : {}),
    ...(i.reset ? { reset: { interval: i.reset.interval, ...(i.reset.intervalCount !== undefined ? { interval_count: i.reset.intervalCount } : {}) } } : {}),
    ...(i.price
      ? {
          price: {
            ...(i.price.interval ? { interval: i.price.interval } : {}),
            billing_units: i.price.billingUnits ?? 1,
            billing_method: i.price.billingMethod ?? "prepaid",
            ...(i.price.amount !== undefined ? { amount: i.price.amount } : {}),
            ...(i.price.additionalCurrencies ? { additional_currencies: i.price.additionalCurrencies } : {}),
            ...(i.price.tiers ? { tiers: i.price.tiers } : {}),
            ...(i.price.intervalCount !== undefined ? { interval_count: i.price.intervalCount } : {}),
            ...(i.price.maxPurchase !== undefined ? { max_purchase: i.price.maxPurchase } : {}),
            ...(i.price.tierBehavior ? { tier_behavior: i.price.tierBehavior } : {}),
          },
        }
      : {}),
  };
}

export function catalogFromConfig(mod: Record<string, unknown>): CatalogBody {
  const values = Object.values(mod).flatMap((v) =>
    v && typeof v === "object" && ("features" in v || "plans" in v)
      ? [...((v as { features?: unknown[] }).features ?? []), ...((v as { plans?: unknown[] }).plans ?? [])]
      : [v]);
  const features: CatalogFeatureParams[] = values.filter(isFeature).map((f) => ({
    feature_id: f.id,
    name: f.name,
    type: f.type,
    ...(f.type === "metered" ? { consumable: Boolean(f.consumable) } : {}),
    ...(f.eventNames ? { event_names: f.eventNames } : {}),
    ...(f.creditSchema ? { credit_schema: f.creditSchema.map((c) => ({ metered_feature_id: c.meteredFeatureId, credit_cost: c.creditCost })) } : {}),
    ...(f.archived ? { archived: true } : {}),
  }));
  features.sort((a, b) => Number(a.type === "credit_system") - Number(b.type === "credit_system"));
  const plans: CatalogPlanParams[] = values.filter(isPlan).map((p) => ({
    plan_id: p.id,
    name: p.name,
    ...(p.description != null ? { description: p.description } : {}),
    group: p.group ?? "",
    add_on: p.addOn ?? false,
    auto_enable: p.autoEnable ?? false,
    ...(p.archived ? { archived: true } : {}),
    price: p.price
      ? { amount: p.price.amount, interval: p.price.interval, ...(p.price.additionalCurrencies ? { additional_currencies: p.price.additionalCurrencies } : {}) }
      : null,
    items: (p.items ?? []).map(item),
    free_trial: p.freeTrial
      ? {
          // As given, like atmn's sdkToApi: planContent (catalogNormalise.ts) defaults the unit and card_required.
          ...(p.freeTrial.durationType !== undefined ? { duration_type: p.freeTrial.durationType } : {}),
          duration_length: p.freeTrial.durationLength,
          ...(p.freeTrial.cardRequired !== undefined ? { card_required: p.freeTrial.cardRequired } : {}),
        }
      : null,
  }));
  return { features, plans, skip_deletions: false };
}

/** Import a config file (TypeScript works under tsx and vitest) and convert it. */
export async function loadCatalog(file: string): Promise<CatalogBody> {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  return catalogFromConfig(mod);
}
