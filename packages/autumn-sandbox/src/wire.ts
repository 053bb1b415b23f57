// Wire shapes of Autumn's 2.x API (autumn-api.md §3), as the sandbox stores
// and returns them. Catalog objects are kept in this shape so plans.get /
// features.list can return them with only computed fields added.

export type FeatureType = "boolean" | "metered" | "credit_system" | "ai_credit_system";

export interface CreditSchemaEntry {
  metered_feature_id: string;
  credit_cost: number;
}

export interface WireFeature {
  id: string;
  name: string;
  type: FeatureType;
  consumable: boolean;
  event_names: string[];
  credit_schema?: CreditSchemaEntry[];
  display?: { singular: string; plural: string };
  archived: boolean;
}

export type ResetIntervalName =
  | "one_off" | "minute" | "hour" | "day" | "week" | "month" | "quarter" | "semi_annual" | "year";

export interface AdditionalCurrency {
  currency: string;
  amount: number;
}

export interface WireItemPrice {
  amount?: number;
  tiers?: Array<{ to: number | "inf"; amount: number; flat_amount?: number }>;
  tier_behavior?: "graduated" | "volume";
  interval?: ResetIntervalName;
  interval_count?: number;
  billing_units: number;
  billing_method: "prepaid" | "usage_based";
  max_purchase: number | null;
  additional_currencies?: AdditionalCurrency[];
}

export interface WirePlanItem {
  feature_id: string;
  included: number;
  unlimited: boolean;
  reset: { interval: ResetIntervalName; interval_count?: number } | null;
  price: WireItemPrice | null;
}

export interface WirePlanPrice {
  amount: number;
  interval: "one_off" | "week" | "month" | "quarter" | "semi_annual" | "year";
  interval_count?: number;
  additional_currencies?: AdditionalCurrency[];
}

export interface WireFreeTrial {
  duration_length: number;
  duration_type: "day" | "month" | "year";
  card_required: boolean;
  on_end?: "bill" | "revert";
}

/** One stored version of a plan. */
export interface StoredPlan {
  id: string;
  name: string;
  description: string | null;
  group: string | null;
  version: number;
  add_on: boolean;
  auto_enable: boolean;
  price: WirePlanPrice | null;
  items: WirePlanItem[];
  free_trial: WireFreeTrial | null;
  created_at: number;
  archived: boolean;
}
