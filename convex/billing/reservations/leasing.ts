// Leases, the Autumn side (lease.ts is the local side): open one with a
// locked check for its block of units (alongside the reserve of the call that
// found no lease, so it adds no latency), close it when its take window ends
// (the units its operations recorded done become its debt; the operations are
// settled with it), and settle it: finalize confirm with override_value = the
// units spent (Autumn gives the rest back), release when nothing was spent,
// a track of the spent units with the lease's key if the lock expired.
// A lease row goes through the same machine as an operation, so a crash at
// any point is swept like any other row.
import { v } from "convex/values";
import { internal } from "../../_generated/api";
import { internalAction, internalMutation, type ActionCtx } from "../../_generated/server";
import { checkWithLock, balancesOf, confirmOrTrack, releaseLock } from "./autumnCalls";
import { LOCK_TTL_MS } from "./machine";
import type { StepResult } from "./settle";
import { rowByLockId, type Row } from "./store";

/** A lease is not closed while operations taken from it are still working, until this long before its lock expires. */
const CLOSE_MARGIN_MS = 60_000;
const CLOSE_RETRY_MS = 5_000;

/** Open a lease row in Autumn (claimed → reserving → reserved / released). Never throws: a lease is an optimisation. */
export async function openLease(ctx: ActionCtx, row: { lockId: string; organizationId: string; featureId: string; units: number; expiresAt: number }): Promise<void> {
  const advance = (event: { type: "begin_reserve" | "reserve_ok" | "reserve_denied" | "reserve_refused" | "reserve_lost" }, balances?: ReturnType<typeof balancesOf>) =>
    ctx.runMutation(internal.billing.reservations.store.advance, { lockId: row.lockId, event, ...(balances ? { balances } : {}) });
  try {
    await advance({ type: "begin_reserve" });
    const answer = await checkWithLock(row);
    await advance({ type: answer.allowed ? "reserve_ok" : "reserve_denied" }, balancesOf(answer));
  } catch (err) {
    const code = (err as { data?: { code?: string } }).data?.code;
    await advance({ type: code === "AUTUMN_UNAVAILABLE" || code === "RATE_LIMITED" ? "reserve_lost" : "reserve_refused" }).catch(() => undefined);
  }
}

/** Open a lease inserted by a claim made inside a work's own mutation (../meteredWork.ts), which cannot call Autumn itself. */
export const openLeaseJob = internalAction({
  args: { lockId: v.string(), organizationId: v.string(), featureId: v.string(), units: v.number(), expiresAt: v.number() },
  returns: v.null(),
  handler: async (ctx, row) => {
    await openLease(ctx, row);
    return null;
  },
});

/** Close a reserved lease: its work_done operations are settled with it and their units become the lease's debt. */
export const closeLeaseTx = internalMutation({
  args: { lockId: v.string(), now: v.optional(v.number()) },
  returns: v.union(v.literal("closed"), v.literal("release"), v.literal("wait"), v.literal("skip")),
  handler: async (ctx, { lockId, now: at }) => {
    const lease = await rowByLockId(ctx, lockId);
    if (!lease || lease.state !== "reserved" || !lease.leaseSlot) return "skip" as const;
    const now = at ?? Date.now();
    const working = await ctx.db.query("billingReservations").withIndex("by_leaseLockId_state", (q) => q.eq("leaseLockId", lockId).eq("state", "reserved")).take(1);
    if (working.length > 0 && now < lease.expiresAt - CLOSE_MARGIN_MS) return "wait" as const;
    const done = await ctx.db.query("billingReservations").withIndex("by_leaseLockId_state", (q) => q.eq("leaseLockId", lockId).eq("state", "work_done")).take(lease.units + 1);
    const spent = done.reduce((s, r) => s + r.units, 0);
    for (const child of done) await ctx.db.patch(child._id, { state: "settled", outcome: "confirmed", updatedAt: now, settledAt: now });
    if (spent === 0) {
      await ctx.db.patch(lease._id, { spent: 0, updatedAt: now, takeUntil: now });
      return "release" as const; // the action releases the lock, then marks the lease released
    }
    // reserved → work_done (the lease's "work" is its operations'); the debt is `spent`.
    await ctx.db.patch(lease._id, { state: "work_done", spent, updatedAt: now });
    return "closed" as const;
  },
});

/** Close and settle a lease now (the scheduled close at the end of its take window; the sweeper for a lease left open). */
export async function closeLeaseNow(ctx: ActionCtx, lockId: string): Promise<StepResult> {
  const closed = await ctx.runMutation(internal.billing.reservations.leasing.closeLeaseTx, { lockId });
  if (closed === "skip") return "skipped";
  if (closed === "wait") {
    await ctx.scheduler.runAfter(CLOSE_RETRY_MS, internal.billing.reservations.leasing.closeLease, { lockId });
    return "retry";
  }
  const lease = await ctx.runQuery(internal.billing.reservations.store.get, { lockId });
  if (!lease) return "skipped";
  if (closed === "release") {
    const released = await releaseLock(lockId);
    if (!released.ok) return "retry"; // still reserved: the sweeper releases it at expiry
    await ctx.runMutation(internal.billing.reservations.store.advance, { lockId, event: { type: released.gone ? "lock_expired" : "released" } });
    await ctx.scheduler.runAfter(0, internal.billing.sync.syncCustomer, { organizationId: lease.organizationId });
    return "done";
  }
  const settled = await settleLease(ctx, lease);
  // Autumn did not take it: the background settler retries it with its backoff (settle.ts), once.
  if (settled === "retry") await ctx.scheduler.runAfter(CLOSE_RETRY_MS, internal.billing.reservations.settle.settleOne, { lockId, attempt: 1 });
  return settled;
}

export const closeLease = internalAction({
  args: { lockId: v.string() },
  returns: v.null(),
  handler: async (ctx, { lockId }) => {
    await closeLeaseNow(ctx, lockId);
    return null;
  },
});

/** Bill a closed lease (work_done): confirm `spent` of the held block (override_value), or track it if the lock expired. */
export async function settleLease(ctx: ActionCtx, row: Row): Promise<StepResult> {
  if (row.state !== "work_done") return "skipped";
  const spent = row.spent ?? 0;
  const result = await confirmOrTrack({ organizationId: row.organizationId, featureId: row.featureId, lockId: row.lockId, units: spent, heldUnits: row.units, expiresAt: row.expiresAt });
  if (!result.ok) {
    // The caller owns the retry (settleOne's backoff, or closeLeaseNow scheduling it): scheduling one here too doubled them.
    await ctx.runMutation(internal.billing.reservations.store.noteAttempt, { lockId: row.lockId, error: result.error });
    return "retry";
  }
  await ctx.runMutation(internal.billing.reservations.store.advance, { lockId: row.lockId, event: { type: "settled", by: result.by }, ...(result.balances ? { balances: result.balances } : {}) });
  // The unspent part of the block came back at Autumn: the cache re-reads the balance once per lease.
  await ctx.scheduler.runAfter(0, internal.billing.sync.syncCustomer, { organizationId: row.organizationId });
  return "done";
}

