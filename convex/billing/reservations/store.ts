// Every write to a reservation row, each one a transaction that moves the row
// with machine.transition and, in the same transaction, does what that step
// implies locally: cache the balances Autumn reported, count a granted lock in
// the cached usage-limit windows (controls.ts), give units back on release,
// add settled units to the usage ledger, schedule the background settler.
import { v, type Infer } from "convex/values";
import { internal } from "../../_generated/api";
import type { Doc } from "../../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../../_generated/server";
import { loadCustomerDoc, loadFeatures } from "../cache";
import { withTrackedUsage } from "../controls";
import { creditSystemsFor } from "../entitlements";
import { detectCrossings } from "../notifications";
import { billingError } from "../errors";
import { balance as balanceValidator, type Balance } from "../schema";
import { addToLedger } from "./ledger";
import { isAbandoned, OPEN_STATES, tryTransition, type ReservationEvent, type ReservationState } from "./machine";
import { balanceDelta, creditCost, reservationState, type BalanceDelta } from "./schema";
import { leaseEligible, LEASE_TAKE_MS, takeFromLease } from "./lease";

const MAX_ATTEMPTS_PER_KEY = 20;

export type Row = Doc<"billingReservations">;

export async function rowByLockId(ctx: QueryCtx, lockId: string): Promise<Row | null> {
  return ctx.db.query("billingReservations").withIndex("by_lockId", (q) => q.eq("lockId", lockId)).unique();
}

/** The machine's view of a row (rows from before the state machine: held = reserved, confirmed = settled). */
export function machineState(state: Row["state"]): ReservationState {
  return state === "held" ? "reserved" : state === "confirmed" ? "settled" : state;
}

// ── the customer cache ───────────────────────────────────────────────────────

export async function writeBalanceSnapshot(ctx: MutationCtx, organizationId: string, balances: readonly Balance[]): Promise<boolean> {
  const doc = await loadCustomerDoc(ctx, organizationId);
  if (!doc) return false;
  if (balances.length === 0) return true;
  const byId = new Map(doc.balances.map((b) => [b.featureId, b]));
  for (const b of balances) byId.set(b.featureId, b);
  const next = [...byId.values()].sort((a, b) => a.featureId.localeCompare(b.featureId));
  await ctx.db.patch(doc._id, { balances: next });
  await detectCrossings(ctx, organizationId, doc.balances, next, doc.billingControls); // usage alerts without a webhook (notifications.ts)
  return true;
}

async function giveBackInCache(ctx: MutationCtx, organizationId: string, deltas: readonly BalanceDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const doc = await loadCustomerDoc(ctx, organizationId);
  if (!doc) return;
  const balances = doc.balances.map((b) => {
    const d = deltas.find((x) => x.featureId === b.featureId);
    if (!d) return b;
    return { ...b, usage: Math.max(0, b.usage - d.giveBack), remaining: b.unlimited ? b.remaining : b.remaining + d.giveBack };
  });
  await ctx.db.patch(doc._id, { balances });
}

/** A granted lock takes usage-limit window headroom at Autumn (§1.5): the cached window counters grow with it (controls.ts). */
export async function countInUsageWindows(ctx: MutationCtx, organizationId: string, row: Pick<Row, "featureId" | "units"> | null): Promise<void> {
  const doc = await loadCustomerDoc(ctx, organizationId);
  if (!doc?.billingControls || doc.billingControls.usageLimits.length === 0 || !row) return;
  const costs = creditSystemsFor(await loadFeatures(ctx), row.featureId);
  await ctx.db.patch(doc._id, { billingControls: withTrackedUsage(doc.billingControls, row.featureId, row.units, costs, Date.now()) });
}

/** Balances Autumn reported outside a reservation (a seat given back: seats.ts), into the cache. */
export const writeBalances = internalMutation({
  args: { organizationId: v.string(), balances: v.array(balanceValidator) },
  returns: v.null(),
  handler: async (ctx, { organizationId, balances }) => {
    await writeBalanceSnapshot(ctx, organizationId, balances);
    return null;
  },
});

// ── claim ────────────────────────────────────────────────────────────────────

/** A lease row this call should open in Autumn (alongside its own reserve, or while its work runs). */
const leaseToOpen = v.union(v.object({ lockId: v.string(), units: v.number() }), v.null());
const claimResult = v.union(
  v.object({ kind: v.literal("claimed"), lockId: v.string(), creditCosts: v.array(creditCost), openLease: leaseToOpen }),
  /** Units taken from a lease: the row is already reserved, no Autumn call before the work. */
  v.object({ kind: v.literal("leased"), lockId: v.string(), leaseLockId: v.string(), expiresAt: v.number(), creditCosts: v.array(creditCost), openLease: leaseToOpen }),
  v.object({ kind: v.literal("duplicate"), lockId: v.string() }),
  v.object({ kind: v.literal("in_flight"), lockId: v.string() }),
);

/**
 * Claim the row for an operation (serialised by Convex, so two tries of one
 * key cannot both reserve). A key whose work ran (work_done or settled) is a
 * duplicate — also while its confirm is still pending or its lock expired, so
 * the work never runs twice; a key with a live row is in flight; a key whose
 * earlier attempts were released gets a fresh lock id (`…#n`).
 */
export const claim = internalMutation({
  args: {
    organizationId: v.string(), featureId: v.string(), units: v.number(), baseLockId: v.string(), expiresAt: v.number(),
    /** Try to take the units from a lease (features with headroom). */
    lease: v.optional(v.boolean()),
  },
  returns: claimResult,
  handler: (ctx, args) => claimRow(ctx, args),
});

export type ClaimArgs = { organizationId: string; featureId: string; units: number; baseLockId: string; expiresAt: number; lease?: boolean };
export type ClaimResult = Infer<typeof claimResult>;

/** `claim`, inside the caller's transaction (also the work's own mutation: ../meteredWork.ts). */
export async function claimRow(ctx: MutationCtx, { organizationId, featureId, units, baseLockId, expiresAt, lease }: ClaimArgs): Promise<ClaimResult> {
  const now = Date.now();
  // Every lock id of this key: the base, then `base#2`, `base#3`… ("$" sorts right after "#"). The base row is
  // always the first try, so a key without it has no tries at all: one point lookup in the common case.
  const tries = (await rowByLockId(ctx, baseLockId)) === null ? [] : (await ctx.db.query("billingReservations")
    .withIndex("by_lockId", (q) => q.gte("lockId", baseLockId).lt("lockId", `${baseLockId}$`))
    .take(MAX_ATTEMPTS_PER_KEY + 10))
    .filter((row) => row.lockId === baseLockId || row.lockId.startsWith(`${baseLockId}#`));
  const ran = tries.find((row) => ["work_done", "settled"].includes(machineState(row.state)));
  if (ran) return { kind: "duplicate" as const, lockId: ran.lockId };
  for (const row of tries) {
    const state = machineState(row.state);
    if (state === "reserved" && !row.leaseLockId && now >= row.expiresAt) {
      // Autumn let this lock go and the work was never recorded done: the key may run again.
      await ctx.db.patch(row._id, { state: "expired", outcome: "expired", updatedAt: now, settledAt: now });
      continue;
    }
    if (OPEN_STATES.includes(state)) return { kind: "in_flight" as const, lockId: row.lockId };
  }
  if (tries.length >= MAX_ATTEMPTS_PER_KEY) throw billingError("CONFLICT", "Too many attempts with one idempotency key", { featureId });
  const lockId = tries.length === 0 ? baseLockId : `${baseLockId}#${tries.length + 1}`;
  const base = { organizationId, featureId, lockId, units, createdAt: now, updatedAt: now, settledAt: null, outcome: null };
  let openLease: { lockId: string; units: number } | null = null;
  const block = lease ? await leaseEligible(ctx, organizationId, featureId, units) : null;
  if (block !== null) {
    const taken = await takeFromLease(ctx, { organizationId, featureId, units, now, expiresAt, block });
    if (taken.kind === "taken") {
      // claimed → reserved in one transaction (lease_taken): nothing is asked of Autumn in between.
      await ctx.db.insert("billingReservations", { ...base, state: "reserved", expiresAt: taken.expiresAt, leaseLockId: taken.leaseLockId });
      return { kind: "leased" as const, lockId, leaseLockId: taken.leaseLockId, expiresAt: taken.expiresAt, creditCosts: [], openLease: taken.refill };
    }
    if (taken.kind === "open") openLease = taken.lease;
  }
  await ctx.db.insert("billingReservations", { ...base, state: "claimed", expiresAt });
  // Credit costs only matter for a refusal's "remaining" (plain reserves): leased calls skip the catalog read.
  return { kind: "claimed" as const, lockId, creditCosts: creditSystemsFor(await loadFeatures(ctx), featureId), openLease };
}

// ── advance ──────────────────────────────────────────────────────────────────

const eventValidator = v.union(
  v.object({ type: v.literal("begin_reserve") }),
  v.object({ type: v.literal("reserve_ok") }),
  v.object({ type: v.literal("reserve_denied") }),
  v.object({ type: v.literal("reserve_refused") }),
  v.object({ type: v.literal("reserve_lost") }),
  v.object({ type: v.literal("work_ok"), failOpen: v.optional(v.boolean()) }),
  v.object({ type: v.literal("released") }),
  v.object({ type: v.literal("lock_expired") }),
  v.object({ type: v.literal("settled"), by: v.union(v.literal("confirmed"), v.literal("tracked")) }),
);

/**
 * Move a row by one event. `balances`: what Autumn answered (cached);
 * `deltas`: units to give back in the cache on a release when Autumn did not
 * report balances. Returns the row's state after (unchanged when the event no
 * longer applies: a late or repeated step changes nothing).
 */
export const advance = internalMutation({
  args: {
    lockId: v.string(),
    event: eventValidator,
    balances: v.optional(v.array(balanceValidator)),
    deltas: v.optional(v.array(balanceDelta)),
    /** Settle now, in the background (runAfter 0), after a work_ok. Default true. */
    scheduleSettle: v.optional(v.boolean()),
  },
  returns: v.object({ applied: v.boolean(), state: reservationState }),
  handler: (ctx, { lockId, event, balances, deltas, scheduleSettle }) =>
    applyEvent(ctx, lockId, event as ReservationEvent, { balances: balances ?? null, deltas: deltas ?? [], scheduleSettle: scheduleSettle ?? true }),
});

/**
 * One step of a row, inside the caller's transaction (`advance`, and the
 * work's own mutation recording work_ok: ../meteredWork.ts). A step that no
 * longer applies changes nothing and says so (`applied: false`).
 */
export async function applyEvent(
  ctx: MutationCtx, lockId: string, event: ReservationEvent,
  o: { balances?: Balance[] | null; deltas?: BalanceDelta[]; scheduleSettle?: boolean } = {},
): Promise<{ applied: boolean; state: Row["state"] }> {
  const row = await rowByLockId(ctx, lockId);
  if (!row) return { applied: false, state: "released" };
  const step = tryTransition(machineState(row.state), event);
  if (!step) return { applied: false, state: row.state };
  const now = Date.now();
  const final = step.state === "settled" || step.state === "released" || step.state === "expired";
  await ctx.db.patch(row._id, {
    state: step.state,
    updatedAt: now,
    ...(step.outcome ? { outcome: step.outcome } : {}),
    ...(final ? { settledAt: now } : {}),
    ...(event.type === "work_ok" && event.failOpen ? { failOpen: true } : {}),
  });
  await sideEffects(ctx, row, event, step.state, { balances: o.balances ?? null, deltas: o.deltas ?? [], scheduleSettle: o.scheduleSettle ?? true, now });
  return { applied: true, state: step.state };
}

async function sideEffects(
  ctx: MutationCtx, row: Row, event: ReservationEvent, to: ReservationState,
  o: { balances: Balance[] | null; deltas: BalanceDelta[]; scheduleSettle: boolean; now: number },
): Promise<void> {
  const { organizationId } = row;
  switch (event.type) {
    case "reserve_ok":
    case "reserve_denied": {
      if (row.leaseSlot && event.type === "reserve_ok") {
        // A lease now open: close it (confirm what was spent, release the rest) when its take window ends.
        await ctx.db.patch(row._id, { takeUntil: o.now + LEASE_TAKE_MS });
        await ctx.scheduler.runAfter(LEASE_TAKE_MS, internal.billing.reservations.leasing.closeLease, { lockId: row.lockId });
      }
      const cached = await writeBalanceSnapshot(ctx, organizationId, o.balances ?? []);
      if (event.type === "reserve_ok") await countInUsageWindows(ctx, organizationId, row);
      // Autumn knows the customer but the cache has no row yet: fetch the whole snapshot once.
      if (!cached) await ctx.scheduler.runAfter(0, internal.billing.sync.syncCustomer, { organizationId });
      return;
    }
    case "released":
    case "lock_expired":
      if (row.leaseLockId) {
        const lease = await rowByLockId(ctx, row.leaseLockId);
        if (lease && lease.state === "reserved") await ctx.db.patch(lease._id, { spent: Math.max(0, (lease.spent ?? 0) - row.units) });
        return;
      }
      if (o.balances) await writeBalanceSnapshot(ctx, organizationId, o.balances);
      else await giveBackInCache(ctx, organizationId, o.deltas);
      return;
    case "work_ok":
      if (row.leaseLockId) {
        // Billed with its lease's confirm while the lease is open; a lease already closing never counted it: settle alone.
        const lease = await rowByLockId(ctx, row.leaseLockId);
        if (lease && lease.state === "reserved") return;
      }
      if (o.scheduleSettle) await ctx.scheduler.runAfter(0, internal.billing.reservations.settle.settleOne, { lockId: row.lockId, attempt: 0 });
      return;
    case "settled": {
      if (o.balances) await writeBalanceSnapshot(ctx, organizationId, o.balances);
      const units = row.leaseSlot ? (row.spent ?? 0) : row.units; // a lease bills what its operations spent
      const feature = await ctx.db.query("billingFeatures").withIndex("by_featureId", (q) => q.eq("featureId", row.featureId)).unique();
      // Allocated features (seats) are not consumption: they stay out of the usage chart.
      if (feature?.consumable !== false) await addToLedger(ctx, organizationId, row.featureId, units, o.now);
      return;
    }
    default:
      void to;
  }
}

/** A settlement Autumn did not take: count the attempt and remember why. */
export const noteAttempt = internalMutation({
  args: { lockId: v.string(), error: v.string() },
  returns: v.number(),
  handler: async (ctx, { lockId, error }) => {
    const row = await rowByLockId(ctx, lockId);
    if (!row) return 0;
    const attempts = (row.attempts ?? 0) + 1;
    await ctx.db.patch(row._id, { attempts, lastError: error.slice(0, 500) });
    return attempts;
  },
});

// ── reads ────────────────────────────────────────────────────────────────────

export const get = internalQuery({
  args: { lockId: v.string() },
  handler: async (ctx, { lockId }) => rowByLockId(ctx, lockId),
});

/** A leased operation still owed on its own: work_done, and its lease no longer open (so the lease's confirm did not bill it). */
export const leasedOpToSettle = internalQuery({
  args: { lockId: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { lockId }) => {
    const row = await rowByLockId(ctx, lockId);
    if (!row || row.state !== "work_done" || !row.leaseLockId) return false;
    const lease = await rowByLockId(ctx, row.leaseLockId);
    return lease?.state !== "reserved";
  },
});

/** Rows whose action is gone (machine.isAbandoned at `now`), oldest first, at most `limit` per state. */
export const listAbandoned = internalQuery({
  args: { now: v.number(), limit: v.number() },
  handler: async (ctx, { now, limit }) => {
    const out: Row[] = [];
    for (const state of ["claimed", "reserving", "reserve_unknown", "work_done"] as const) {
      const rows = await ctx.db.query("billingReservations")
        .withIndex("by_state_updatedAt", (q) => q.eq("state", state).lt("updatedAt", now))
        .take(limit);
      out.push(...rows.filter((r) => isAbandoned({ state, updatedAt: r.updatedAt ?? r.createdAt, expiresAt: r.expiresAt, failOpen: r.failOpen }, now)));
    }
    for (const state of ["reserved", "held"] as const) {
      const rows = await ctx.db.query("billingReservations")
        .withIndex("by_state_expiresAt", (q) => q.eq("state", state).lte("expiresAt", now))
        .take(limit);
      out.push(...rows);
    }
    return out;
  },
});
