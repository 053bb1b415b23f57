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
// lock expired, the row was released, or it already recorded) throws
// CONFLICT {ticket}, which rolls the work's writes back: work that commits is
// always billed.
import { customMutation } from "convex-helpers/server/customFunctions";
import { v, type Infer } from "convex/values";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { billingError } from "./errors";
import { applyEvent } from "./reservations/store";

/** The operation's reservation, handed to the work (withMeteredUsage) and on to its mutation. */
export const meteredTicket = v.object({
  lockId: v.string(),
  /** The reserve got no answer and the feature fails open: the work runs without a confirmed reservation. */
  failOpen: v.optional(v.boolean()),
});
export type MeteredTicket = Infer<typeof meteredTicket>;

/** Record, in the caller's transaction, that the ticket's work ran (reserved → work_done). Throws CONFLICT when it cannot. */
export async function recordWorkDone(ctx: MutationCtx, ticket: MeteredTicket): Promise<void> {
  const step = await applyEvent(ctx, ticket.lockId, { type: "work_ok", ...(ticket.failOpen ? { failOpen: true } : {}) });
  if (!step.applied) {
    throw billingError("CONFLICT", "This metered operation's reservation is no longer held; the work was not saved", {
      ticket: ticket.lockId, state: step.state,
    });
  }
}

/**
 * An internal mutation that is the metered work: it takes `meteringTicket`
 * (besides its own args) and records the work done as its last step, in the
 * same transaction. Use with `withMeteredUsage(…, { recordsDone: true }, …)`.
 */
export const meteredMutation = customMutation(internalMutation, {
  args: { meteringTicket: meteredTicket },
  input: async (ctx, { meteringTicket }) => ({
    ctx: {},
    args: {},
    onSuccess: () => recordWorkDone(ctx, meteringTicket),
  }),
});
