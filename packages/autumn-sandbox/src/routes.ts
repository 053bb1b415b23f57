// The RPC route table: `POST /v1/<group>.<op>` → handler, each with a zod
// schema for its body so bad input is a 400 `invalid_inputs` with Autumn's
// error shape, never a crash (schemas other modules share, and `parse`, are
// in inputs.ts). Handlers are synchronous over in-memory state,
// which makes every call atomic (200 concurrent reservations cannot race).

import { z } from "zod";
import type { Ctx } from "./context.js";
import { badRequest, invalid } from "./errors.js";
import {
  applyCatalog, createFeature, createPlan, deletePlan, previewCatalog, type CatalogFeatureParams,
} from "./catalog.js";
import { planVersion, requireFeature } from "./catalogLookups.js";
import { renderFeature, renderPlan } from "./catalogRender.js";
import {
  deleteCustomer, getOrCreateCustomer, listCustomers, renderCustomer, requireCustomer, updateCustomer,
} from "./customers.js";
import { check, finalize, track, type CheckInput, type TrackInput } from "./metering.js";
import { createBalance, deleteBalance, updateBalance } from "./balanceEdits.js";
import { attach, previewAttach } from "./attach.js";
import { openPortal, previewUpdate, update, type UpdateInput } from "./billingUpdate.js";
import { setupPayment } from "./checkout.js";
import { createEntity, deleteEntity, getEntity, listEntities, renderEntity, updateEntity } from "./entities.js";
import { aggregateEvents, listEvents } from "./events.js";
import { settle } from "./subscriptions.js";
import { applyControls, parseControls, type ParsedControls } from "./controls.js";
import { customerEligibility } from "./eligibility.js";
import { evaluateTopups, setPurchaseCount } from "./topups.js";
import { listInvoices, payInvoice } from "./invoices.js";
import type { CustomerRecord, SandboxState } from "./state.js";
import type { StoredPlan } from "./wire.js";
import { renderRolloverConfig, storePlanRollovers, type PlanRolloverSource } from "./rollovers.js";
import { featureQuantities, featureType, id, parse, parseAttach, parseCatalogBody, parsePlan } from "./inputs.js";
import { autoCreateForMetering, versionedCheck, versionedCustomer, versionedTrack } from "./versions.js";

type Handler = (ctx: Ctx, body: Record<string, unknown>) => unknown;

const obj = z.record(z.string(), z.unknown());
const expand = z.array(z.string()).optional();
const lock = z.object({
  lock_id: id,
  enabled: z.boolean(),
  expires_at: z.number().nullish(),
  overage_behavior: z.enum(["reject", "cap", "overflow"]).optional(),
});

const customerInput = z.object({
  customer_id: id,
  name: z.string().nullish(),
  email: z.string().nullish(),
  fingerprint: z.string().nullish(),
  metadata: obj.nullish(),
  stripe_id: z.string().nullish(),
  send_email_receipts: z.boolean().optional(),
  currency: z.string().nullish(),
  auto_enable_plan_id: z.string().nullish(),
  billing_controls: z.unknown().optional(),
  expand,
}).loose();

const updateInput = z.object({
  customer_id: id,
  plan_id: z.string().optional(),
  subscription_id: z.string().optional(),
  cancel_action: z.enum(["cancel_immediately", "cancel_end_of_cycle", "uncancel"]).optional(),
  feature_quantities: featureQuantities.optional(),
  refund_last_payment: z.enum(["prorated", "full"]).optional(),
  no_billing_changes: z.boolean().optional(),
}).loose();

function noEntities(body: { entity_id?: string | null }): void {
  if (body.entity_id) throw invalid("The sandbox does not support entity-scoped plans");
}

export const ROUTES: Record<string, Handler> = {
  // ── customers ──
  "customers.get_or_create": (ctx, b) => {
    const input = parse(customerInput.extend({ customer_id: z.string().nullable() }), b);
    const controls = parseControls(input.billing_controls);
    const customerId = input.customer_id ?? `cus_${Math.random().toString(36).slice(2, 12)}`;
    const existed = Boolean(ctx.state.customers[customerId]);
    const customer = getOrCreateCustomer(ctx, { ...input, customer_id: customerId });
    if (!existed) controlsChanged(ctx, customer, controls);
    return versionedCustomer(ctx, renderCustomer(ctx, customer, input.expand ?? []));
  },
  "customers.get": (ctx, b) => {
    const input = parse(z.object({ customer_id: id, expand }).loose(), b);
    return versionedCustomer(ctx, renderCustomer(ctx, requireCustomer(ctx, input.customer_id), input.expand ?? []));
  },
  "customers.list": (ctx, b) => {
    const input = parse(z.object({
      start_cursor: z.string().optional(),
      limit: z.number().optional(),
      search: z.string().optional(),
      plans: z.array(z.object({ id, versions: z.array(z.number()).optional() })).optional(),
      subscription_status: z.string().optional(),
      sort_order: z.enum(["asc", "desc"]).optional(),
      created_at_range: z.object({ start: z.number().optional(), end: z.number().optional() }).optional(),
      expand,
    }).loose(), b);
    const page = listCustomers(ctx, input);
    return { list: page.list.map((c) => renderCustomer(ctx, c, input.expand ?? [])), next_cursor: page.next_cursor };
  },
  "customers.update": (ctx, b) => {
    const input = parse(customerInput.extend({ new_customer_id: z.string().optional() }), b);
    const controls = parseControls(input.billing_controls);
    const customer = updateCustomer(ctx, input);
    controlsChanged(ctx, customer, controls);
    return renderCustomer(ctx, customer, input.expand ?? []);
  },
  "customers.delete": (ctx, b) => {
    const input = parse(z.object({ customer_id: id }).loose(), b);
    deleteCustomer(ctx, input.customer_id);
    return { success: true };
  },
  "customers.advance_test_clock": (ctx, b) => advanceTestClock(ctx, b),
  // PR #3492's name for the same operation (§8); the 1.3.13 SDK calls the customers. one.
  "billing.advance_test_clock": (ctx, b) => advanceTestClock(ctx, b),

  // ── features and plans ──
  "features.list": (ctx) => ({ list: Object.values(ctx.state.features).map(renderFeature) }),
  "features.get": (ctx, b) => renderFeature(requireFeature(ctx.state, parse(z.object({ feature_id: id }).loose(), b).feature_id)),
  "features.create": (ctx, b) => {
    const input = parse(z.object({
      feature_id: id, name: z.string().min(1), type: featureType,
      consumable: z.boolean().optional(), event_names: z.array(z.string()).optional(),
      credit_schema: z.array(z.object({ metered_feature_id: id, credit_cost: z.number().positive() })).optional(),
      display: z.object({ singular: z.string(), plural: z.string() }).optional(),
    }).loose(), b);
    if (input.type === "metered" && input.consumable === undefined) throw invalid("consumable is required for metered features");
    return renderFeature(createFeature(ctx.state, input as CatalogFeatureParams));
  },
  "plans.list": (ctx, b) => {
    const input = parse(z.object({ customer_id: z.string().optional(), include_archived: z.boolean().optional(), all_versions: z.boolean().optional() }).loose(), b ?? {});
    const customer = input.customer_id ? requireCustomer(ctx, input.customer_id) : null;
    const list = Object.values(ctx.state.plans).flatMap((versions) => (input.all_versions ? versions : versions.slice(-1)))
      .filter((p) => input.include_archived || !p.archived)
      .map((p) => planOut(ctx, p, customer ? { customer_eligibility: customerEligibility(ctx, customer, p) } : {}));
    return { list };
  },
  "plans.get": (ctx, b) => {
    const input = parse(z.object({ plan_id: id, version: z.number().int().optional() }).loose(), b);
    return planOut(ctx, planVersion(ctx.state, input.plan_id, input.version));
  },
  "plans.create": (ctx, b) => {
    const input = parsePlan(b);
    const controls = parseControls(input.billing_controls);
    validateRollovers([input]);
    const plan = createPlan(ctx.state, input, ctx.now(), { multiCurrency: ctx.multiCurrency });
    setPlanControls(ctx, plan.id, controls);
    storePlanRollovers(ctx.state, [input]);
    return planOut(ctx, plan);
  },
  // Plan-level default billing controls (and plain renames) on an existing plan.
  "plans.update": (ctx, b) => {
    const input = parse(z.object({ plan_id: id, name: z.string().min(1).optional(), description: z.string().nullish(), billing_controls: z.unknown().optional() }).loose(), b);
    const controls = parseControls(input.billing_controls);
    const plan = planVersion(ctx.state, input.plan_id);
    if (input.name !== undefined) plan.name = input.name;
    if (input.description !== undefined) plan.description = input.description ?? null;
    setPlanControls(ctx, plan.id, controls);
    return planOut(ctx, plan);
  },
  "plans.delete": (ctx, b) => {
    const input = parse(z.object({ plan_id: id, all_versions: z.boolean().optional() }).loose(), b);
    return deletePlan(ctx.state, input.plan_id, input.all_versions ?? false);
  },
  "catalog.preview_update": (ctx, b) => previewCatalog(ctx.state, parseCatalogBody(b)),
  "catalog.update": (ctx, b) => {
    const body = parseCatalogBody(b);
    validateRollovers(body.plans);
    const preview = applyCatalog(ctx.state, body, ctx.now(), { multiCurrency: ctx.multiCurrency });
    // Stored for real once the catalog applied: a plan whose items no longer carry a rollover loses it.
    storePlanRollovers(ctx.state, body.plans);
    return { success: true, ...preview };
  },
  "rewards.list": () => ({ list: [] }),
  "referral_programs.list": () => ({ list: [] }),

  // ── balances ──
  "balances.check": (ctx, b) => { autoCreateForMetering(ctx, b); return versionedCheck(ctx, String(b.feature_id), check(ctx, parse(z.object({
    customer_id: id, feature_id: id, entity_id: z.string().nullish(), required_balance: z.number().optional(),
    properties: obj.optional(), send_event: z.boolean().optional(), lock: lock.optional(), with_preview: z.boolean().optional(),
  }).loose(), b) as CheckInput)); },
  "balances.track": (ctx, b) => {
    autoCreateForMetering(ctx, b);
    const input = parse(z.object({
      customer_id: id, feature_id: z.string().optional(), event_name: z.string().optional(), entity_id: z.string().nullish(),
      value: z.number().optional(), properties: obj.optional(), timestamp: z.number().optional(),
      overage_behavior: z.enum(["cap", "overflow", "reject"]).optional(), async: z.boolean().optional(), lock: lock.optional(),
      idempotency_key: z.string().optional(),
    }).loose(), b);
    const result = versionedTrack(ctx, input.feature_id, track(ctx, input as TrackInput));
    return input.async ? NO_CONTENT : result;
  },
  "balances.batch_track": (ctx, b) => {
    const list = parse(z.array(obj).max(1000), (b as { __array?: unknown }).__array ?? b);
    for (const item of list) ROUTES["balances.track"]?.(ctx, item);
    return ACCEPTED;
  },
  "balances.finalize": (ctx, b) => finalize(ctx, parse(z.object({
    lock_id: id, action: z.enum(["confirm", "release"]), override_value: z.number().optional(), properties: obj.optional(),
  }).loose(), b)),
  "balances.create": (ctx, b) => createBalance(ctx, parse(z.object({
    customer_id: id, feature_id: id, entity_id: z.string().nullish(), included_grant: z.number().optional(), unlimited: z.boolean().optional(),
    reset: z.object({ interval: z.string(), interval_count: z.number().optional() }).nullish(), expires_at: z.number().nullish(),
    next_reset_at: z.number().nullish(), balance_id: z.string().optional(),
  }).loose(), b)),
  "balances.update": (ctx, b) => updateBalance(ctx, parse(z.object({
    customer_id: id, feature_id: id, entity_id: z.string().nullish(), remaining: z.number().optional(), add_to_balance: z.number().optional(),
    usage: z.number().optional(), included_grant: z.number().optional(), interval: z.string().optional(), balance_id: z.string().optional(),
    next_reset_at: z.number().optional(),
  }).loose(), b)),
  "balances.delete": (ctx, b) => deleteBalance(ctx, parse(z.object({
    customer_id: id, feature_id: z.string().optional(), balance_id: z.string().optional(), interval: z.string().optional(),
  }).loose(), b)),

  // ── billing ──
  "billing.attach": (ctx, b) => {
    const i = parseAttach(b);
    noEntities(i);
    // customize.billing_controls: this customer's copy of the plan carries its own defaults (§1.1).
    const custom = parseControls(i.customize?.billing_controls);
    const before = new Set(ctx.state.customers[i.customer_id]?.products.map((p) => p.id) ?? []);
    const out = attach(ctx, i);
    if (custom) {
      const cp = ctx.state.customers[i.customer_id]?.products.find((p) => !before.has(p.id) && p.plan_id === i.plan_id);
      if (cp) {
        const holder = { billing_controls: { ...(ctx.state.plan_controls?.[cp.plan_id] ?? {}) } };
        applyControls(holder, custom);
        cp.billing_controls = holder.billing_controls;
      }
    }
    return out;
  },
  "billing.preview_attach": (ctx, b) => { const i = parseAttach(b); noEntities(i); return previewAttach(ctx, i); },
  "billing.update": (ctx, b) => update(ctx, parse(updateInput, b) as UpdateInput),
  "billing.preview_update": (ctx, b) => previewUpdate(ctx, parse(updateInput, b) as UpdateInput),
  "billing.open_customer_portal": (ctx, b) => openPortal(ctx, parse(z.object({ customer_id: id, return_url: z.string().nullish() }).loose(), b)),
  "billing.setup_payment": (ctx, b) => setupPayment(ctx, parse(z.object({ customer_id: id, success_url: z.string().nullish(), plan_id: z.string().optional() }).loose(), b)),

  "invoices.list": listInvoices, "invoices.pay": payInvoice, // invoices.ts (§5)

  // ── entities ──
  "entities.create": (ctx, b) => renderEntity(ctx, createEntity(ctx, parse(z.object({ customer_id: id, entity_id: id, feature_id: id, name: z.string().nullish(), billing_controls: z.unknown().optional() }).loose(), b)), { created: true }),
  "entities.get": (ctx, b) => renderEntity(ctx, getEntity(ctx, parse(z.object({ customer_id: z.string().optional(), entity_id: id }).loose(), b))),
  "entities.list": (ctx, b) => {
    const page = listEntities(ctx, parse(z.object({ customer_id: z.string().optional(), start_cursor: z.string().optional(), limit: z.number().int().min(1).max(5000).optional() }).loose(), b));
    return { list: page.list.map((e) => renderEntity(ctx, e)), next_cursor: page.next_cursor };
  },
  "entities.update": (ctx, b) => renderEntity(ctx, updateEntity(ctx, parse(z.object({ customer_id: z.string().optional(), entity_id: id, name: z.string().nullish(), billing_controls: z.unknown().optional() }).loose(), b))),
  "entities.delete": (ctx, b) => { deleteEntity(ctx, parse(z.object({ customer_id: z.string().optional(), entity_id: id }).loose(), b)); return { success: true }; },

  // ── events ──
  "events.list": (ctx, b) => listEvents(ctx, parse(z.object({
    start_cursor: z.string().optional(), limit: z.number().optional(), customer_id: z.string().optional(), entity_id: z.string().optional(),
    feature_id: z.union([z.string(), z.array(z.string())]).optional(), custom_range: z.object({ start: z.number().optional(), end: z.number().optional() }).optional(),
  }).loose(), b)),
  "events.aggregate": (ctx, b) => aggregateEvents(ctx, parse(z.object({
    customer_id: z.string().optional(), entity_id: z.string().optional(), feature_id: z.union([z.string(), z.array(z.string())]),
    range: z.string().optional(), custom_range: z.object({ start: z.number(), end: z.number() }).optional(),
    bin_size: z.enum(["hour", "day", "week", "month"]).optional(),
  }).loose(), b)),
};

function setPlanControls(ctx: Ctx, planId: string, controls: ParsedControls | undefined): void {
  if (!controls) return;
  const holder = { billing_controls: ctx.state.plan_controls?.[planId] };
  applyControls(holder, controls);
  (ctx.state.plan_controls ??= {})[planId] = holder.billing_controls ?? {};
}

/** A plan as returned, plus its default billing_controls and item rollover configs (kept beside the catalog). */
function planOut(ctx: Ctx, plan: StoredPlan, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const controls = ctx.state.plan_controls?.[plan.id];
  const out = renderPlan(plan, { ...(controls ? { billing_controls: controls } : {}), ...extra });
  const items = out.items as Array<Record<string, unknown>> | undefined;
  if (items && ctx.state.plan_rollovers?.[plan.id]) {
    out.items = items.map((i) => {
      const r = renderRolloverConfig(ctx.state, plan.id, String(i.feature_id));
      return r ? { ...i, rollover: r } : i;
    });
  }
  return out;
}

/** Item rollover configs of plan bodies, validated before anything changes. */
function validateRollovers(plans: readonly PlanRolloverSource[]): void {
  storePlanRollovers({ plan_rollovers: {} }, plans); // throws on a bad rollover before anything is applied
}

/** Store customer-level controls sent on create/update (controls.ts). */
function controlsChanged(ctx: Ctx, c: CustomerRecord, controls: ParsedControls | undefined): void {
  if (!controls) return;
  applyControls(c, controls);
  if (controls.auto_topups) {
    setPurchaseCount(ctx, c, controls.auto_topups);
    evaluateTopups(ctx, c);
  }
}

/** Sentinels for bodiless answers. */
export const NO_CONTENT = Symbol("204");
export const ACCEPTED = Symbol("202");

/** customers.advance_test_clock / billing.advance_test_clock: moves the customer's clock (rounded down to seconds) and runs what falls due. */
function advanceTestClock(ctx: Ctx, b: Record<string, unknown>): Record<string, unknown> {
  const input = parse(z.object({ customer_id: id, frozen_time: z.number() }).loose(), b);
  const c = requireCustomer(ctx, input.customer_id);
  const target = Math.floor(input.frozen_time / 1000) * 1000;
  if (target <= ctx.now(c)) throw badRequest("frozen_time must be later than the test clock's current time");
  c.clock_offset_ms += target - ctx.now(c);
  settle(ctx, c);
  return { customer_id: c.id, frozen_time: ctx.now(c), status: "ready" };
}
