// The metered-reservation table (machine.ts says what each state owes),
// spread into billingTables (../schema.ts). Its own file so the reservation
// flow owns its shape.
import { defineTable } from "convex/server";
import { v, type Infer } from "convex/values";

/** What one unit of a metered feature costs in a credit system paying for it. */
export const creditCost = v.object({ featureId: v.string(), creditCost: v.number() });
export type CreditCost = Infer<typeof creditCost>;
/** Units to give back to one balance on release. */
export const balanceDelta = v.object({ featureId: v.string(), giveBack: v.number() });
export type BalanceDelta = Infer<typeof balanceDelta>;

export const reservationState = v.union(
  v.literal("claimed"), v.literal("reserving"), v.literal("reserve_unknown"), v.literal("reserved"),
  v.literal("work_done"), v.literal("settled"), v.literal("released"), v.literal("expired"),
  // Rows written before the state machine (held = reserved, confirmed = settled); read, never written.
  v.literal("held"), v.literal("confirmed"),
);

export const reservationOutcome = v.union(
  v.literal("confirmed"), v.literal("tracked"), v.literal("released"), v.literal("denied"), v.literal("refused"), v.literal("expired"),
);

/** One metered operation (or one lease: a block of units reserved under one lock and spent by operations locally). */
export const reservationFields = {
  organizationId: v.string(),
  featureId: v.string(),
  /** The lock id in Autumn: derived from org + feature + the caller's idempotency key (`#n` for a later attempt after a release). */
  lockId: v.string(),
  units: v.number(),
  state: reservationState,
  createdAt: v.number(),
  /** When the state last moved (the sweeper's clock). Absent on rows written before the state machine. */
  updatedAt: v.optional(v.number()),
  /** The lock's expiry at Autumn. */
  expiresAt: v.number(),
  settledAt: v.union(v.number(), v.null()),
  outcome: v.optional(v.union(reservationOutcome, v.null())),
  /** The work ran without a confirmed reservation (fail-open): settle by confirm if a lock exists, else track. */
  failOpen: v.optional(v.boolean()),
  /** Units taken from this lease (a lease row) — work_done and reserved children. */
  spent: v.optional(v.number()),
  /** A lease row: `org:feature:shard`; children are taken only while it is reserved and before `takeUntil`. */
  leaseSlot: v.optional(v.string()),
  takeUntil: v.optional(v.number()),
  /** An operation whose units came from a lease: that lease's lock id (no lock of its own). */
  leaseLockId: v.optional(v.string()),
  /** Settlement attempts that Autumn did not take (background settler and sweeper). */
  attempts: v.optional(v.number()),
  lastError: v.optional(v.union(v.string(), v.null())),
};

export const reservationTables = {
  billingReservations: defineTable(reservationFields)
    .index("by_lockId", ["lockId"])
    .index("by_state_expiresAt", ["state", "expiresAt"])
    .index("by_state_updatedAt", ["state", "updatedAt"])
    .index("by_leaseLockId_state", ["leaseLockId", "state"])
    .index("by_leaseSlot_state", ["leaseSlot", "state"])
    .index("by_organizationId_featureId_createdAt", ["organizationId", "featureId", "createdAt"]),
};
