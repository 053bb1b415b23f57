// Metered work for OTHER backend modules (actions only): reserve → work →
// confirm or release, with an idempotency key, in as few Autumn calls as
// possible.
//
//   const reply = await withMeteredUsage(ctx,
//     { organizationId, featureId: "premium_messages", units: 1, idempotencyKey: requestId },
//     () => generateReply(prompt));
//
// Lifecycle of one call (Autumn calls marked ⇄):
//   1. claim a reservation row (mutation). Its lock id is derived from the
//      idempotency key, so a retried operation can never reserve twice: a key
//      already confirmed → CONFLICT {duplicate: true} (nothing charged, work
//      not run); a key still held → CONFLICT {inFlight: true}; a key whose
//      earlier attempt was released/denied → a fresh lock id (`…#2`).
//   2. ⇄ balances.check {required_balance: units, lock: {lock_id, expires_at:
//      now + 5 min}} — the ONLY Autumn call before the work. Denied →
//      QUOTA_EXCEEDED {featureId, remaining, required} (remaining in the
//      feature's own units, credit systems converted). Allowed → the response
//      already carries the post-reservation balances; they are written into
//      the `billingCustomers` cache at once, so usage bars move with no extra
//      call. If the answer was lost and the retry says `lock_already_exists`,
//      the lock is ours (same lock id) and the reservation stands.
//   3. work().
//   4. success → ⇄ balances.finalize confirm (Idempotency-Key `<lock>:confirm`;
//      a 409 duplicate on a retry = an earlier attempt applied = done), then
//      mark the row confirmed and add the units to `billingUsageDays`.
//      failure → ⇄ balances.finalize release (`<lock>:release`), give the
//      units back in the cache (+units, or re-read when a reservation spanned
//      several balances), rethrow the work's own error.
//      If Autumn cannot be reached for the finalize, the work's result still
//      stands: the settlement is retried by a scheduled action, and a confirm
//      that finds its lock expired (Autumn released it) is replaced by a
//      `track` of the same units with its own idempotency key — usage is
//      neither lost nor counted twice (design principle 4).
//
// Fail closed (principle 5): when Autumn is unreachable on reserve the call
// fails with AUTUMN_UNAVAILABLE and the work does not run — unless the
// feature fails OPEN (see `failOpenFor`): then the work runs and the units
// are `track`ed afterwards with the idempotency key (retried in the
// background if Autumn is still down).
//
// Why a local usage ledger (`billingUsageDays`) feeds the usage-over-time
// chart instead of Autumn's events.aggregate: it is reactive (the chart moves
// the instant a message is confirmed), reading it costs zero Autumn calls
// (events are rate-limited to 5/s per customer), and it is written in the
// same mutation that records the confirm, so it can neither miss a confirmed
// unit nor count a released one. Buckets are UTC days (`day` = that day's
// 00:00 UTC in epoch ms), in the metered feature's own units.
//
// Units: always the metered feature's units (1 premium message), never
// credits: Autumn converts through the credit system's credit_cost.
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, internalMutation, internalQuery, type ActionCtx, type MutationCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { loadCustomerDoc, loadFeatures } from "./cache";
import { billingError, billingErrorCode } from "./errors";
import { memberQuery } from "./functions";
import { provision } from "./provisioning";
import { balance as balanceValidator, type Balance } from "./schema";
import { balanceToRow, type AutumnBalance } from "./mapping";
import { withTrackedUsage } from "./controls";

// ── configuration ──────────────────────────────────────────────────────────

/** How long a reservation may be held before Autumn releases it by itself. */
export const LOCK_TTL_MS = 5 * 60_000;
/** Retries of a settlement (confirm/release/track) Autumn did not take inline. */
export const SETTLE_RETRY_DELAYS_MS = [10_000, 30_000, 60_000, 120_000, 300_000, 900_000, 1_800_000];
/** A reservation is kept this long after it settled, so a repeated key is recognised (Autumn keeps keys 24 h). */
export const SETTLED_RETENTION_MS = 24 * 3_600_000;
export const SEATS_FEATURE_ID = "seats";
const DAY_MS = 86_400_000;
const MAX_ATTEMPTS_PER_KEY = 20;
const MAX_HISTORY_DAYS = 366;

/**
 * Features that fail OPEN when Autumn is unreachable on reserve (the work
 * runs; the usage is tracked afterwards). Everything else fails closed.
 * Precedence, first match wins:
 *   1. the call's own `failOpen` option;
 *   2. env `BILLING_FAIL_OPEN_FEATURES`: comma-separated feature ids, `*` for all;
 *   3. env `BILLING_FAIL_CLOSED_FEATURES`: comma-separated ids forced closed;
 *   4. this map;
 *   5. closed.
 * Edit the map for code-level defaults (e.g. `{ standard_messages: true }`).
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

/** Reservation lock id for one logical operation (the idempotency key, scoped to org and feature). */
export function lockIdFor(organizationId: string, featureId: string, idempotencyKey: string): string {
  return `meter:${organizationId}:${featureId}:${idempotencyKey}`;
}

/** 00:00 UTC of the day `at` falls in (epoch ms): the ledger's bucket. */
export function utcDay(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

// ── validators and shapes ──────────────────────────────────────────────────

const creditCost = v.object({ featureId: v.string(), creditCost: v.number() });
type CreditCost = Infer<typeof creditCost>;
const balanceDelta = v.object({ featureId: v.string(), giveBack: v.number() });
type BalanceDelta = Infer<typeof balanceDelta>;

const claimResult = v.union(
  v.object({ kind: v.literal("claimed"), lockId: v.string(), creditCosts: v.array(creditCost) }),
  v.object({ kind: v.literal("duplicate"), lockId: v.string() }),
  v.object({ kind: v.literal("in_flight"), lockId: v.string() }),
);

interface BalanceAnswer {
  balance: AutumnBalance | null;
  balances?: { [featureId: string]: AutumnBalance | null } | undefined;
}

/** Every balance an answer reports (the feature's own and any credit system paying for it). */
function balancesOf(answer: BalanceAnswer): Balance[] {
  const out = new Map<string, Balance>();
  for (const b of Object.values(answer.balances ?? {})) if (b) out.set(b.featureId, balanceToRow(b));
  if (answer.balance && !out.has(answer.balance.featureId)) out.set(answer.balance.featureId, balanceToRow(answer.balance));
  return [...out.values()];
}

/** Rate of `balance` in units of `featureId` (1 for its own balance, credit_cost for a credit system; null when unknown). */
function rateOf(featureId: string, balanceFeatureId: string, credits: readonly CreditCost[]): number | null {
  if (balanceFeatureId === featureId) return 1;
  return credits.find((c) => c.featureId === balanceFeatureId)?.creditCost ?? null;
}

/** What is left, in the metered feature's own units: the best single balance (Autumn judges one balance per check). */
function remainingUnits(featureId: string, balances: readonly Balance[], credits: readonly CreditCost[]): number {
  let best = 0;
  for (const b of balances) {
    const rate = rateOf(featureId, b.featureId, credits);
    if (rate === null || rate <= 0) continue;
    if (b.unlimited) return Number.MAX_SAFE_INTEGER;
    best = Math.max(best, Math.floor((b.remaining + 1e-9) / rate));
  }
  return best;
}

/** Which balances to credit back on release; null when the split is unknown (several balances involved). */
function releaseDeltas(featureId: string, units: number, balances: readonly Balance[] | null, credits: readonly CreditCost[]): BalanceDelta[] | null {
  if (!balances || balances.length !== 1) return null;
  const only = balances[0] as Balance;
  const rate = rateOf(featureId, only.featureId, credits);
  return rate === null ? null : [{ featureId: only.featureId, giveBack: units * rate }];
}

function dataOf(err: unknown): Record<string, unknown> {
  const data = (err as { data?: unknown }).data;
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
}

function autumnCodeOf(err: unknown): string | null {
  const code = dataOf(err).autumnCode;
  return typeof code === "string" ? code : null;
}

function describe(err: unknown): string {
  const data = dataOf(err);
  if (typeof data.message === "string") return `${String(data.code)}: ${data.message}`;
  return err instanceof Error ? err.message : String(err);
}

// ── the helper ─────────────────────────────────────────────────────────────

export interface MeteredUsageArgs {
  organizationId: string;
  featureId: string;
  /** In the feature's own units (default 1). A batch of N is `units: N`. */
  units?: number;
  /** One per logical operation; a retry of the operation passes the same key. */
  idempotencyKey: string;
  /** Fail open for this call when Autumn is unreachable; default per feature (`failOpenFor`). */
  failOpen?: boolean;
}

interface Reservation {
  organizationId: string;
  featureId: string;
  units: number;
  lockId: string;
  expiresAt: number;
  creditCosts: CreditCost[];
}

type MeterOutcome<T> = { kind: "done"; value: T } | { kind: "duplicate"; lockId: string };

/**
 * Reserve `units` of `featureId` for the org, run `work`, confirm on success
 * or release on failure (rethrowing the work's error). Typed failures:
 * QUOTA_EXCEEDED {featureId, remaining, required, included}, AUTUMN_UNAVAILABLE
 * (fail-closed features), RATE_LIMITED, CONFLICT {duplicate | inFlight},
 * INVALID_ARGUMENT. See the file header for the full lifecycle.
 */
export async function withMeteredUsage<T>(ctx: ActionCtx, args: MeteredUsageArgs, work: () => Promise<T>): Promise<T> {
  const outcome = await runMetered(ctx, args, work);
  if (outcome.kind === "duplicate") {
    throw billingError("CONFLICT", "This operation was already carried out and charged; it is not repeated", {
      duplicate: true, featureId: args.featureId, lockId: outcome.lockId,
    });
  }
  return outcome.value;
}

async function runMetered<T>(ctx: ActionCtx, args: MeteredUsageArgs, work: () => Promise<T>): Promise<MeterOutcome<T>> {
  const { organizationId, featureId, idempotencyKey } = args;
  const units = args.units ?? 1;
  if (!organizationId || !featureId) throw billingError("INVALID_ARGUMENT", "organizationId and featureId are required");
  if (!Number.isFinite(units) || units <= 0) throw billingError("INVALID_ARGUMENT", "units must be a positive number", { units });
  if (!idempotencyKey || idempotencyKey.length > 200) throw billingError("INVALID_ARGUMENT", "idempotencyKey must be 1-200 characters");

  const expiresAt = Date.now() + LOCK_TTL_MS;
  const claim = await ctx.runMutation(internal.billing.metering.claimReservation, {
    organizationId, featureId, units, baseLockId: lockIdFor(organizationId, featureId, idempotencyKey), expiresAt,
  });
  if (claim.kind === "duplicate") return { kind: "duplicate", lockId: claim.lockId };
  if (claim.kind === "in_flight") {
    throw billingError("CONFLICT", "The same operation is already in progress", { inFlight: true, featureId, lockId: claim.lockId });
  }
  const r: Reservation = { organizationId, featureId, units, lockId: claim.lockId, expiresAt, creditCosts: claim.creditCosts };

  let reserved: Balance[] | null;
  try {
    const outcome = await reserve(ctx, r);
    if (outcome.kind === "denied") throw outcome.error; // the row is already settled
    reserved = outcome.balances;
  } catch (err) {
    if (billingErrorCode(err) === "QUOTA_EXCEEDED") throw err;
    if (billingErrorCode(err) === "AUTUMN_UNAVAILABLE" && failOpenFor(featureId, args.failOpen)) {
      return { kind: "done", value: await runFailOpen(ctx, r, work) };
    }
    await ctx.runMutation(internal.billing.metering.recordReserve, { organizationId, lockId: r.lockId, outcome: "failed", balances: [] });
    throw err;
  }

  let value: T;
  try {
    value = await work();
  } catch (err) {
    await releaseAfterFailure(ctx, r, reserved);
    throw err;
  }
  await confirmAfterSuccess(ctx, r);
  return { kind: "done", value };
}

type ReserveOutcome =
  | { kind: "reserved"; balances: Balance[] | null }
  | { kind: "denied"; error: ReturnType<typeof billingError> };

/**
 * The one Autumn call before the work. Reserved: the post-reservation
 * balances (null when the answer was lost and the lock turned out to be ours
 * already). Denied: the QUOTA_EXCEEDED error to throw. Transport failures throw.
 */
async function reserve(ctx: ActionCtx, r: Reservation): Promise<ReserveOutcome> {
  const check = () => callAutumn("balances.check", (c, o) => c.check({
    customerId: r.organizationId,
    featureId: r.featureId,
    requiredBalance: r.units,
    lock: { lockId: r.lockId, enabled: true, expiresAt: r.expiresAt },
  }, o));

  let answer: BalanceAnswer & { allowed: boolean };
  try {
    try {
      answer = await check();
    } catch (err) {
      if (billingErrorCode(err) !== "CUSTOMER_NOT_FOUND") throw err;
      // Not provisioned yet (the org-created trigger has not run): provision lazily, then ask once more.
      const provisioned = await provision(ctx, r.organizationId);
      if (!provisioned.ok) throw err;
      answer = await check();
    }
  } catch (err) {
    if (billingErrorCode(err) === "CONFLICT" && autumnCodeOf(err) === "lock_already_exists") {
      // An earlier attempt of this very check reserved under our lock id; only its answer was lost.
      const balances = await readBalances(r.organizationId, r.featureId);
      await ctx.runMutation(internal.billing.metering.recordReserve, {
        organizationId: r.organizationId, lockId: r.lockId, outcome: "reserved", balances: balances ?? [],
      });
      return { kind: "reserved", balances: null };
    }
    throw err; // the caller settles the row (released, or fail-open)
  }

  const balances = balancesOf(answer);
  if (!answer.allowed) {
    await ctx.runMutation(internal.billing.metering.recordReserve, {
      organizationId: r.organizationId, lockId: r.lockId, outcome: "denied", balances,
    });
    const remaining = remainingUnits(r.featureId, balances, r.creditCosts);
    return {
      kind: "denied",
      error: billingError("QUOTA_EXCEEDED", `Not enough ${r.featureId} left: ${r.units} needed, ${remaining} remaining`, {
        featureId: r.featureId, remaining, required: r.units, included: balances.length > 0,
      }),
    };
  }
  await ctx.runMutation(internal.billing.metering.recordReserve, {
    organizationId: r.organizationId, lockId: r.lockId, outcome: "reserved", balances,
  });
  return { kind: "reserved", balances };
}

/** Fresh balances for `featureId` (own and credit systems) with a read-only check; null if Autumn does not answer. */
async function readBalances(organizationId: string, featureId: string): Promise<Balance[] | null> {
  try {
    const answer = await callAutumn("balances.check", (c, o) => c.check({ customerId: organizationId, featureId }, o), { maxAttempts: 2 });
    return balancesOf(answer);
  } catch {
    return null;
  }
}

// ── settling in Autumn ──────────────────────────────────────────────────────

type SettleAction = "confirm" | "release" | "track";
type SettleResult = { ok: true; balances: Balance[] | null } | { ok: false; error: string };

async function finalize(lockId: string, action: "confirm" | "release"): Promise<void> {
  await callAutumn("balances.finalize", async (c, o) => {
    await c.balances.finalize({ lockId, action }, o);
    return true;
  }, {
    write: true,
    idempotencyKey: `${lockId}:${action}`,
    // A retry refused as a duplicate: the earlier attempt was applied, only its answer was lost.
    onDuplicate: async () => true,
  });
}

async function trackUnits(r: Pick<Reservation, "organizationId" | "featureId" | "units" | "lockId">): Promise<Balance[] | null> {
  return callAutumn("balances.track", async (c, o) => balancesOf(await c.track({
    customerId: r.organizationId, featureId: r.featureId, value: r.units,
  }, o)), {
    write: true,
    idempotencyKey: `${r.lockId}:track`,
    onDuplicate: async () => null,
  });
}

/** Apply one settlement in Autumn. Never throws: `ok: false` means "try again later". */
async function settleInAutumn(r: Pick<Reservation, "organizationId" | "featureId" | "units" | "lockId" | "expiresAt">, action: SettleAction): Promise<SettleResult> {
  try {
    if (action === "track") return { ok: true, balances: await trackUnits(r) };
    await finalize(r.lockId, action);
    return { ok: true, balances: null };
  } catch (err) {
    const code = billingErrorCode(err);
    // Our key was already used for this very settlement: an earlier attempt applied it.
    if (code === "CONFLICT" && autumnCodeOf(err) === "duplicate_idempotency_key") return { ok: true, balances: null };
    // 409: the lock was already finalized; 400: Autumn does not know the lock (any more).
    const gone = code === "CONFLICT" || code === "INVALID_ARGUMENT";
    if (action === "release" && gone) return { ok: true, balances: null }; // nothing held any more
    if (action === "confirm" && gone) {
      // Before expiry that was an earlier confirm of ours; after it, Autumn released
      // the lock itself, so the usage is recorded with a plain (idempotent) track.
      if (code === "CONFLICT" && Date.now() < r.expiresAt) return { ok: true, balances: null };
      return settleInAutumn(r, "track");
    }
    return { ok: false, error: describe(err) };
  }
}

async function scheduleSettleRetry(ctx: ActionCtx, lockId: string, action: SettleAction, attempt: number): Promise<void> {
  const delay = SETTLE_RETRY_DELAYS_MS[attempt];
  if (delay === undefined) {
    console.error(`billing: giving up settling reservation ${lockId} (${action}) after ${attempt} retries`);
    return;
  }
  await ctx.scheduler.runAfter(delay, internal.billing.metering.retrySettlement, { lockId, action, attempt: attempt + 1 });
}

async function confirmAfterSuccess(ctx: ActionCtx, r: Reservation): Promise<void> {
  const result = await settleInAutumn(r, "confirm");
  if (!result.ok) {
    console.warn(`billing: confirm of ${r.lockId} deferred: ${result.error}`);
    await scheduleSettleRetry(ctx, r.lockId, "confirm", 0);
    return;
  }
  await ctx.runMutation(internal.billing.metering.settleReservation, {
    lockId: r.lockId, state: "confirmed", balances: result.balances, deltas: [],
  });
}

async function releaseAfterFailure(ctx: ActionCtx, r: Reservation, reserved: Balance[] | null): Promise<void> {
  try {
    const result = await settleInAutumn(r, "release");
    if (!result.ok) {
      console.warn(`billing: release of ${r.lockId} deferred: ${result.error}`);
      await scheduleSettleRetry(ctx, r.lockId, "release", 0);
      return;
    }
    const deltas = releaseDeltas(r.featureId, r.units, reserved, r.creditCosts);
    const balances = deltas ? null : await readBalances(r.organizationId, r.featureId);
    await ctx.runMutation(internal.billing.metering.settleReservation, {
      lockId: r.lockId, state: "released", balances, deltas: deltas ?? [],
    });
  } catch (err) {
    // The work's own error is what the caller must see; the lock expires by itself at worst.
    console.error(`billing: could not release ${r.lockId}: ${describe(err)}`);
  }
}

/** Autumn was unreachable on reserve and the feature fails open: run the work, then track. */
async function runFailOpen<T>(ctx: ActionCtx, r: Reservation, work: () => Promise<T>): Promise<T> {
  console.warn(`billing: Autumn unreachable; ${r.featureId} fails open for ${r.organizationId}`);
  let value: T;
  try {
    value = await work();
  } catch (err) {
    await ctx.runMutation(internal.billing.metering.settleReservation, { lockId: r.lockId, state: "released", balances: null, deltas: [] });
    throw err;
  }
  // The work happened: count it in the ledger now, and in Autumn as soon as it answers.
  await ctx.runMutation(internal.billing.metering.settleReservation, { lockId: r.lockId, state: "confirmed", balances: null, deltas: [] });
  const result = await settleInAutumn(r, "track");
  if (result.ok) {
    if (result.balances) await ctx.runMutation(internal.billing.metering.writeBalances, { organizationId: r.organizationId, balances: result.balances, trackedLockId: r.lockId });
  } else {
    console.warn(`billing: fail-open track of ${r.lockId} deferred: ${result.error}`);
    await scheduleSettleRetry(ctx, r.lockId, "track", 0);
  }
  return value;
}

// ── seats (allocated features) ─────────────────────────────────────────────

export interface AdjustSeatsArgs {
  organizationId: string;
  delta: 1 | -1;
  idempotencyKey: string;
  /** The allocated feature (default "seats"). */
  featureId?: string;
}

/**
 * +1: reserve and confirm one seat (denied at the limit with QUOTA_EXCEEDED);
 * −1: a negative `track` (Autumn gives the seat back), idempotent by key.
 * Repeating a key is a no-op. Returns the seat balance as Autumn reported it
 * (also written to the cache), or null if it was not reported.
 */
export async function adjustSeats(ctx: ActionCtx, args: AdjustSeatsArgs): Promise<Balance | null> {
  const featureId = args.featureId ?? SEATS_FEATURE_ID;
  const { organizationId, idempotencyKey } = args;
  if (args.delta !== 1 && args.delta !== -1) throw billingError("INVALID_ARGUMENT", "delta must be +1 or -1");
  if (args.delta === 1) {
    await runMetered(ctx, { organizationId, featureId, units: 1, idempotencyKey: `seat+:${idempotencyKey}` }, async () => null);
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
  if (balances) await ctx.runMutation(internal.billing.metering.writeBalances, { organizationId, balances });
  return balances?.find((b) => b.featureId === featureId) ?? null;
}

// ── internal functions ─────────────────────────────────────────────────────

async function writeBalanceSnapshot(ctx: MutationCtx, organizationId: string, balances: readonly Balance[]): Promise<boolean> {
  const doc = await loadCustomerDoc(ctx, organizationId);
  if (!doc) return false;
  if (balances.length === 0) return true;
  const byId = new Map(doc.balances.map((b) => [b.featureId, b]));
  for (const b of balances) byId.set(b.featureId, b);
  await ctx.db.patch(doc._id, { balances: [...byId.values()].sort((a, b) => a.featureId.localeCompare(b.featureId)) });
  return true;
}

async function giveBackInCache(ctx: MutationCtx, organizationId: string, deltas: readonly BalanceDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const doc = await loadCustomerDoc(ctx, organizationId);
  if (!doc) return;
  const balances = doc.balances.map((b) => {
    const d = deltas.find((x) => x.featureId === b.featureId);
    if (!d) return b;
    return { ...b, usage: Math.max(0, b.usage - d.giveBack), remaining: b.unlimited ? b.remaining : b.remaining + d.giveBack };
  });
  await ctx.db.patch(doc._id, { balances });
}

/** A granted lock takes usage-limit window headroom at Autumn (§1.5): the cached window counters grow with it (controls.ts). */
async function countInUsageWindows(ctx: MutationCtx, organizationId: string, lockId: string): Promise<void> {
  const doc = await loadCustomerDoc(ctx, organizationId);
  const row = await ctx.db.query("billingReservations").withIndex("by_lockId", (q) => q.eq("lockId", lockId)).unique();
  if (!doc?.billingControls || doc.billingControls.usageLimits.length === 0 || !row) return;
  const costs = [...(await loadFeatures(ctx)).values()].flatMap((f) => {
    const cost = f.creditSchema.find((c) => c.meteredFeatureId === row.featureId)?.creditCost;
    return cost !== undefined && cost > 0 ? [{ featureId: f.featureId, creditCost: cost }] : [];
  });
  await ctx.db.patch(doc._id, { billingControls: withTrackedUsage(doc.billingControls, row.featureId, row.units, costs, Date.now()) });
}

/** Claim the reservation row for an operation (serialised by Convex, so two tries of one key cannot both reserve). */
export const claimReservation = internalMutation({
  args: { organizationId: v.string(), featureId: v.string(), units: v.number(), baseLockId: v.string(), expiresAt: v.number() },
  returns: claimResult,
  handler: async (ctx, { organizationId, featureId, units, baseLockId, expiresAt }) => {
    const now = Date.now();
    // Every lock id of this key: the base, then `base#2`, `base#3`… ("$" sorts right after "#").
    const tries = (await ctx.db.query("billingReservations")
      .withIndex("by_lockId", (q) => q.gte("lockId", baseLockId).lt("lockId", `${baseLockId}$`))
      .take(MAX_ATTEMPTS_PER_KEY + 10))
      .filter((row) => row.lockId === baseLockId || row.lockId.startsWith(`${baseLockId}#`));
    const confirmed = tries.find((row) => row.state === "confirmed");
    if (confirmed) return { kind: "duplicate" as const, lockId: confirmed.lockId };
    const held = tries.find((row) => row.state === "held" && row.expiresAt > now);
    if (held) return { kind: "in_flight" as const, lockId: held.lockId };
    if (tries.length >= MAX_ATTEMPTS_PER_KEY) {
      throw billingError("CONFLICT", "Too many attempts with one idempotency key", { featureId });
    }
    // A held lock past its expiry was released by Autumn itself.
    for (const row of tries) if (row.state === "held") await ctx.db.patch(row._id, { state: "released", settledAt: now });
    const lockId = tries.length === 0 ? baseLockId : `${baseLockId}#${tries.length + 1}`;
    await ctx.db.insert("billingReservations", {
      organizationId, featureId, lockId, units, state: "held", createdAt: now, expiresAt, settledAt: null,
    });
    const creditCosts: CreditCost[] = [];
    for (const f of (await loadFeatures(ctx)).values()) {
      if (f.type !== "credit_system" && f.type !== "ai_credit_system") continue;
      const entry = f.creditSchema.find((c) => c.meteredFeatureId === featureId);
      if (entry && entry.creditCost > 0) creditCosts.push({ featureId: f.featureId, creditCost: entry.creditCost });
    }
    return { kind: "claimed" as const, lockId, creditCosts };
  },
});

/** The reserve's outcome: keep the row held (reserved) or settle it (denied / failed); cache what Autumn answered. */
export const recordReserve = internalMutation({
  args: {
    organizationId: v.string(),
    lockId: v.string(),
    outcome: v.union(v.literal("reserved"), v.literal("denied"), v.literal("failed")),
    balances: v.array(balanceValidator),
  },
  returns: v.null(),
  handler: async (ctx, { organizationId, lockId, outcome, balances }) => {
    if (outcome !== "reserved") {
      const row = await ctx.db.query("billingReservations").withIndex("by_lockId", (q) => q.eq("lockId", lockId)).unique();
      if (row && row.state === "held") await ctx.db.patch(row._id, { state: "released", settledAt: Date.now() });
    }
    const cached = await writeBalanceSnapshot(ctx, organizationId, balances);
    if (outcome === "reserved") await countInUsageWindows(ctx, organizationId, lockId);
    // Autumn knows the customer but the cache has no row yet: fetch the whole snapshot once.
    if (!cached && outcome !== "failed") await ctx.scheduler.runAfter(0, internal.billing.sync.syncCustomer, { organizationId });
    return null;
  },
});

/**
 * Settle a held reservation: confirmed (its units go into today's usage
 * bucket, for consumable features) or released (`deltas` are given back in
 * the cache). `balances`, when Autumn reported them, overwrite the cache
 * instead. Idempotent: a row already settled is left alone, so a late retry
 * can never count twice.
 */
export const settleReservation = internalMutation({
  args: {
    lockId: v.string(),
    state: v.union(v.literal("confirmed"), v.literal("released")),
    balances: v.union(v.array(balanceValidator), v.null()),
    deltas: v.array(balanceDelta),
  },
  returns: v.boolean(),
  handler: async (ctx, { lockId, state, balances, deltas }) => {
    const row = await ctx.db.query("billingReservations").withIndex("by_lockId", (q) => q.eq("lockId", lockId)).unique();
    if (!row || row.state !== "held") return false;
    const now = Date.now();
    await ctx.db.patch(row._id, { state, settledAt: now });
    const feature = await ctx.db.query("billingFeatures").withIndex("by_featureId", (q) => q.eq("featureId", row.featureId)).unique();
    // Allocated features (seats) are not consumption: they stay out of the usage chart.
    if (state === "confirmed" && feature?.consumable !== false) {
      const day = utcDay(now);
      const bucket = await ctx.db.query("billingUsageDays")
        .withIndex("by_organizationId_featureId_day", (q) => q.eq("organizationId", row.organizationId).eq("featureId", row.featureId).eq("day", day))
        .unique();
      if (bucket) await ctx.db.patch(bucket._id, { units: bucket.units + row.units });
      else await ctx.db.insert("billingUsageDays", { organizationId: row.organizationId, featureId: row.featureId, day, units: row.units });
    }
    if (balances) await writeBalanceSnapshot(ctx, row.organizationId, balances);
    else if (state === "released") await giveBackInCache(ctx, row.organizationId, deltas);
    return true;
  },
});

export const writeBalances = internalMutation({
  /** `trackedLockId`: the balances answer a track of that reservation's units (fail-open), which count in usage windows. */
  args: { organizationId: v.string(), balances: v.array(balanceValidator), trackedLockId: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { organizationId, balances, trackedLockId }) => {
    await writeBalanceSnapshot(ctx, organizationId, balances);
    if (trackedLockId !== undefined) await countInUsageWindows(ctx, organizationId, trackedLockId);
    return null;
  },
});

export const cachedBalance = internalQuery({
  args: { organizationId: v.string(), featureId: v.string() },
  returns: v.union(balanceValidator, v.null()),
  handler: async (ctx, { organizationId, featureId }) =>
    (await loadCustomerDoc(ctx, organizationId))?.balances.find((b) => b.featureId === featureId) ?? null,
});

export const getReservation = internalQuery({
  args: { lockId: v.string() },
  returns: v.union(v.object({
    organizationId: v.string(), featureId: v.string(), units: v.number(), lockId: v.string(),
    state: v.union(v.literal("held"), v.literal("confirmed"), v.literal("released")), expiresAt: v.number(),
  }), v.null()),
  handler: async (ctx, { lockId }) => {
    const row = await ctx.db.query("billingReservations").withIndex("by_lockId", (q) => q.eq("lockId", lockId)).unique();
    return row ? { organizationId: row.organizationId, featureId: row.featureId, units: row.units, lockId: row.lockId, state: row.state, expiresAt: row.expiresAt } : null;
  },
});

/** A settlement Autumn did not take inline, retried with backoff (scheduled by the helper). */
export const retrySettlement = internalAction({
  args: { lockId: v.string(), action: v.union(v.literal("confirm"), v.literal("release"), v.literal("track")), attempt: v.number() },
  returns: v.null(),
  handler: async (ctx, { lockId, action, attempt }) => {
    const row = await ctx.runQuery(internal.billing.metering.getReservation, { lockId });
    if (!row) return null;
    if (action !== "track" && row.state !== "held") return null; // settled meanwhile
    const result = await settleInAutumn(row, action);
    if (!result.ok) {
      await scheduleSettleRetry(ctx, lockId, action, attempt);
      return null;
    }
    if (action === "track") {
      if (result.balances) await ctx.runMutation(internal.billing.metering.writeBalances, { organizationId: row.organizationId, balances: result.balances, trackedLockId: lockId });
      return null;
    }
    const balances = result.balances ?? await readBalances(row.organizationId, row.featureId);
    await ctx.runMutation(internal.billing.metering.settleReservation, {
      lockId, state: action === "confirm" ? "confirmed" : "released", balances, deltas: [],
    });
    return null;
  },
});

/**
 * Housekeeping (hourly cron): held rows well past their expiry were released
 * by Autumn; settled rows older than SETTLED_RETENTION_MS are deleted.
 * Bounded per transaction, continuing itself while rows remain; returns how
 * many rows this run touched.
 */
export const pruneReservations = internalMutation({
  args: { limit: v.optional(v.number()) },
  returns: v.number(),
  handler: async (ctx, { limit }) => {
    const n = Math.min(Math.max(1, Math.floor(limit ?? 500)), 2000);
    const now = Date.now();
    let touched = 0;
    const stale = await ctx.db.query("billingReservations")
      .withIndex("by_state_expiresAt", (q) => q.eq("state", "held").lt("expiresAt", now - SETTLE_RETRY_DELAYS_MS.reduce((s, d) => s + d, 0)))
      .take(n);
    for (const row of stale) { await ctx.db.patch(row._id, { state: "released", settledAt: now }); touched += 1; }
    for (const state of ["confirmed", "released"] as const) {
      const old = await ctx.db.query("billingReservations")
        .withIndex("by_state_expiresAt", (q) => q.eq("state", state).lt("expiresAt", now - SETTLED_RETENTION_MS))
        .take(n);
      for (const row of old) { await ctx.db.delete(row._id); touched += 1; }
    }
    // More left than one bounded run may touch: continue in a fresh transaction.
    if (stale.length === n || touched >= 2 * n) {
      await ctx.scheduler.runAfter(0, internal.billing.metering.pruneReservations, { limit: n });
    }
    return touched;
  },
});

// ── usage over time (the chart) ────────────────────────────────────────────

export const usageHistory = v.object({
  /** First and last day shown (00:00 UTC, epoch ms), inclusive. */
  from: v.number(),
  to: v.number(),
  series: v.array(v.object({
    featureId: v.string(),
    name: v.string(),
    /** One point per UTC day from `from` to `to`, zeros included. */
    points: v.array(v.object({ day: v.number(), units: v.number() })),
  })),
});

/** Confirmed usage per UTC day for the caller's org, from the local ledger (cache only, no Autumn call). */
export const getUsageHistory = memberQuery({
  args: { featureId: v.optional(v.string()), days: v.optional(v.number()) },
  returns: usageHistory,
  handler: async (ctx, { featureId, days }) => {
    const organizationId = ctx.viewer.organizationId;
    const span = Math.min(MAX_HISTORY_DAYS, Math.max(1, Math.floor(days !== undefined && Number.isFinite(days) ? days : 30)));
    const to = utcDay(Date.now());
    const from = to - (span - 1) * DAY_MS;
    const features = await loadFeatures(ctx);
    const ids = featureId !== undefined
      ? [featureId]
      : [...features.values()].filter((f) => f.type === "metered").map((f) => f.featureId).sort();
    const series = [];
    for (const id of ids) {
      const rows = await ctx.db.query("billingUsageDays")
        .withIndex("by_organizationId_featureId_day", (q) => q.eq("organizationId", organizationId).eq("featureId", id).gte("day", from).lte("day", to))
        .take(span);
      if (rows.length === 0 && featureId === undefined) continue;
      const byDay = new Map(rows.map((r) => [r.day, r.units]));
      const points = Array.from({ length: span }, (_, i) => {
        const day = from + i * DAY_MS;
        return { day, units: byDay.get(day) ?? 0 };
      });
      series.push({ featureId: id, name: features.get(id)?.name ?? id, points });
    }
    return { from, to, series };
  },
});
