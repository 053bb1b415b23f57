// Settlement: the steps that end a row, shared by the flow (metering.ts), the
// background settler (settleOne, scheduled with runAfter(0) by work_ok so the
// confirm is off the caller's critical path) and the sweeper (sweeper.ts).
//   work_done → finalize confirm (or track with the row's key when Autumn no
//               longer holds the lock) → settled
//   reserving / reserve_unknown / reserved → finalize release by lock id
//               (a lock Autumn does not know is fine) → released
import { v } from "convex/values";
import { internal } from "../../_generated/api";
import { internalAction, type ActionCtx } from "../../_generated/server";
import { confirmOrTrack, releaseLock } from "./autumnCalls";
import { crashPoint } from "./crash";
import { CHECK_HORIZON_MS } from "./machine";
import type { Row } from "./store";
import { settleLease } from "./leasing";

/** Background retries of a settlement Autumn did not take (then the sweeper keeps trying every interval). */
export const SETTLE_RETRY_DELAYS_MS = [1_000, 10_000, 30_000, 60_000, 120_000, 300_000];

export type StepResult = "done" | "retry" | "skipped";

/** Bill a work_done row in Autumn and mark it settled. */
export async function settleWorkDone(ctx: ActionCtx, row: Row): Promise<StepResult> {
  if (row.state !== "work_done") return "skipped";
  if (row.leaseLockId) {
    // Decided from one fresh snapshot of the row and its lease, never from the caller's (the sweeper's list may be
    // stale): while the lease is open its confirm bills the row; once it closed, the row is either settled with it
    // (closeLeaseTx) or was done after the close and is billed alone here.
    const own = await ctx.runQuery(internal.billing.reservations.store.leasedOpToSettle, { lockId: row.lockId });
    if (!own) return "skipped";
  }
  if (row.leaseSlot) return settleLease(ctx, row);
  crashPoint("during_confirm", row.lockId, "before");
  const result = await confirmOrTrack({ organizationId: row.organizationId, featureId: row.featureId, lockId: row.lockId, units: row.units, expiresAt: row.expiresAt });
  crashPoint("during_confirm", row.lockId, "after");
  if (!result.ok) {
    await ctx.runMutation(internal.billing.reservations.store.noteAttempt, { lockId: row.lockId, error: result.error });
    return "retry";
  }
  await ctx.runMutation(internal.billing.reservations.store.advance, {
    lockId: row.lockId, event: { type: "settled", by: result.by }, ...(result.balances ? { balances: result.balances } : {}),
  });
  return "done";
}

/**
 * Give back what an abandoned row may hold. A lock Autumn does not know may
 * still be created by a slow check (the request outlives its client), so
 * "unknown" is trusted only once the row is older than CHECK_HORIZON_MS.
 */
export async function releaseAbandoned(ctx: ActionCtx, row: Row, now: number): Promise<StepResult> {
  const result = await releaseLock(row.lockId);
  if (!result.ok) {
    await ctx.runMutation(internal.billing.reservations.store.noteAttempt, { lockId: row.lockId, error: result.error });
    return "retry";
  }
  if (result.gone && now < row.createdAt + CHECK_HORIZON_MS && row.state !== "reserved") return "retry";
  // Released in Autumn: re-read the cache's balances from Autumn on the next sync; give the units back now.
  const expired = result.gone && now >= row.expiresAt;
  await ctx.runMutation(internal.billing.reservations.store.advance, {
    lockId: row.lockId,
    event: { type: expired ? "lock_expired" : "released" },
  });
  // The cache learns the units came back from Autumn itself (the row may have been paid in credits).
  if (!result.gone) await ctx.scheduler.runAfter(0, internal.billing.sync.syncCustomer, { organizationId: row.organizationId });
  return "done";
}

/** The background settler: one row's confirm, right after its work (runAfter 0); retried with backoff. */
export const settleOne = internalAction({
  args: { lockId: v.string(), attempt: v.number() },
  returns: v.null(),
  handler: async (ctx, { lockId, attempt }) => {
    const row = await ctx.runQuery(internal.billing.reservations.store.get, { lockId });
    if (!row) return null;
    const result = await settleWorkDone(ctx, row);
    const delay = SETTLE_RETRY_DELAYS_MS[attempt];
    if (result === "retry" && delay !== undefined) {
      await ctx.scheduler.runAfter(delay, internal.billing.reservations.settle.settleOne, { lockId, attempt: attempt + 1 });
    }
    return null;
  },
});
