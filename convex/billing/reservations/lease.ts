// Leases, the local side. A lease is a reservation row (leaseSlot set) whose
// lock holds a block of LEASE_BLOCK units at Autumn; operations take units
// from it inside their claim transaction (claimed → reserved, no Autumn call
// before the work), so a feature with headroom costs no round trip per call.
// Exactness holds because every unit spent locally is held by Autumn under
// the lease's lock; leases are used only with headroom (a balance of 50 is
// never leased), never for credit-paid features or under usage limits.
// LEASE_SHARDS leases per org and feature spread the writes: each take patches
// one of them. leasing.ts opens and settles leases in Autumn.
import type { MutationCtx } from "../../_generated/server";
import { loadCustomerDoc } from "../cache";

export const LEASE_SHARDS = 4;
/** Units one lease reserves. */
export const LEASE_BLOCK = 50;
/** Leases are taken from for this long, then closed and settled (confirm what was spent, release the rest). */
export const LEASE_TAKE_MS = 10_000;
/** Headroom (remaining units) a feature needs before it is leased: room for every shard's block, twice. */
export const LEASE_MIN_HEADROOM = LEASE_BLOCK * LEASE_SHARDS * 2;

export function leaseSlot(organizationId: string, featureId: string, shard: number): string {
  return `${organizationId}:${featureId}:${shard}`;
}

/** Does the cache show headroom for leasing this feature (own balance, no usage limits)? */
export async function leaseEligible(ctx: MutationCtx, organizationId: string, featureId: string, units: number): Promise<boolean> {
  if (units > LEASE_BLOCK / 5) return false;
  const doc = await loadCustomerDoc(ctx, organizationId);
  if (!doc) return false;
  if ((doc.billingControls?.usageLimits.length ?? 0) > 0) return false;
  const own = doc.balances.find((b) => b.featureId === featureId);
  if (!own) return false;
  const feature = await ctx.db.query("billingFeatures").withIndex("by_featureId", (q) => q.eq("featureId", featureId)).unique();
  if (!feature || feature.consumable === false) return false;
  return own.unlimited || own.remaining >= LEASE_MIN_HEADROOM;
}

export type LeaseTake =
  | { kind: "taken"; leaseLockId: string; expiresAt: number }
  /** No lease with room in the shard: the caller reserves alone, and may open this lease (already inserted, `claimed`). */
  | { kind: "open"; leaseLockId: string }
  | { kind: "none" };

/** Take `units` from an open lease of a random shard (spent += units), or insert a new lease row to open. */
export async function takeFromLease(
  ctx: MutationCtx, a: { organizationId: string; featureId: string; units: number; now: number; expiresAt: number },
): Promise<LeaseTake> {
  // Start at a random shard (spreads the writes), fall through to the others before reserving alone.
  const first = Math.floor(Math.random() * LEASE_SHARDS);
  let openSlot: string | null = null;
  for (let k = 0; k < LEASE_SHARDS; k++) {
    const slot = leaseSlot(a.organizationId, a.featureId, (first + k) % LEASE_SHARDS);
    const open = await ctx.db.query("billingReservations").withIndex("by_leaseSlot_state", (q) => q.eq("leaseSlot", slot).eq("state", "reserved")).take(4);
    for (const lease of open) {
      const spent = lease.spent ?? 0;
      if ((lease.takeUntil ?? 0) <= a.now || spent + a.units > lease.units) continue;
      await ctx.db.patch(lease._id, { spent: spent + a.units });
      return { kind: "taken", leaseLockId: lease.lockId, expiresAt: lease.expiresAt };
    }
    if (openSlot !== null) continue;
    let opening = false;
    for (const state of ["claimed", "reserving"] as const) {
      if (await ctx.db.query("billingReservations").withIndex("by_leaseSlot_state", (q) => q.eq("leaseSlot", slot).eq("state", state)).first()) opening = true;
    }
    if (!opening) openSlot = slot; // nobody is opening this shard's next lease: this call may
  }
  if (openSlot === null) return { kind: "none" };
  const slot = openSlot;
  const leaseLockId = `lease:${slot}:${a.now}:${Math.random().toString(36).slice(2, 10)}`;
  await ctx.db.insert("billingReservations", {
    organizationId: a.organizationId, featureId: a.featureId, lockId: leaseLockId, units: LEASE_BLOCK, state: "claimed",
    createdAt: a.now, updatedAt: a.now, expiresAt: a.expiresAt, settledAt: null, outcome: null,
    spent: 0, leaseSlot: slot, takeUntil: a.now + LEASE_TAKE_MS,
  });
  return { kind: "open", leaseLockId };
}
