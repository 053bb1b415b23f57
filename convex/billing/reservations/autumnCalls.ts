// The Autumn calls a reservation makes (balances.check with a lock,
// balances.finalize confirm/release, balances.track), each with an
// idempotency key derived from the row's lock id — never a random one — and
// the balance arithmetic around their answers. Actions only (fetch).
import { callAutumn } from "../autumn";
import { billingErrorCode } from "../errors";
import { balanceToRow, type AutumnBalance } from "../mapping";
import type { Balance } from "../schema";
import type { BalanceDelta, CreditCost } from "./schema";

// The validators live with the table (store.ts, a mutation module, must not load autumn-js).
export { balanceDelta, creditCost, type BalanceDelta, type CreditCost } from "./schema";

export interface BalanceAnswer {
  balance: AutumnBalance | null;
  balances?: { [featureId: string]: AutumnBalance | null } | undefined;
}

/** Lock id for one logical operation: org + feature + the caller's idempotency key. */
export function lockIdFor(organizationId: string, featureId: string, idempotencyKey: string): string {
  return `meter:${organizationId}:${featureId}:${idempotencyKey}`;
}

/** Every balance an answer reports (the feature's own and any credit system paying for it). */
export function balancesOf(answer: BalanceAnswer): Balance[] {
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
export function remainingUnits(featureId: string, balances: readonly Balance[], credits: readonly CreditCost[]): number {
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
export function releaseDeltas(featureId: string, units: number, balances: readonly Balance[] | null, credits: readonly CreditCost[]): BalanceDelta[] | null {
  if (!balances || balances.length !== 1) return null;
  const only = balances[0] as Balance;
  const rate = rateOf(featureId, only.featureId, credits);
  return rate === null ? null : [{ featureId: only.featureId, giveBack: units * rate }];
}

function dataOf(err: unknown): Record<string, unknown> {
  const data = (err as { data?: unknown }).data;
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
}

export function autumnCodeOf(err: unknown): string | null {
  const code = dataOf(err).autumnCode;
  return typeof code === "string" ? code : null;
}

export function describe(err: unknown): string {
  const data = dataOf(err);
  if (typeof data.message === "string") return `${String(data.code)}: ${data.message}`;
  return err instanceof Error ? err.message : String(err);
}

// ── the calls ────────────────────────────────────────────────────────────────

export interface LockRequest {
  organizationId: string;
  featureId: string;
  units: number;
  lockId: string;
  expiresAt: number;
}

/** balances.check with a lock. Throws typed billing errors (a lost answer's retry may say CONFLICT lock_already_exists). */
export async function checkWithLock(r: LockRequest): Promise<BalanceAnswer & { allowed: boolean }> {
  return callAutumn("balances.check", (c, o) => c.check({
    customerId: r.organizationId,
    featureId: r.featureId,
    requiredBalance: r.units,
    lock: { lockId: r.lockId, enabled: true, expiresAt: r.expiresAt },
  }, o));
}

/** Fresh balances for `featureId` (own and credit systems) with a read-only check; null if Autumn does not answer. */
export async function readBalances(organizationId: string, featureId: string): Promise<Balance[] | null> {
  try {
    const answer = await callAutumn("balances.check", (c, o) => c.check({ customerId: organizationId, featureId }, o), { maxAttempts: 2 });
    return balancesOf(answer);
  } catch {
    return null;
  }
}

export type ReleaseResult = { ok: true; gone: boolean } | { ok: false; error: string };

/** finalize release by lock id. `gone`: Autumn does not hold the lock (unknown, expired or already finalized). Never throws. */
export async function releaseLock(lockId: string): Promise<ReleaseResult> {
  try {
    await callAutumn("balances.finalize", async (c, o) => {
      await c.balances.finalize({ lockId, action: "release" }, o);
      return true;
    }, { write: true, idempotencyKey: `${lockId}:release`, onDuplicate: async () => true });
    return { ok: true, gone: false };
  } catch (err) {
    const code = billingErrorCode(err);
    if (code === "CONFLICT" && autumnCodeOf(err) === "duplicate_idempotency_key") return { ok: true, gone: false };
    // 400: Autumn does not know the lock (never created, or forgotten); 409: already finalized or expired.
    if (code === "INVALID_ARGUMENT" || code === "CONFLICT") return { ok: true, gone: true };
    return { ok: false, error: describe(err) };
  }
}

export interface SettleRequest {
  organizationId: string;
  featureId: string;
  lockId: string;
  /** Units the work used (a lease confirms what its operations spent). */
  units: number;
  /** Units the lock holds, when they differ from `units` (a lease): confirm with override_value. */
  heldUnits?: number;
  expiresAt: number;
}
export type SettleResult = { ok: true; by: "confirmed" | "tracked"; balances: Balance[] | null } | { ok: false; error: string };

/** Record usage with a plain track, key derived from the lock id: a repeat is a duplicate, never a second count. */
export async function trackUnits(r: Pick<SettleRequest, "organizationId" | "featureId" | "lockId" | "units">): Promise<Balance[] | null> {
  return callAutumn("balances.track", async (c, o) => balancesOf(await c.track({
    customerId: r.organizationId, featureId: r.featureId, value: r.units,
  }, o)), { write: true, idempotencyKey: `${r.lockId}:track`, onDuplicate: async () => null });
}

/**
 * Bill a work that ran: finalize confirm of its lock; when Autumn no longer
 * holds the lock (expired and released by Autumn, or never created on a
 * fail-open), a track of the same units with the row's own key. Never both a
 * confirm and a track of one row: a confirm that Autumn applied answers 200
 * or, retried, a 409 duplicate key; only "unknown lock" / "already released"
 * lead to the track. Never throws: `ok: false` = try again later.
 */
export async function confirmOrTrack(r: SettleRequest): Promise<SettleResult> {
  try {
    const override = r.heldUnits !== undefined && r.heldUnits !== r.units ? { overrideValue: r.units } : {};
    await callAutumn("balances.finalize", async (c, o) => {
      await c.balances.finalize({ lockId: r.lockId, action: "confirm", ...override }, o);
      return true;
    }, { write: true, idempotencyKey: `${r.lockId}:confirm`, onDuplicate: async () => true });
    return { ok: true, by: "confirmed", balances: null };
  } catch (err) {
    const code = billingErrorCode(err);
    if (code === "CONFLICT" && autumnCodeOf(err) === "duplicate_idempotency_key") return { ok: true, by: "confirmed", balances: null };
    const message = String(dataOf(err).autumnMessage ?? "");
    // 409 "already confirmed": an earlier confirm of ours (under another key, or its key forgotten).
    if (code === "CONFLICT" && /confirm/i.test(message)) return { ok: true, by: "confirmed", balances: null };
    const gone = code === "INVALID_ARGUMENT" || code === "CONFLICT";
    if (!gone) return { ok: false, error: describe(err) };
    // Autumn let the lock go (expired) or never had it: the usage is recorded with a track instead.
    if (r.units <= 0) return { ok: true, by: "tracked", balances: null };
    try {
      return { ok: true, by: "tracked", balances: await trackUnits(r) };
    } catch (trackErr) {
      if (billingErrorCode(trackErr) === "CONFLICT" && autumnCodeOf(trackErr) === "duplicate_idempotency_key") return { ok: true, by: "tracked", balances: null };
      return { ok: false, error: describe(trackErr) };
    }
  }
}
