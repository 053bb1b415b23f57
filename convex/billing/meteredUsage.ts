// Metered work for OTHER backend modules (actions only): the flow of one
// operation through the reservation state machine (reservations/machine.ts),
// with an idempotency key, in as few Autumn calls as possible.
//
//   const reply = await withMeteredUsage(ctx,
//     { organizationId, featureId: "premium_messages", units: 1, idempotencyKey: requestId },
//     () => generateReply(prompt));
//
// One call (Autumn calls marked ⇄; each state is written BEFORE the call it leads to):
//   1. claim: a row for the operation, lock id = org + feature + key
//      (reservations/store.claim): a key whose work already ran → CONFLICT
//      {duplicate: true} (nothing charged again, work not run — also while its
//      confirm is pending or its lock expired); a key still open → CONFLICT
//      {inFlight: true}; a key whose earlier attempt was released → `…#n`.
//      A feature with headroom may take the units from a lease instead
//      (reservations/lease.ts): the row is reserved with no Autumn call.
//   2. reserving, then ⇄ balances.check {required_balance, lock} — the only
//      Autumn call before the work. Denied → QUOTA_EXCEEDED {featureId,
//      remaining, required}. Allowed → reserved (balances cached from the
//      answer). A retry that says lock_already_exists = our own lock. No answer
//      → reserve_unknown; the sweeper releases the lock in Autumn by its id.
//   3. work(ticket); success → work_done, and the confirm is scheduled in the
//      background (runAfter 0, reservations/settle.ts) — the caller does not
//      wait for it. With `recordsDone`, the work's own mutation wrote
//      work_done in its transaction (meteredWork.ts): no mutation here.
//      Failure → ⇄ finalize release, released, the work's error rethrown
//      (unless the work's mutation had already recorded it done: billed).
//   4. the settler: ⇄ finalize confirm (or track with the row's key when the
//      lock expired) → settled, units added to the usage ledger.
// An action that dies anywhere leaves a row the sweeper settles
// (reservations/sweeper.ts, cron every minute).
//
// Fail closed (principle 5) when Autumn is unreachable on reserve, unless the
// feature fails OPEN (`failOpenFor`): then the work runs and the row is
// settled like any work_done row (confirm if a lock exists, else track).
//
// Units: always the metered feature's units (1 premium message), never
// credits: Autumn converts through the credit system's credit_cost.
// Usage history (the chart) is metering.ts's `getUsageHistory`, from the
// ledger (reservations/ledger.ts) — reactive, zero Autumn calls. This module
// calls Autumn, so only actions import it; metering.ts (queries) never loads
// autumn-js.
import type { FunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { billingError, billingErrorCode } from "./errors";
import { retryIfNotProvisioned } from "./customerAccess";
import { duplicateRun, runInFlight, type MeteredTicket } from "./meteredWork";
import type { Balance } from "./schema";
import {
  autumnCodeOf, balancesOf, checkWithLock, describe, lockIdFor, readBalances, releaseDeltas, releaseLock, remainingUnits,
  type CreditCost,
} from "./reservations/autumnCalls";
import { crashPoint } from "./reservations/crash";
import { LOCK_TTL_MS } from "./reservations/machine";
import { openLease } from "./reservations/leasing";

export { lockIdFor } from "./reservations/autumnCalls";
export { utcDay } from "./reservations/ledger";
export { LOCK_TTL_MS } from "./reservations/machine";
export { adjustSeats, SEATS_FEATURE_ID, type AdjustSeatsArgs } from "./seats";

/**
 * Features that fail OPEN when Autumn is unreachable on reserve (the work
 * runs; the usage is settled afterwards). Everything else fails closed.
 * Precedence, first match wins: the call's own `failOpen`; env
 * `BILLING_FAIL_OPEN_FEATURES` (comma-separated ids, `*` for all); env
 * `BILLING_FAIL_CLOSED_FEATURES`; this map; closed.
 */
export const FAIL_OPEN_DEFAULTS: Readonly<Record<string, boolean>> = {};

function envList(env: Record<string, string | undefined>, name: string): Set<string> {
  return new Set((env[name] ?? "").split(",").map((s) => s.trim()).filter(Boolean));
}

export function failOpenFor(featureId: string, override?: boolean, env: Record<string, string | undefined> = process.env): boolean {
  if (override !== undefined) return override;
  const open = envList(env, "BILLING_FAIL_OPEN_FEATURES");
  if (open.has(featureId) || open.has("*")) return true;
  if (envList(env, "BILLING_FAIL_CLOSED_FEATURES").has(featureId)) return false;
  return FAIL_OPEN_DEFAULTS[featureId] ?? false;
}

export interface MeteredUsageArgs {
  organizationId: string;
  featureId: string;
  /** In the feature's own units (default 1). A batch of N is `units: N`. */
  units?: number;
  /** One per logical operation; a retry of the operation passes the same key. */
  idempotencyKey: string;
  /** Fail open for this call when Autumn is unreachable; default per feature (`failOpenFor`). */
  failOpen?: boolean;
  /** Take the units from a lease when the feature has headroom (default true; false = a lock of its own). */
  lease?: boolean;
  /**
   * The work passes its ticket to a `meteredMutation` (meteredWork.ts), which
   * records the work done in the work's own transaction: one mutation fewer
   * per call, and no gap between the work committing and its usage being owed.
   * A work that returns without running that mutation is treated as not done
   * (its units are released by the sweeper, never billed).
   */
  recordsDone?: boolean;
}

interface Reservation {
  organizationId: string;
  featureId: string;
  units: number;
  lockId: string;
  expiresAt: number;
  creditCosts: CreditCost[];
}

export type MeterOutcome<T> = { kind: "done"; value: T } | { kind: "duplicate"; lockId: string };

/**
 * Reserve `units` of `featureId` for the org, run `work`, settle on success
 * (in the background) or release on failure (rethrowing the work's error).
 * Typed failures: QUOTA_EXCEEDED {featureId, remaining, required, included},
 * AUTUMN_UNAVAILABLE (fail-closed features), RATE_LIMITED, CONFLICT
 * {duplicate | inFlight}, INVALID_ARGUMENT. See the file header.
 */
export async function withMeteredUsage<T>(ctx: ActionCtx, args: MeteredUsageArgs, work: (ticket: MeteredTicket) => Promise<T>): Promise<T> {
  const outcome = await runMetered(ctx, args, work);
  if (outcome.kind === "duplicate") {
    throw duplicateRun(args.featureId, outcome.lockId);
  }
  return outcome.value;
}

/**
 * Metered work that is one mutation: `mutation` (a meteredMutation, meteredWork.ts)
 * runs with `mutationArgs`, charged `units` of `featureId` once per
 * `idempotencyKey`. With a lease that has room, the claim, the work and the
 * usage record are ONE transaction (no Autumn call, no other mutation);
 * otherwise the ordinary path (withMeteredUsage with recordsDone). Same
 * typed errors as withMeteredUsage.
 */
export async function runMeteredMutation<A extends Record<string, unknown>, R>(
  ctx: ActionCtx, args: Omit<MeteredUsageArgs, "recordsDone">,
  mutation: FunctionReference<"mutation", "internal", A & { meteringTicket: MeteredTicket }, R>, mutationArgs: A,
): Promise<R> {
  const { organizationId, featureId } = args;
  const units = validateArgs(args);
  // Widened to plain object args (the signature above already checked mutationArgs against the mutation's own).
  const ref: FunctionReference<"mutation", "internal", Record<string, unknown>, R> = mutation;
  const call = (meteringTicket: MeteredTicket): Promise<R> => ctx.runMutation(ref, { ...mutationArgs, meteringTicket });
  if (args.lease !== false) {
    const claim = { organizationId, featureId, units, expiresAt: Date.now() + LOCK_TTL_MS };
    try {
      return await call({ lockId: lockIdFor(organizationId, featureId, args.idempotencyKey), claim });
    } catch (err) {
      const data: unknown = err instanceof ConvexError ? err.data : null;
      const noLease = typeof data === "object" && data !== null && "leaseUnavailable" in data && data.leaseUnavailable === true;
      if (!noLease) throw err; // the work's own error: its writes and the claim were rolled back together
    }
  }
  return withMeteredUsage(ctx, { ...args, recordsDone: true }, call);
}

/** The arguments' checks (INVALID_ARGUMENT); the units to charge. */
function validateArgs(args: MeteredUsageArgs): number {
  const units = args.units ?? 1;
  if (!args.organizationId || !args.featureId) throw billingError("INVALID_ARGUMENT", "organizationId and featureId are required");
  if (!Number.isFinite(units) || units <= 0) throw billingError("INVALID_ARGUMENT", "units must be a positive number", { units });
  if (!args.idempotencyKey || args.idempotencyKey.length > 200) throw billingError("INVALID_ARGUMENT", "idempotencyKey must be 1-200 characters");
  return units;
}

const advance = (ctx: ActionCtx, args: Parameters<ActionCtx["runMutation"]>[1] & { lockId: string }) =>
  ctx.runMutation(internal.billing.reservations.store.advance, args as never) as Promise<{ applied: boolean; state: string }>;

export async function runMetered<T>(ctx: ActionCtx, args: MeteredUsageArgs, work: (ticket: MeteredTicket) => Promise<T>): Promise<MeterOutcome<T>> {
  const { organizationId, featureId, idempotencyKey } = args;
  const units = validateArgs(args);

  const expiresAt = Date.now() + LOCK_TTL_MS;
  const claim = await ctx.runMutation(internal.billing.reservations.store.claim, {
    organizationId, featureId, units, baseLockId: lockIdFor(organizationId, featureId, idempotencyKey), expiresAt, lease: args.lease !== false,
  });
  if (claim.kind === "duplicate") return { kind: "duplicate", lockId: claim.lockId };
  if (claim.kind === "in_flight") {
    throw runInFlight(featureId, claim.lockId);
  }
  crashPoint("after_claim", claim.lockId);
  const r: Reservation = { organizationId, featureId, units, lockId: claim.lockId, expiresAt: claim.kind === "leased" ? claim.expiresAt : expiresAt, creditCosts: claim.creditCosts };

  let reserved: Balance[] | null = null;
  if (claim.kind === "claimed") {
    await advance(ctx, { lockId: r.lockId, event: { type: "begin_reserve" } });
    // No lease had room: open one for the next calls, alongside this call's own reserve (no added latency).
    const opening = claim.openLease
      ? openLease(ctx, { ...claim.openLease, organizationId, featureId, expiresAt })
      : Promise.resolve();
    try {
      const outcome = await reserve(ctx, r).finally(() => opening);
      if (outcome.kind === "denied") throw outcome.error; // the row is already released
      reserved = outcome.balances;
    } catch (err) {
      if (billingErrorCode(err) === "QUOTA_EXCEEDED" || (err instanceof Error && err.name === "CrashError")) throw err;
      const unknown = billingErrorCode(err) === "AUTUMN_UNAVAILABLE" || billingErrorCode(err) === "RATE_LIMITED";
      // No answer: the lock may exist (the sweeper releases it by id). A refusal: nothing is held.
      await advance(ctx, { lockId: r.lockId, event: { type: unknown ? "reserve_lost" : "reserve_refused" } });
      if (billingErrorCode(err) === "AUTUMN_UNAVAILABLE" && failOpenFor(featureId, args.failOpen)) {
        return { kind: "done", value: await runFailOpen(ctx, r, work, args.recordsDone === true) };
      }
      throw err;
    }
  }
  crashPoint("after_reserve", r.lockId);
  // This call's lease is running low: open the shard's next one while the work runs (never throws).
  const refilling = claim.kind === "leased" && claim.openLease
    ? openLease(ctx, { ...claim.openLease, organizationId, featureId, expiresAt })
    : null;

  let value: T;
  try {
    value = await work({ lockId: r.lockId });
  } catch (err) {
    if (err instanceof Error && err.name === "CrashError") throw err;
    await refilling;
    if (!(args.recordsDone && await recordedDone(ctx, r.lockId))) await releaseAfterFailure(ctx, r, claim.kind === "leased", reserved);
    throw err;
  }
  if (!args.recordsDone) await advance(ctx, { lockId: r.lockId, event: { type: "work_ok" } });
  await refilling;
  crashPoint("after_work", r.lockId);
  return { kind: "done", value };
}

type ReserveOutcome = { kind: "reserved"; balances: Balance[] | null } | { kind: "denied"; error: ReturnType<typeof billingError> };

/** The one Autumn call before the work (the row is `reserving`). Transport failures throw. */
async function reserve(ctx: ActionCtx, r: Reservation): Promise<ReserveOutcome> {
  let answer: Awaited<ReturnType<typeof checkWithLock>>;
  try {
    // Not provisioned yet (the org-created trigger has not run): one provision, one more ask (customerAccess.ts).
    answer = await retryIfNotProvisioned(ctx, r.organizationId, () => checkWithLock(r));
  } catch (err) {
    if (billingErrorCode(err) === "CONFLICT" && autumnCodeOf(err) === "lock_already_exists") {
      // An earlier attempt of this very check reserved under our lock id; only its answer was lost.
      crashPoint("during_reserve", r.lockId);
      const balances = await readBalances(r.organizationId, r.featureId);
      await advance(ctx, { lockId: r.lockId, event: { type: "reserve_ok" }, balances: balances ?? [] });
      return { kind: "reserved", balances: null };
    }
    throw err;
  }
  crashPoint("during_reserve", r.lockId);
  const balances = balancesOf(answer);
  if (!answer.allowed) {
    await advance(ctx, { lockId: r.lockId, event: { type: "reserve_denied" }, balances });
    const remaining = remainingUnits(r.featureId, balances, r.creditCosts);
    // Which limit refused (an owner's usage/spend limit is raised, not upgraded away): controlsApi.ts.
    const limitType = await ctx.runQuery(internal.billing.controlsApi.explainDenial, { organizationId: r.organizationId, featureId: r.featureId, units: r.units });
    return {
      kind: "denied",
      error: billingError("QUOTA_EXCEEDED", `Not enough ${r.featureId} left: ${r.units} needed, ${remaining} remaining`, {
        featureId: r.featureId, remaining, required: r.units, included: balances.length > 0, limitType,
      }),
    };
  }
  await advance(ctx, { lockId: r.lockId, event: { type: "reserve_ok" }, balances });
  return { kind: "reserved", balances };
}

/** Did the work's own mutation record it done before the work failed (then it is billed, not released)? */
async function recordedDone(ctx: ActionCtx, lockId: string): Promise<boolean> {
  const row = await ctx.runQuery(internal.billing.reservations.store.get, { lockId });
  return row !== null && ["work_done", "settled"].includes(row.state);
}

/** The work failed: release the lock in Autumn (the row stays `reserved` until it is released, so a crash here is swept). */
async function releaseAfterFailure(ctx: ActionCtx, r: Reservation, leased: boolean, reserved: Balance[] | null): Promise<void> {
  try {
    if (leased) {
      await advance(ctx, { lockId: r.lockId, event: { type: "released" } }); // the units go back to the lease
      return;
    }
    const result = await releaseLock(r.lockId);
    if (!result.ok) {
      console.warn(`billing: release of ${r.lockId} deferred to the sweeper: ${result.error}`);
      return;
    }
    const deltas = releaseDeltas(r.featureId, r.units, reserved, r.creditCosts);
    const balances = deltas ? undefined : (await readBalances(r.organizationId, r.featureId)) ?? undefined;
    await advance(ctx, { lockId: r.lockId, event: { type: "released" }, ...(balances ? { balances } : {}), deltas: deltas ?? [] });
  } catch (err) {
    // The work's own error is what the caller must see; the sweeper releases the row.
    console.error(`billing: could not release ${r.lockId}: ${describe(err)}`);
  }
}

/** Autumn was unreachable on reserve and the feature fails open: run the work, then settle like any work_done row. */
async function runFailOpen<T>(ctx: ActionCtx, r: Reservation, work: (ticket: MeteredTicket) => Promise<T>, recordsDone: boolean): Promise<T> {
  console.warn(`billing: Autumn unreachable; ${r.featureId} fails open for ${r.organizationId}`);
  const value = await work({ lockId: r.lockId, failOpen: true }); // on failure the row stays reserve_unknown: the sweeper releases any lock
  if (!recordsDone) await advance(ctx, { lockId: r.lockId, event: { type: "work_ok", failOpen: true } });
  return value;
}
