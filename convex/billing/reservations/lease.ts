// Leases: one locked check reserves a block of units, and operations spend it
// locally with no Autumn call before their work (see leasing.ts for the
// Autumn side). This file: taking units from an open lease inside the claim
// transaction.
import type { MutationCtx } from "../../_generated/server";

export const LEASE_SHARDS = 4;

export function leaseSlot(organizationId: string, featureId: string, shard: number): string {
  return `${organizationId}:${featureId}:${shard}`;
}

/** Take `units` from an open lease of a random shard (spent += units); null when none has room. */
export async function takeFromLease(
  ctx: MutationCtx, a: { organizationId: string; featureId: string; units: number; now: number },
): Promise<{ leaseLockId: string; expiresAt: number } | null> {
  const shard = Math.floor(Math.random() * LEASE_SHARDS);
  const open = await ctx.db.query("billingReservations")
    .withIndex("by_leaseSlot_state", (q) => q.eq("leaseSlot", leaseSlot(a.organizationId, a.featureId, shard)).eq("state", "reserved"))
    .take(4);
  for (const lease of open) {
    const spent = lease.spent ?? 0;
    if ((lease.takeUntil ?? 0) <= a.now || spent + a.units > lease.units) continue;
    await ctx.db.patch(lease._id, { spent: spent + a.units });
    return { leaseLockId: lease.lockId, expiresAt: lease.expiresAt };
  }
  return null;
}
