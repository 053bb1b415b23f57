// Seats (allocated features): +1 is a metered reservation of one seat (denied
// at the limit), −1 a negative track that gives one back, both idempotent by
// the caller's key. Split out of metering.ts; re-exported from
// meteredUsage.ts, which is where convex/members imports it from. For actions
// only (it calls Autumn); the balances it reports are cached by
// reservations/store.writeBalances.
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { billingError, billingErrorCode } from "./errors";
import { runMetered } from "./meteredUsage";
import { autumnCodeOf, balancesOf, readBalances } from "./reservations/autumnCalls";
import type { Balance } from "./schema";

export const SEATS_FEATURE_ID = "seats";

export interface AdjustSeatsArgs {
  organizationId: string;
  delta: 1 | -1;
  idempotencyKey: string;
  /** The allocated feature (default "seats"). */
  featureId?: string;
}

/**
 * +1: reserve one seat (denied at the limit with QUOTA_EXCEEDED; the confirm
 * follows in the background); −1: a negative `track` (Autumn gives the seat
 * back), idempotent by key. Repeating a key is a no-op. Returns the seat
 * balance as Autumn reported it (also written to the cache), or null.
 */
export async function adjustSeats(ctx: ActionCtx, args: AdjustSeatsArgs): Promise<Balance | null> {
  const featureId = args.featureId ?? SEATS_FEATURE_ID;
  const { organizationId, idempotencyKey } = args;
  if (args.delta !== 1 && args.delta !== -1) {
    throw billingError("INVALID_ARGUMENT", "delta must be +1 or -1");
  }
  if (args.delta === 1) {
    await runMetered(ctx, { organizationId, featureId, units: 1, idempotencyKey: `seat+:${idempotencyKey}`, lease: false }, async () => null);
    return ctx.runQuery(internal.billing.metering.cachedBalance, { organizationId, featureId });
  }
  const key = `seat-:${organizationId}:${featureId}:${idempotencyKey}`;
  let balances: Balance[] | null;
  try {
    balances = await callAutumn("balances.track", async (c, o) => balancesOf(await c.track({ customerId: organizationId, featureId, value: -1 }, o)), {
      write: true, idempotencyKey: key, onDuplicate: async () => null,
    });
  } catch (err) {
    // The caller repeated the key: that refund was already applied.
    if (!(billingErrorCode(err) === "CONFLICT" && autumnCodeOf(err) === "duplicate_idempotency_key")) throw err;
    balances = null;
  }
  balances ??= await readBalances(organizationId, featureId);
  if (balances) await ctx.runMutation(internal.billing.reservations.store.writeBalances, { organizationId, balances });
  return balances?.find((b) => b.featureId === featureId) ?? null;
}
