// Seats and memberships through owed-work rows (design principle 9, issue 12):
// a membership change and its seat adjustment are one recorded operation.
//
//   add (+1):    row pending → reserve the seat (QUOTA_EXCEEDED: row canceled,
//                nothing changed) → membership written → settled; membership
//                refused → a refund row (−1) owed and settled now or later
//   remove (−1): row pending → membership removed (refused: canceled) → owed →
//                the refund → settled; a failed refund stays owed
//
// The seat sweeper (cron, SEAT_SWEEP_INTERVAL) retries every owed row until
// Autumn has it, and resolves pending rows whose action died by asking the host
// whether the membership exists (and, for +1, whether the seat was taken).
// For actions (Autumn calls); the rows live in seatChangeStore.ts.
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, type ActionCtx } from "../_generated/server";
import type { Id } from "../_generated/dataModel";
import { billingErrorCode } from "./errors";
import { adjustSeats, SEATS_FEATURE_ID } from "./seats";

export const SEAT_SWEEP_INTERVAL_MS = 60_000;

export interface SeatChange {
  organizationId: string;
  /** The member the change is about. */
  userId: string;
  delta: 1 | -1;
  /** The operation's idempotency key (one per logical add or removal). */
  key: string;
  featureId?: string;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Settle one owed adjustment; a failure leaves the row owed (the sweeper retries it). */
async function settle(ctx: ActionCtx, id: Id<"billingSeatChanges">, c: { organizationId: string; featureId: string; delta: 1 | -1; key: string }): Promise<boolean> {
  try {
    await adjustSeats(ctx, { organizationId: c.organizationId, featureId: c.featureId, delta: c.delta, idempotencyKey: c.key });
  } catch (err) {
    // The same +1 key already ran (its reservation is done): the seat is held.
    if (!(c.delta === 1 && billingErrorCode(err) === "CONFLICT")) {
      await ctx.runMutation(internal.billing.seatChangeStore.mark, { id, state: "owed", error: message(err) });
      return false;
    }
  }
  await ctx.runMutation(internal.billing.seatChangeStore.mark, { id, state: "settled" });
  return true;
}

/** Owe the refund of a +1 whose membership never came to be, and try it now. */
async function oweRefund(ctx: ActionCtx, c: { organizationId: string; featureId: string; userId: string; key: string }): Promise<boolean> {
  const refund = { organizationId: c.organizationId, featureId: c.featureId, userId: c.userId, delta: -1 as const, key: `release:${c.key}` };
  const id = await ctx.runMutation(internal.billing.seatChangeStore.begin, { ...refund, state: "owed" });
  return settle(ctx, id, refund);
}

/**
 * Run a membership change with its seat adjustment. `change` writes the
 * membership (throwing when it could not). The seat is reserved before an add
 * (at the limit: QUOTA_EXCEEDED, nothing changed) and given back after a
 * removal; if that refund fails the removal still succeeds and the row is
 * owed until the sweeper settles it.
 */
export async function withSeatChange<T>(ctx: ActionCtx, change: SeatChange, write: () => Promise<T>): Promise<T> {
  const featureId = change.featureId ?? SEATS_FEATURE_ID;
  const c = { organizationId: change.organizationId, featureId, userId: change.userId, delta: change.delta, key: change.key };
  const id = await ctx.runMutation(internal.billing.seatChangeStore.begin, c);
  if (change.delta === 1) {
    try {
      await adjustSeats(ctx, { organizationId: c.organizationId, featureId, delta: 1, idempotencyKey: c.key });
    } catch (err) {
      await ctx.runMutation(internal.billing.seatChangeStore.mark, { id, state: "canceled" });
      throw err;
    }
    let result: T;
    try {
      result = await write();
    } catch (err) {
      await ctx.runMutation(internal.billing.seatChangeStore.mark, { id, state: "settled" });
      await oweRefund(ctx, c); // the membership was not written: give the seat back (owed until Autumn has it)
      throw err;
    }
    await ctx.runMutation(internal.billing.seatChangeStore.mark, { id, state: "settled" });
    return result;
  }
  let result: T;
  try {
    result = await write();
  } catch (err) {
    await ctx.runMutation(internal.billing.seatChangeStore.mark, { id, state: "canceled" });
    throw err;
  }
  await ctx.runMutation(internal.billing.seatChangeStore.mark, { id, state: "owed" });
  await settle(ctx, id, c);
  return result;
}

/**
 * One sweep at `now` (default the clock): every owed row is settled (or keeps
 * its error for the next sweep); every pending row whose action died is
 * resolved from the host's memberships. Also forgets old rows and old
 * purchase intents.
 */
export const sweep = internalAction({
  args: { now: v.optional(v.number()) },
  returns: v.object({ settled: v.number(), failed: v.number(), canceled: v.number() }),
  handler: async (ctx, { now }) => {
    const counts = { settled: 0, failed: 0, canceled: 0 };
    const rows = await ctx.runQuery(internal.billing.seatChangeStore.listDue, { now: now ?? Date.now(), limit: 200 });
    for (const r of rows) {
      if (r.state === "owed") {
        counts[(await settle(ctx, r._id, r)) ? "settled" : "failed"] += 1;
        continue;
      }
      const facts = await ctx.runQuery(internal.billing.seatChangeStore.facts, { id: r._id });
      if (!facts) continue;
      if (r.delta === -1) {
        if (facts.member) { await ctx.runMutation(internal.billing.seatChangeStore.mark, { id: r._id, state: "canceled" }); counts.canceled += 1; continue; }
        await ctx.runMutation(internal.billing.seatChangeStore.mark, { id: r._id, state: "owed" });
        counts[(await settle(ctx, r._id, r)) ? "settled" : "failed"] += 1;
        continue;
      }
      // +1: a member holds the seat; a seat taken for nobody is given back.
      await ctx.runMutation(internal.billing.seatChangeStore.mark, { id: r._id, state: facts.member || facts.seatTaken ? "settled" : "canceled" });
      if (!facts.member && facts.seatTaken) counts[(await oweRefund(ctx, r)) ? "settled" : "failed"] += 1;
      else counts[facts.member ? "settled" : "canceled"] += 1;
    }
    await ctx.runMutation(internal.billing.seatChangeStore.prune, {});
    await ctx.runMutation(internal.billing.purchaseIntents.prune, {});
    return counts;
  },
});
