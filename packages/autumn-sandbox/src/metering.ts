// Usage: balances.check (with send_event, lock and with_preview),
// balances.track (negative values, cap/overflow, event_name fan-out),
// reservations and balances.finalize, and the events they record for
// events.list / events.aggregate. The paywall preview is in paywall.ts,
// direct balance edits in balanceEdits.ts.

import type { Ctx } from "./context.js";
import { ApiError, badRequest, invalid, notFound } from "./errors.js";
import { requireFeature } from "./catalogLookups.js";
import { getOrCreateCustomer, requireCustomer } from "./customers.js";
import { giveBack, refund, type Taken } from "./ledger.js";
import { grantsInOrder } from "./grants.js";
import { renderBalance, renderFlag } from "./balances.js";
import { decide, deductUnderControls, type Behaviour } from "./enforcement.js";
import { fireTrackWebhooks, snapshot } from "./alerts.js";
import { evaluateTopups } from "./topups.js";
import { nextId, type CustomerRecord, type EntityRecord, type Grant, type LockRecord } from "./state.js";
import { paywall } from "./paywall.js";

export interface LockInput {
  lock_id: string;
  enabled: boolean;
  expires_at?: number | null;
  overage_behavior?: "reject" | "cap" | "overflow";
}

/**
 * check/track's customer. API < 2.1 (e.g. `x-api-version: 2.0.0` or a legacy
 * `1.2`) creates an unknown customer with its default plans; 2.1+ (and no
 * header, i.e. a new organisation's default) answers 404 (#16, §4.11).
 */
function meteringCustomer(ctx: Ctx, customerId: string): CustomerRecord {
  const m = /^(\d+)(?:\.(\d+))?/.exec(ctx.apiVersion?.trim() ?? "");
  const autoCreates = m !== null && (Number(m[1]) < 2 || (Number(m[1]) === 2 && Number(m[2] ?? 0) < 1));
  if (autoCreates && !ctx.state.customers[customerId]) return getOrCreateCustomer(ctx, { customer_id: customerId });
  return requireCustomer(ctx, customerId);
}

export function requireEntity(ctx: Ctx, customerId: string, entityId: string | null | undefined): string | null {
  if (!entityId) return null;
  const e = ctx.state.entities[`${customerId}/${entityId}`];
  if (!e) throw notFound.entity(entityId);
  return entityId;
}

/** The balance to report for `featureId`: its own, else the credit system paying for it. */
function reportedBalance(ctx: Ctx, c: CustomerRecord, featureId: string, now: number): Record<string, unknown> | null {
  const own = renderBalance(ctx.state, c, featureId, now);
  if (own) return own;
  const viaCredit = grantsInOrder(ctx.state, c, featureId, now).find((g) => g.feature_id !== featureId);
  return viaCredit ? renderBalance(ctx.state, c, viaCredit.feature_id, now) : null;
}

function involvedBalances(ctx: Ctx, c: CustomerRecord, featureId: string, now: number): Record<string, unknown> {
  const ids = new Set(grantsInOrder(ctx.state, c, featureId, now).map((g) => g.feature_id));
  const out: Record<string, unknown> = {};
  for (const id of ids) out[id] = renderBalance(ctx.state, c, id, now);
  return out;
}

function renderDeductions(ctx: Ctx, c: CustomerRecord, taken: Taken[]): Array<Record<string, unknown>> {
  return taken.filter((t) => t.amount !== 0).map((t) => {
    const g = c.grants.find((x) => x.id === t.grant_id) as Grant;
    return {
      balance_id: t.grant_id,
      feature_id: g.feature_id,
      plan_id: g.plan_id,
      reset: g.reset && g.next_reset_at !== null ? { interval: g.reset.interval, interval_count: g.reset.interval_count, resets_at: g.next_reset_at } : null,
      value: t.amount,
    };
  });
}

function recordEvent(ctx: Ctx, c: CustomerRecord, featureId: string, entityId: string | null, value: number, at: number, properties: Record<string, unknown>, taken: Taken[]): void {
  ctx.state.events.push({
    id: nextId(ctx.state, "evt"),
    customer_id: c.id,
    entity_id: entityId,
    feature_id: featureId,
    value,
    timestamp: at,
    properties,
    deductions: renderDeductions(ctx, c, taken),
  });
}

function entityOf(ctx: Ctx, c: CustomerRecord, entityId: string | null): EntityRecord | null {
  return entityId ? ctx.state.entities[`${c.id}/${entityId}`] ?? null : null;
}

function newLock(ctx: Ctx, c: CustomerRecord, featureId: string, entityId: string | null, lock: LockInput, taken: Taken[], value: number, behaviour: LockRecord["overage_behavior"], properties: Record<string, unknown>): void {
  ctx.state.locks[lock.lock_id] = {
    lock_id: lock.lock_id,
    customer_id: c.id,
    feature_id: featureId,
    entity_id: entityId,
    taken,
    value,
    overage_behavior: behaviour,
    expires_at: lock.expires_at ?? null,
    status: "held",
    properties,
  };
}

// ── check ──────────────────────────────────────────────────────────────────

export interface CheckInput {
  customer_id: string;
  feature_id: string;
  entity_id?: string | null;
  required_balance?: number;
  properties?: Record<string, unknown>;
  send_event?: boolean;
  lock?: LockInput;
  with_preview?: boolean;
}

export function check(ctx: Ctx, input: CheckInput): Record<string, unknown> {
  const feature = requireFeature(ctx.state, input.feature_id);
  const c = meteringCustomer(ctx, input.customer_id);
  const entityId = requireEntity(ctx, c.id, input.entity_id);
  const now = ctx.now(c);
  const required = input.required_balance ?? 1;
  const base = { customer_id: c.id, entity_id: entityId, required_balance: required };

  if (feature.type === "boolean") {
    const flag = renderFlag(ctx.state, c, feature.id, now);
    return { allowed: flag !== null, ...base, balance: null, flag, ...(flag === null && input.with_preview ? { preview: paywall(ctx, c, feature.id, "feature_flag") } : {}) };
  }

  const entity = entityOf(ctx, c, entityId);
  const props = input.properties;
  let allowed = decide(ctx, c, entity, feature.id, required, props, now).allowed;
  const lock = input.lock?.enabled ? input.lock : undefined;
  if (lock) {
    if (ctx.state.locks[lock.lock_id]) throw new ApiError(409, "lock_already_exists", `Lock ${lock.lock_id} already exists`);
    const behaviour = lock.overage_behavior ?? "reject";
    if (allowed || behaviour !== "reject") {
      // A lock takes the units from the balance and from the window headroom (§12.7).
      const taken = deductUnderControls(ctx, c, entity, feature.id, required, behaviour === "overflow" ? "overflow" : "cap", props, now);
      const got = taken.reduce((s, t) => s + t.amount, 0);
      allowed = allowed || got > 0;
      newLock(ctx, c, feature.id, entityId, lock, taken, required, behaviour, input.properties ?? {});
    }
  } else if (input.send_event && allowed && required > 0) {
    // check + send_event is a track in reject mode: all or nothing (§1.5).
    const before = snapshot(ctx, c, entity, feature.id, props, now);
    let taken: Taken[] | null = null;
    try {
      taken = deductUnderControls(ctx, c, entity, feature.id, required, "reject", props, now);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 400) throw err;
      allowed = false;
    }
    if (taken) {
      recordEvent(ctx, c, feature.id, entityId, required, now, input.properties ?? {}, taken);
      fireTrackWebhooks(ctx, c, entity, feature.id, before, taken, props, now);
    }
  }
  const balance = reportedBalance(ctx, c, feature.id, now);
  const balances = involvedBalances(ctx, c, feature.id, now);
  evaluateTopups(ctx, c); // check triggers an auto top-up evaluation (§1.9); this answer predates it
  return {
    allowed,
    ...base,
    balance,
    flag: null,
    balances,
    ...(!allowed && input.with_preview ? { preview: paywall(ctx, c, feature.id, "usage_limit") } : {}),
  };
}

// ── track ──────────────────────────────────────────────────────────────────

export interface TrackInput {
  customer_id: string;
  feature_id?: string;
  event_name?: string;
  entity_id?: string | null;
  value?: number;
  properties?: Record<string, unknown>;
  timestamp?: number;
  overage_behavior?: Behaviour;
  lock?: LockInput;
}

export function track(ctx: Ctx, input: TrackInput): Record<string, unknown> {
  if (!input.feature_id && !input.event_name) throw invalid("Either feature_id or event_name is required");
  if (input.overage_behavior === "reject" && input.event_name) throw badRequest("overage_behavior 'reject' cannot be used with event_name");
  const c = meteringCustomer(ctx, input.customer_id);
  const entityId = requireEntity(ctx, c.id, input.entity_id);
  const now = ctx.now(c);
  const value = input.value ?? 1;
  if (!Number.isFinite(value)) throw invalid("value must be a finite number");
  const featureIds = input.feature_id
    ? [requireFeature(ctx.state, input.feature_id).id]
    : Object.values(ctx.state.features).filter((f) => f.event_names.includes(input.event_name as string)).map((f) => f.id);
  if (featureIds.length === 0) throw notFound.feature(input.event_name as string);
  const entity = entityOf(ctx, c, entityId);
  const props = input.properties;

  let taken: Taken[] = [];
  for (const featureId of featureIds) {
    const feature = requireFeature(ctx.state, featureId);
    if (feature.type === "boolean") continue;
    let t: Taken[];
    if (input.lock?.enabled) {
      if (ctx.state.locks[input.lock.lock_id]) throw new ApiError(409, "lock_already_exists", `Lock ${input.lock.lock_id} already exists`);
      t = deductUnderControls(ctx, c, entity, featureId, Math.max(0, value), "cap", props, now);
      newLock(ctx, c, featureId, entityId, input.lock, t, value, "cap", input.properties ?? {});
    } else if (value >= 0) {
      const before = snapshot(ctx, c, entity, featureId, props, now);
      t = deductUnderControls(ctx, c, entity, featureId, value, input.overage_behavior ?? "cap", props, now);
      recordEvent(ctx, c, featureId, entityId, value, input.timestamp ?? now, input.properties ?? {}, t);
      if (value > 0) fireTrackWebhooks(ctx, c, entity, featureId, before, t, props, now);
    } else {
      t = refund(ctx.state, c, featureId, -value, now);
      recordEvent(ctx, c, featureId, entityId, value, input.timestamp ?? now, input.properties ?? {}, t);
    }
    taken = taken.concat(t);
  }
  const primary = featureIds[0] as string;
  const boolean = ctx.state.features[primary]?.type === "boolean";
  const out = {
    customer_id: c.id,
    ...(entityId ? { entity_id: entityId } : {}),
    ...(input.event_name ? { event_name: input.event_name } : {}),
    value,
    balance: boolean ? null : reportedBalance(ctx, c, primary, now),
    deductions: renderDeductions(ctx, c, taken),
  };
  // Auto top-ups run after the track (§1.9); the answer shows the balance the track left.
  if (value > 0) evaluateTopups(ctx, c);
  return out;
}

// ── finalize ───────────────────────────────────────────────────────────────

export interface FinalizeInput {
  lock_id: string;
  action: "confirm" | "release";
  override_value?: number;
  properties?: Record<string, unknown>;
}

export function finalize(ctx: Ctx, input: FinalizeInput): { success: true } {
  const lock = ctx.state.locks[input.lock_id];
  if (!lock) throw badRequest(`Lock not found for ID: ${input.lock_id}`);
  if (input.action === "release" && input.override_value !== undefined) throw invalid("override_value cannot be used with action: release");
  const c = requireCustomer(ctx, lock.customer_id);
  if (lock.status !== "held") throw new ApiError(409, "invalid_request", `Lock ${input.lock_id} is already ${lock.status}`);
  const now = ctx.now(c);
  if (input.action === "release") {
    giveBack(c, lock.taken);
    lock.status = "released";
    return { success: true };
  }
  const held = lock.taken.reduce((s, t) => s + t.amount, 0);
  let final = lock.taken;
  let value = lock.value;
  if (input.override_value !== undefined) {
    value = input.override_value;
    const heldUnits = lock.value;
    const diff = input.override_value - heldUnits;
    if (diff > 0) {
      final = final.concat(deductUnderControls(ctx, c, entityOf(ctx, c, lock.entity_id), lock.feature_id, diff, lock.overage_behavior === "overflow" ? "overflow" : "cap", lock.properties, now));
    } else if (diff < 0 && held > 0) {
      const back = giveBack(c, lock.taken, Math.min(1, -diff / heldUnits));
      final = lock.taken.map((t) => ({ ...t, amount: t.amount + (back.find((b) => b.grant_id === t.grant_id)?.amount ?? 0) }));
    }
  }
  lock.status = "confirmed";
  recordEvent(ctx, c, lock.feature_id, lock.entity_id, value, now, { ...lock.properties, ...(input.properties ?? {}) }, final);
  return { success: true };
}
