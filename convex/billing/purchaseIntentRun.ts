// The action side of purchase intents (purchaseIntents.ts holds the rows):
// run one intent's Autumn write at most once, whatever repeats, races and lost
// answers happen.
//
//  - the row is written (pending, with the key) before Autumn is called;
//  - a repeat of a done intent returns its first outcome, without a call;
//  - a repeat while another run owns the intent waits for that run's outcome
//    (and takes over, with the same key, only if the owner went quiet);
//  - Autumn's 409 duplicate_idempotency_key means an earlier run with this key
//    was applied and its answer lost: the outcome is recovered by reading the
//    customer (`applied`), else from the payment page the intent recorded, else
//    by asking Autumn again under a recovery key (a pending checkout answers its
//    same payment_url; nothing was charged, so nothing is charged twice).
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { billingErrorCode } from "./errors";
import type { IntentAction, IntentOutcome } from "./purchaseIntentsSchema";

/** Longest a repeat waits for the run that owns the intent. */
export const INTENT_WAIT_MS = 20_000;

export interface IntentSteps<T extends IntentOutcome> {
  /** The Autumn write under `key`, and whatever follows it; its result is the intent's outcome. */
  call(key: string): Promise<T>;
  /** After a duplicate: the outcome read from the customer (re-synced), or null when the customer shows nothing applied. */
  applied(baseline: number): Promise<T | null>;
}

export interface IntentArgs {
  organizationId: string;
  intentId: string;
  action: IntentAction;
  planId: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A 409 duplicate_idempotency_key from callAutumn (first attempt: a repeat; later attempt: a lost answer). */
export function isDuplicate(err: unknown): boolean {
  const data = (err as { data?: { autumnCode?: unknown } }).data;
  return billingErrorCode(err) === "CONFLICT" && data?.autumnCode === "duplicate_idempotency_key";
}

export async function runIntent<T extends IntentOutcome>(ctx: ActionCtx, args: IntentArgs, steps: IntentSteps<T>): Promise<T> {
  let takeOver = false;
  for (;;) {
    const b = await ctx.runMutation(internal.billing.purchaseIntents.begin, { ...args, takeOver });
    if (b.kind === "done") return b.outcome as T; // one intent, one action: its outcome has the action's type
    if (b.kind === "wait") {
      const done = await waitForOutcome(ctx, args, b.activeUntil);
      if (done) return done as T;
      takeOver = true;
      continue;
    }
    let outcome: T;
    try {
      outcome = await steps.call(b.key);
    } catch (err) {
      if (!isDuplicate(err)) {
        const code = billingErrorCode(err) ?? "UNKNOWN";
        await ctx.runMutation(internal.billing.purchaseIntents.fail, { organizationId: args.organizationId, intentId: args.intentId, code, message: err instanceof Error ? err.message : String(err) });
        throw err;
      }
      outcome = await recover(ctx, args, steps, b);
    }
    return (await ctx.runMutation(internal.billing.purchaseIntents.finish, { organizationId: args.organizationId, intentId: args.intentId, outcome })) as T;
  }
}

async function recover<T extends IntentOutcome>(ctx: ActionCtx, args: IntentArgs, steps: IntentSteps<T>, run: { key: string; baseline: number; paymentUrl: string | null }): Promise<T> {
  const row = await ctx.runQuery(internal.billing.purchaseIntents.get, { organizationId: args.organizationId, intentId: args.intentId });
  if (row?.outcome) return row.outcome as T;
  const applied = await steps.applied(run.baseline);
  if (applied) return applied;
  if (run.paymentUrl) return { status: "redirect", paymentUrl: run.paymentUrl } as T;
  // Applied but not charged: a checkout page is pending; asking again with the same params returns it (§5).
  return steps.call(`${run.key}:recover:${crypto.randomUUID()}`);
}

async function waitForOutcome(ctx: ActionCtx, args: IntentArgs, activeUntil: number): Promise<IntentOutcome | null> {
  const deadline = Math.min(activeUntil, Date.now() + INTENT_WAIT_MS);
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 250)) {
    await sleep(delay);
    const row = await ctx.runQuery(internal.billing.purchaseIntents.get, { organizationId: args.organizationId, intentId: args.intentId });
    if (row?.outcome) return row.outcome;
    if (!row || row.state !== "pending" || row.activeUntil <= Date.now()) return null; // failed or released: run it again
  }
  return null;
}
