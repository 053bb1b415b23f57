// The sweeper (cron, every SWEEP_INTERVAL_MS; also run by tests): settles
// every row whose action is gone, by what its state says is owed
// (machine.sweepActionFor) — work_done is billed (confirm, or track when the
// lock expired), anything earlier is released in Autumn by its lock id, and a
// claimed row (no check was ever sent) is released locally. Never both a
// confirm and a release of one row: the machine has no such path.
import { v } from "convex/values";
import { internal } from "../../_generated/api";
import { internalAction, internalMutation } from "../../_generated/server";
import { machineState, type Row } from "./store";
import { sweepActionFor } from "./machine";
import { releaseAbandoned, settleWorkDone, type StepResult } from "./settle";
import { closeLeaseNow } from "./leasing";
/** A reservation is kept this long after it ended, so a repeated key is recognised (Autumn keeps keys 24 h). */
export const SETTLED_RETENTION_MS = 24 * 3_600_000;

const PAGE = 100;
const CONCURRENCY = 8;

async function sweepRow(ctx: Parameters<typeof settleWorkDone>[0], row: Row, now: number): Promise<StepResult> {
  if (row.leaseSlot && row.state === "reserved") return closeLeaseNow(ctx, row.lockId);
  const action = sweepActionFor({ state: machineState(row.state), leased: row.leaseLockId !== undefined });
  switch (action) {
    case "release_local":
      await ctx.runMutation(internal.billing.reservations.store.advance, { lockId: row.lockId, event: { type: "released" } });
      return "done";
    case "release_in_autumn":
      return releaseAbandoned(ctx, row, now);
    case "settle":
      return settleWorkDone(ctx, row);
    default:
      return "skipped";
  }
}

/**
 * One sweep: abandoned rows at `now` (default: the clock), PAGE per state at
 * a time, CONCURRENCY in flight; continues while a page came back full and
 * something moved. Returns counts (for tests and logs).
 */
export const sweep = internalAction({
  args: { now: v.optional(v.number()) },
  returns: v.object({ done: v.number(), retry: v.number(), skipped: v.number() }),
  handler: async (ctx, { now }) => {
    const counts = { done: 0, retry: 0, skipped: 0 };
    for (let page = 0; page < 50; page++) {
      const at = now ?? Date.now();
      const rows = (await ctx.runQuery(internal.billing.reservations.store.listAbandoned, { now: at, limit: PAGE })) as Row[];
      let next = 0;
      let moved = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < rows.length) {
          const row = rows[next++] as Row;
          const result = await sweepRow(ctx, row, at).catch((err: unknown) => {
            if (err instanceof Error && err.name === "CrashError") throw err;
            console.error(`billing: sweeping ${row.lockId} failed: ${String(err)}`);
            return "retry" as const;
          });
          counts[result] += 1;
          if (result === "done") moved += 1;
        }
      }));
      if (moved === 0 || rows.length < PAGE) break;
    }
    return counts;
  },
});

/** Forget rows that ended more than SETTLED_RETENTION_MS ago (a repeated key is recognised until then; Autumn keeps keys 24 h). */
export const prune = internalMutation({
  args: { now: v.optional(v.number()), limit: v.optional(v.number()) },
  returns: v.number(),
  handler: async (ctx, { now, limit }) => {
    const n = Math.min(Math.max(1, Math.floor(limit ?? 500)), 2000);
    const cutoff = (now ?? Date.now()) - SETTLED_RETENTION_MS;
    let deleted = 0;
    for (const state of ["settled", "released", "expired", "confirmed"] as const) {
      const old = await ctx.db.query("billingReservations").withIndex("by_state_updatedAt", (q) => q.eq("state", state).lt("updatedAt", cutoff)).take(n);
      for (const row of old) { await ctx.db.delete(row._id); deleted += 1; }
    }
    if (deleted >= n) await ctx.scheduler.runAfter(0, internal.billing.reservations.sweeper.prune, { ...(now === undefined ? {} : { now }), limit: n });
    return deleted;
  },
});
