// Transactions of owed seat adjustments (seatChanges.ts runs the Autumn side).
import { v } from "convex/values";
import { internalMutation, internalQuery } from "../_generated/server";
import { membershipIn } from "./functions";
import { seatChangeFields, seatChangeState } from "./seatChangesSchema";

/** A pending row older than this belongs to an action that died. */
export const SEAT_PENDING_STALE_MS = 2 * 60_000;
/** Settled and canceled rows are kept this long (a repeated key is recognised). */
export const SEAT_RETENTION_MS = 7 * 86_400_000;

/** The seat reservation's lock id (reservations/autumnCalls.lockIdFor over adjustSeats' "seat+:" key; not imported: that module loads autumn-js). */
const seatLockId = (organizationId: string, featureId: string, key: string): string => `meter:${organizationId}:${featureId}:seat+:${key}`;

const row = v.object({ _id: v.id("billingSeatChanges"), _creationTime: v.number(), ...seatChangeFields });

/** Record the change before the membership moves (idempotent by key: a live row with the key is returned as is). */
export const begin = internalMutation({
  args: { organizationId: v.string(), featureId: v.string(), userId: v.string(), delta: v.union(v.literal(1), v.literal(-1)), key: v.string(), state: v.optional(seatChangeState) },
  returns: v.id("billingSeatChanges"),
  handler: async (ctx, args) => {
    const existing = await ctx.db.query("billingSeatChanges").withIndex("by_key", (q) => q.eq("key", args.key)).first();
    if (existing && existing.state !== "canceled") return existing._id;
    const now = Date.now();
    return ctx.db.insert("billingSeatChanges", { ...args, state: args.state ?? "pending", attempts: 0, createdAt: now, updatedAt: now });
  },
});

/** Move a row on: pending → owed | settled | canceled, owed → settled (or stays owed with the error). */
export const mark = internalMutation({
  args: { id: v.id("billingSeatChanges"), state: seatChangeState, error: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { id, state, error }) => {
    const doc = await ctx.db.get(id);
    if (!doc || doc.state === "settled" || doc.state === "canceled") return null;
    const failed = error !== undefined;
    await ctx.db.patch(id, {
      state, updatedAt: Date.now(),
      ...(failed ? { attempts: doc.attempts + 1, lastError: error.slice(0, 500) } : {}),
    });
    return null;
  },
});

/** Rows the sweeper owes work to at `now`: every owed row, and pending rows whose action is gone. */
export const listDue = internalQuery({
  args: { now: v.number(), limit: v.number() },
  returns: v.array(row),
  handler: async (ctx, { now, limit }) => {
    const owed = await ctx.db.query("billingSeatChanges").withIndex("by_state_updatedAt", (q) => q.eq("state", "owed")).take(limit);
    const stale = await ctx.db.query("billingSeatChanges")
      .withIndex("by_state_updatedAt", (q) => q.eq("state", "pending").lt("updatedAt", now - SEAT_PENDING_STALE_MS)).take(limit);
    return [...owed, ...stale];
  },
});

/**
 * What a dead action left, from the host and the reservation table: is the
 * user a member now, and (for +1) was the seat taken in Autumn (its
 * reservation ran: work_done / settled)?
 */
export const facts = internalQuery({
  args: { id: v.id("billingSeatChanges") },
  returns: v.union(v.object({ member: v.boolean(), seatTaken: v.boolean() }), v.null()),
  handler: async (ctx, { id }) => {
    const doc = await ctx.db.get(id);
    if (!doc) return null;
    const member = (await membershipIn(ctx, doc.organizationId, doc.userId)) !== null;
    let seatTaken = false;
    if (doc.delta === 1) {
      const base = seatLockId(doc.organizationId, doc.featureId, doc.key);
      const tries = await ctx.db.query("billingReservations")
        .withIndex("by_lockId", (q) => q.gte("lockId", base).lt("lockId", `${base}$`)).take(20);
      seatTaken = tries.some((r) => (r.lockId === base || r.lockId.startsWith(`${base}#`))
        && (r.state === "work_done" || r.state === "settled" || r.state === "confirmed"));
    }
    return { member, seatTaken };
  },
});

/** Seat usage the rows still owe Autumn, per org (tests and the admin view). */
export const owedCount = internalQuery({
  args: { organizationId: v.string() },
  returns: v.number(),
  handler: async (ctx, { organizationId }) => {
    const owed = await ctx.db.query("billingSeatChanges").withIndex("by_organizationId_state", (q) => q.eq("organizationId", organizationId).eq("state", "owed")).collect();
    const pending = await ctx.db.query("billingSeatChanges").withIndex("by_organizationId_state", (q) => q.eq("organizationId", organizationId).eq("state", "pending")).collect();
    return owed.length + pending.length;
  },
});

/** Forget settled / canceled rows past retention, 500 per state per call. */
export const prune = internalMutation({
  args: { now: v.optional(v.number()) },
  returns: v.number(),
  handler: async (ctx, { now }) => {
    const cutoff = (now ?? Date.now()) - SEAT_RETENTION_MS;
    let n = 0;
    for (const state of ["settled", "canceled"] as const) {
      const old = await ctx.db.query("billingSeatChanges").withIndex("by_state_updatedAt", (q) => q.eq("state", state).lt("updatedAt", cutoff)).take(500);
      for (const doc of old) { await ctx.db.delete(doc._id); n += 1; }
    }
    return n;
  },
});
