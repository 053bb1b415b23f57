// Checked request bodies that more than routes.ts needs: `parse` (a zod
// failure is Autumn's 400 invalid_inputs, as its errorSkipMiddleware answers
// a body that fails the route's schema), the plan and catalog bodies
// (plans.create, catalog.update/preview_update), the attach body (the route,
// and checkout.ts replaying a paid session's stored body), the
// /sandbox/faults body, and the schema pieces routes.ts shares (id,
// featureType, featureQuantities). Each schema's output type is checked against the
// interface the handlers take, so no handler sees an unchecked cast.

import { z } from "zod";
import { invalid } from "./errors.js";
import type { AttachInput } from "./attach.js";
import type { CatalogBody, CatalogPlanParams } from "./catalog.js";
import type { FaultInput } from "./faults.js";

export function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body);
  if (!r.success) {
    throw invalid(r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  }
  return r.data;
}

export const id = z.string().min(1);
export const featureType = z.enum(["boolean", "metered", "credit_system", "ai_credit_system"]);
/** feature_quantities as attach and billing.update take it. */
export const featureQuantities = z.array(z.object({ feature_id: id, quantity: z.number().min(0) }).loose());
const resetInterval = z.enum(["one_off", "minute", "hour", "day", "week", "month", "quarter", "semi_annual", "year"]);
const additionalCurrency = z.object({ currency: z.string().min(1), amount: z.number() }).loose();

// ── Plans (CatalogPlanParams: the fields catalogNormalise.ts reads; the rest pass through) ──

/** UsageTierSchema: amount or flat_amount (or both); a missing amount is 0. */
const tier = z.object({ to: z.union([z.number(), z.literal("inf")]), amount: z.number().optional(), flat_amount: z.number().optional() }).loose()
  .refine((t) => t.amount !== undefined || t.flat_amount !== undefined, { message: "Either amount or flat_amount, or both must be defined" })
  .transform((t) => ({ ...t, amount: t.amount ?? 0 }));

const itemPrice = z.object({
  amount: z.number().optional(),
  tiers: z.array(tier).optional(),
  tier_behavior: z.enum(["graduated", "volume"]).optional(),
  interval: resetInterval.optional(),
  interval_count: z.number().optional(),
  billing_units: z.number().optional(),
  billing_method: z.enum(["prepaid", "usage_based"]).optional(),
  max_purchase: z.number().nullable().optional(),
  additional_currencies: z.array(additionalCurrency).optional(),
}).loose();

const planItem = z.object({
  feature_id: id,
  included: z.number().optional(),
  unlimited: z.boolean().optional(),
  reset: z.object({ interval: resetInterval, interval_count: z.number().optional() }).loose().nullish(),
  price: itemPrice.nullish(),
  /** Checked in detail by rollovers.ts (storePlanRollovers). */
  rollover: z.unknown().optional(),
}).loose();

const planPrice = z.object({
  amount: z.number(),
  interval: z.enum(["one_off", "week", "month", "quarter", "semi_annual", "year"]),
  interval_count: z.number().optional(),
  additional_currencies: z.array(additionalCurrency).optional(),
}).loose();

/** A plan's free trial as plans and atmn send it: planContent defaults the unit and card_required. */
const planFreeTrial = z.object({
  duration_length: z.number(),
  duration_type: z.enum(["day", "month", "year"]).optional(),
  card_required: z.boolean().optional(),
  on_end: z.enum(["bill", "revert"]).optional(),
}).loose();

const catalogPlan = z.object({
  plan_id: id,
  name: z.string().min(1),
  description: z.string().nullish(),
  group: z.string().nullish(),
  add_on: z.boolean().optional(),
  auto_enable: z.boolean().optional(),
  price: planPrice.nullish(),
  items: z.array(planItem).optional(),
  free_trial: planFreeTrial.nullish(),
  archived: z.boolean().optional(),
  disable_version: z.boolean().optional(),
}).loose();

const catalogFeature = z.object({
  feature_id: id,
  name: z.string(),
  type: featureType,
  consumable: z.boolean().optional(),
  event_names: z.array(z.string()).optional(),
  credit_schema: z.array(z.object({ metered_feature_id: id, credit_cost: z.number() }).loose()).optional(),
  display: z.object({ singular: z.string(), plural: z.string() }).loose().optional(),
  archived: z.boolean().optional(),
}).loose();

const catalogBodySchema = z.object({
  features: z.array(catalogFeature).default([]),
  plans: z.array(catalogPlan).default([]),
  skip_deletions: z.boolean().optional(),
  skip_feature_ids: z.array(z.string()).optional(),
  skip_plan_ids: z.array(z.string()).optional(),
}).loose();

/** catalog.update / catalog.preview_update body; skip_deletions defaults to true (the server's default). */
export function parseCatalogBody(b: unknown): CatalogBody {
  const body = parse(catalogBodySchema, b);
  return { ...body, skip_deletions: body.skip_deletions ?? true };
}

/** plans.create body (billing_controls is parsed by controls.ts). */
export function parsePlan(b: unknown): CatalogPlanParams & { billing_controls?: unknown } {
  return parse(catalogPlan.extend({ billing_controls: z.unknown().optional() }), b);
}

// ── Attach ──

/** customize.free_trial as Autumn takes it (FreeTrialParamsV1Schema: the unit defaults to month, card_required to true). */
const attachFreeTrial = z.object({
  duration_length: z.number(),
  duration_type: z.enum(["day", "month", "year"]).default("month"),
  card_required: z.boolean().default(true),
  on_end: z.enum(["bill", "revert"]).optional(),
}).loose();

const attachInput = z.object({
  customer_id: id,
  plan_id: id,
  version: z.number().int().optional(),
  feature_quantities: featureQuantities.optional(),
  customize: z.object({ free_trial: attachFreeTrial.nullish(), billing_controls: z.unknown().optional() }).loose().nullish(),
  redirect_mode: z.enum(["always", "if_required", "never"]).optional(),
  plan_schedule: z.enum(["immediate", "end_of_cycle"]).optional(),
  success_url: z.string().nullish(),
  no_billing_changes: z.boolean().optional(),
  currency: z.string().optional(),
  entity_id: z.string().nullish(),
}).loose();

type AttachBody = z.infer<typeof attachInput> & AttachInput;

export function parseAttach(b: unknown): AttachBody {
  return parse(attachInput, b);
}

// ── /sandbox/faults ──

const faultInput = z.object({
  route: z.string().min(1).optional(),
  mode: z.enum(["error", "rate_limit", "latency", "drop_response", "disconnect"]),
  status: z.number().int().min(100).max(599).optional(),
  retry_after_s: z.number().min(0).optional(),
  latency_ms: z.number().min(0).optional(),
  count: z.number().int().min(1).optional(),
}).strict();

export function parseFault(b: unknown): FaultInput {
  return parse(faultInput, b);
}
