// The work's own mutation records that the metered work ran, in the SAME
// transaction as the work's writes. Why: with `withMeteredUsage` alone, the
// work commits in one mutation and `work_done` is written by the next one; an
// action that dies between the two leaves work that ran but is released
// unbilled, and every call pays one more mutation. A mutation built with
// `meteredMutation` takes the operation's ticket and moves its reservation
// row reserved → work_done as its last step: the work's writes and the usage
// record commit together or not at all.
//
//   export const storeReply = meteredMutation({
//     args: { organizationId: v.string(), text: v.string() },
//     returns: v.id("messages"),
//     handler: (ctx, args) => ctx.db.insert("messages", args),
//   });
//   // in the action:
//   await withMeteredUsage(ctx, { organizationId, featureId, idempotencyKey, recordsDone: true },
//     (ticket) => ctx.runMutation(internal.chat.storeReply, { ...args, meteringTicket: ticket }));
//
// A ticket records once. A ticket whose reservation is no longer held (the
// row was released or marked expired, or it already recorded) throws
// CONFLICT {ticket}, which rolls the work's writes back: work that commits is
// always billed (a lock that expired before the row was marked is billed by a
// track with the row's key when it settles).
//
// When the whole work IS the mutation, `runMeteredMutation` (meteredUsage.ts)
// goes one step further: the ticket carries the claim, and the mutation takes
// the units from a lease in its own transaction — claim, work and work_done
// in ONE mutation, no Autumn call. No lease with room: the mutation refuses
// (CONFLICT {leaseUnavailable}, nothing written) and the caller takes the
// ordinary path (reserve, then the same mutation with a plain ticket).
import { customMutation } from "convex-helpers/server/customFunctions";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { billingError } from "./errors";
import { applyEvent, claimRow } from "./reservations/store";

/** The operation's reservation, handed to the work (withMeteredUsage) and on to its mutation. */
export const meteredTicket = v.object({
  lockId: v.string(),
  /** The reserve got no answer and the feature fails open: the work runs without a confirmed reservation. */
  failOpen: v.optional(v.boolean()),
  /** Claim inside the work's own transaction, from a lease only (runMeteredMutation); `lockId` is then the key's base lock id. */
  claim: v.optional(v.object({ organizationId: v.string(), featureId: v.string(), units: v.number(), expiresAt: v.number() })),
});
export type MeteredTicket = Infer<typeof meteredTicket>;

/** The work of this key already ran and was charged: it is not repeated (withMeteredUsage and runMeteredMutation alike). */
export const duplicateRun = (featureId: string, lockId: string) =>
  billingError("CONFLICT", "This operation was already carried out and charged; it is not repeated", { duplicate: true, featureId, lockId });
/** Another try of this key is still open. */
export const runInFlight = (featureId: string, lockId: string) =>
  billingError("CONFLICT", "The same operation is already in progress", { inFlight: true, featureId, lockId });

/** Record, in the caller's transaction, that the ticket's work ran (reserved → work_done). Throws CONFLICT when it cannot. */
export async function recordWorkDone(ctx: MutationCtx, ticket: MeteredTicket): Promise<void> {
  const step = await applyEvent(ctx, ticket.lockId, { type: "work_ok", ...(ticket.failOpen ? { failOpen: true } : {}) });
  if (!step.applied) {
    throw billingError("CONFLICT", "This metered operation's reservation is no longer held; the work was not saved", {
      ticket: ticket.lockId, state: step.state,
    });
  }
}

/** The claim a ticket carries, made in the caller's transaction from a lease; the row's lock id. Throws CONFLICT {leaseUnavailable} otherwise. */
async function claimFromLease(ctx: MutationCtx, ticket: MeteredTicket & { claim: NonNullable<MeteredTicket["claim"]> }): Promise<string> {
  const { organizationId, featureId, units, expiresAt } = ticket.claim;
  const claimed = await claimRow(ctx, { organizationId, featureId, units, expiresAt, baseLockId: ticket.lockId, lease: true });
  // The key's own answers are final whichever path claims: no second claim just to say them again.
  if (claimed.kind === "duplicate") throw duplicateRun(featureId, claimed.lockId);
  if (claimed.kind === "in_flight") throw runInFlight(featureId, claimed.lockId);
  if (claimed.kind !== "leased") {
    // Thrown, so whatever the claim wrote (an expired try, a lease row to open) is rolled back with it.
    throw billingError("CONFLICT", "No lease has room for this call; it reserves on its own", { leaseUnavailable: true, featureId });
  }
  if (claimed.openLease) {
    // The lease is running low: a mutation cannot call Autumn, so the next one is opened by a job, right away.
    await ctx.scheduler.runAfter(0, internal.billing.reservations.leasing.openLeaseJob, { ...claimed.openLease, organizationId, featureId, expiresAt });
  }
  return claimed.lockId;
}

/**
 * An internal mutation that is the metered work: it takes `meteringTicket`
 * (besides its own args) and records the work done as its last step, in the
 * same transaction. Use with `withMeteredUsage(…, { recordsDone: true }, …)`.
 */
export const meteredMutation = customMutation(internalMutation, {
  args: { meteringTicket: meteredTicket },
  input: async (ctx, { meteringTicket }) => {
    const { claim } = meteringTicket;
    const lockId = claim ? await claimFromLease(ctx, { ...meteringTicket, claim }) : meteringTicket.lockId;
    return { ctx: {}, args: {}, onSuccess: () => recordWorkDone(ctx, { lockId, ...(meteringTicket.failOpen ? { failOpen: true } : {}) }) };
  },
});
