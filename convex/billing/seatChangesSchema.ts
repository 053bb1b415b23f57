// Owed seat adjustments (seatChanges.ts), spread into billingTables
// (schema.ts). A row is written BEFORE the membership change it pays for, so a
// refund that fails, or an action that dies between the membership change and
// its Autumn call, leaves a row that says what is owed; the seat sweeper
// settles it.
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const seatChangeState = v.union(
  /** The membership change is in flight (its action may have died: the sweeper asks the host what happened). */
  v.literal("pending"),
  /** The membership change happened; the Autumn adjustment is owed (retried until settled). */
  v.literal("owed"),
  v.literal("settled"),
  /** The membership change did not happen: nothing is owed. */
  v.literal("canceled"),
);

export const seatChangeFields = {
  organizationId: v.string(),
  featureId: v.string(),
  /** The member whose membership the change is about (the host is asked whether it exists). */
  userId: v.string(),
  delta: v.union(v.literal(1), v.literal(-1)),
  /** adjustSeats' idempotency key: every retry of the adjustment is the same Autumn write. */
  key: v.string(),
  state: seatChangeState,
  attempts: v.number(),
  lastError: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
};

export const seatChangeTables = {
  billingSeatChanges: defineTable(seatChangeFields)
    .index("by_key", ["key"])
    .index("by_state_updatedAt", ["state", "updatedAt"])
    .index("by_organizationId_state", ["organizationId", "state"]),
};
