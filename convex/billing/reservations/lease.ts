// Leases, the local side. A lease is a reservation row (leaseSlot set) whose
// lock holds a block of LEASE_BLOCK units at Autumn; operations take units
// from it inside their claim transaction (claimed → reserved, no Autumn call
// before the work), so a feature with headroom costs no round trip per call.
// Exactness holds because every unit spent locally is held by Autumn under
// the lease's lock; leases are used only with headroom (a balance of 50 is
// never leased), never for credit-paid features or under usage limits.
// LEASE_SHARDS leases per org and feature spread the writes: each take patches
// one of them. A lease's block grows with the headroom (LEASE_BLOCK to
// LEASE_MAX_BLOCK units, all leases together at most an eighth of what
// remains: held units show as usage until a lease closes), and the take that finds its
// lease nearly spent or nearly at the end of its window asks its action to
// open the shard's next lease while it works, so calls rarely find no lease
// with room. leasing.ts opens and settles leases in Autumn.
// A lease is opened only for a busy feature (LEASE_HEAT_CALLS operations in
// the last LEASE_HEAT_MS): a quiet one reserves per call, one check and one
// finalize, instead of opening a block for a single call. And never when the
// blocks it could hold would carry the usage Autumn and the cache show across
// one of the owner's usage alerts (held units show as usage until the lease
// closes: the alert would fire early).
import type { MutationCtx } from "../../_generated/server";
import { loadCustomerDoc } from "../cache";
import { crossed } from "../notifications";

export const LEASE_SHARDS = 4;
/** Units one lease reserves at least. */
export const LEASE_BLOCK = 50;
/** …and at most (an unlimited balance, or a large one). */
export const LEASE_MAX_BLOCK = 500;
/** Open the shard's next lease once this share of a lease is spent, or this share of its take window is left. */
const REFILL_SPENT = 0.8;
const REFILL_WINDOW = 0.2;
/** Leases are taken from for this long, then closed and settled (confirm what was spent, release the rest). */
export const LEASE_TAKE_MS = 10_000;
/** A feature is busy (worth a lease) with this many operations for the org in the last LEASE_HEAT_MS. */
export const LEASE_HEAT_CALLS = 5;
export const LEASE_HEAT_MS = 2_000;
/** Every lease of a feature together (each shard's lease and its refill) holds at most this share of what remains. */
export const LEASE_HELD_SHARE = 1 / 8;
/** Headroom (remaining units) a feature needs before it is leased: every shard's smallest block, twice, is LEASE_HELD_SHARE of it. */
export const LEASE_MIN_HEADROOM = (LEASE_BLOCK * LEASE_SHARDS * 2) / LEASE_HELD_SHARE;

export function leaseSlot(organizationId: string, featureId: string, shard: number): string {
  return `${organizationId}:${featureId}:${shard}`;
}

/** The block a new lease reserves for a balance with `remaining` units left (unlimited: the most): 8 blocks ≤ an eighth of it. */
export function leaseBlockFor(balance: { unlimited: boolean; remaining: number }): number {
  if (balance.unlimited) return LEASE_MAX_BLOCK;
  return Math.min(LEASE_MAX_BLOCK, Math.max(LEASE_BLOCK, Math.floor((balance.remaining * LEASE_HELD_SHARE) / (LEASE_SHARDS * 2))));
}

/**
 * Does the cache show headroom for leasing this feature (own balance, no
 * usage limits)? The block a new lease would reserve, or null.
 */
export async function leaseEligible(ctx: MutationCtx, organizationId: string, featureId: string, units: number): Promise<number | null> {
  if (units > LEASE_BLOCK / 5) return null;
  const doc = await loadCustomerDoc(ctx, organizationId);
  if (!doc) return null;
  if ((doc.billingControls?.usageLimits.length ?? 0) > 0) return null;
  const own = doc.balances.find((b) => b.featureId === featureId);
  if (!own) return null;
  const feature = await ctx.db.query("billingFeatures").withIndex("by_featureId", (q) => q.eq("featureId", featureId)).unique();
  if (!feature || feature.consumable === false) return null;
  if (!own.unlimited && own.remaining < LEASE_MIN_HEADROOM) return null;
  const block = leaseBlockFor(own);
  // Every shard may hold a lease and its refill: that much more shows as usage until they close.
  const span = block * LEASE_SHARDS * 2;
  const held = { ...own, usage: own.usage + span, remaining: own.remaining - span };
  const alerts = (doc.billingControls?.usageAlerts ?? []).filter((a) => a.enabled && (a.featureId === null || a.featureId === featureId));
  if (alerts.some((a) => crossed(a.thresholdType, a.threshold, own, held))) return null;
  return block;
}

/** Has the org run LEASE_HEAT_CALLS operations of the feature in the last LEASE_HEAT_MS (lease rows left out)? */
async function busy(ctx: MutationCtx, organizationId: string, featureId: string, now: number): Promise<boolean> {
  const recent = await ctx.db.query("billingReservations")
    .withIndex("by_organizationId_featureId_createdAt", (q) => q.eq("organizationId", organizationId).eq("featureId", featureId).gte("createdAt", now - LEASE_HEAT_MS))
    .order("desc")
    .take(LEASE_HEAT_CALLS + LEASE_SHARDS * 2);
  return recent.filter((r) => !r.leaseSlot).length >= LEASE_HEAT_CALLS;
}

/** A lease row inserted `claimed`, for the caller's action to open in Autumn (leasing.openLease). */
export interface LeaseToOpen { lockId: string; units: number }

export type LeaseTake =
  /** `refill`: the shard's next lease, to open while the work runs (this lease is nearly spent or nearly closed). */
  | { kind: "taken"; leaseLockId: string; expiresAt: number; refill: LeaseToOpen | null }
  /** No lease with room in the shard: the caller reserves alone, and may open this lease (already inserted, `claimed`). */
  | { kind: "open"; lease: LeaseToOpen }
  | { kind: "none" };

type LeaseArgs = { organizationId: string; featureId: string; units: number; now: number; expiresAt: number; block: number };

const opening = async (ctx: MutationCtx, slot: string): Promise<boolean> => {
  for (const state of ["claimed", "reserving"] as const) {
    if (await ctx.db.query("billingReservations").withIndex("by_leaseSlot_state", (q) => q.eq("leaseSlot", slot).eq("state", state)).first()) return true;
  }
  return false;
};

async function insertLease(ctx: MutationCtx, a: LeaseArgs, slot: string): Promise<LeaseToOpen> {
  const lockId = `lease:${slot}:${a.now}:${Math.random().toString(36).slice(2, 10)}`;
  await ctx.db.insert("billingReservations", {
    organizationId: a.organizationId, featureId: a.featureId, lockId, units: a.block, state: "claimed",
    createdAt: a.now, updatedAt: a.now, expiresAt: a.expiresAt, settledAt: null, outcome: null,
    spent: 0, leaseSlot: slot, takeUntil: a.now + LEASE_TAKE_MS,
  });
  return { lockId, units: a.block };
}

/** Take `units` from an open lease of a random shard (spent += units), or insert a new lease row to open. */
export async function takeFromLease(ctx: MutationCtx, a: LeaseArgs): Promise<LeaseTake> {
  // Start at a random shard (spreads the writes), fall through to the others before reserving alone.
  const first = Math.floor(Math.random() * LEASE_SHARDS);
  let openSlot: string | null = null;
  for (let k = 0; k < LEASE_SHARDS; k++) {
    const slot = leaseSlot(a.organizationId, a.featureId, (first + k) % LEASE_SHARDS);
    const open = await ctx.db.query("billingReservations").withIndex("by_leaseSlot_state", (q) => q.eq("leaseSlot", slot).eq("state", "reserved")).take(8);
    for (const lease of open) {
      const spent = lease.spent ?? 0;
      const takeUntil = lease.takeUntil ?? 0;
      if (takeUntil <= a.now || spent + a.units > lease.units) continue;
      await ctx.db.patch(lease._id, { spent: spent + a.units });
      // Nearly spent or nearly closed, and no other lease of the shard has room: open the next one now, not when it runs out.
      const low = spent + a.units >= lease.units * REFILL_SPENT || takeUntil - a.now <= LEASE_TAKE_MS * REFILL_WINDOW;
      const hasRoom = (l: typeof lease) => (l.takeUntil ?? 0) > a.now && (l.spent ?? 0) + a.units <= l.units;
      const spare = open.some((l) => l._id !== lease._id && hasRoom(l));
      const refill = low && !spare && !(await opening(ctx, slot)) ? await insertLease(ctx, a, slot) : null;
      return { kind: "taken", leaseLockId: lease.lockId, expiresAt: lease.expiresAt, refill };
    }
    if (openSlot !== null) continue;
    if (!(await opening(ctx, slot))) openSlot = slot; // nobody is opening this shard's next lease: this call may
  }
  if (openSlot === null || !(await busy(ctx, a.organizationId, a.featureId, a.now))) return { kind: "none" };
  return { kind: "open", lease: await insertLease(ctx, a, openSlot) };
}
