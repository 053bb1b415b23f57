// Auto top-ups (autumn-controls.md §1.9, §1.10): evaluated after a track, on
// a check and when customers.update enables one. When the balance (rollovers
// included) is ≤ threshold, the card on file is charged for the one-off
// prepaid pack the customer holds (here credit_pack → ai_credits), the units
// pay down overage first, and billing.auto_topup_succeeded / _failed fire.
// Guardrails: 30 s burst suppression, the purchase_limit window, 2 attempts
// per 10 min, 1 failure per hour, suspension after 3 consecutive failures.

import type { Ctx } from "./context.js";
import { effectiveEntries } from "./controls.js";
import { granted, isLive } from "./grants.js";
import { renderBalance } from "./balances.js";
import { potRemaining } from "./rollovers.js";
import { chargeInvoice, priceIn } from "./charges.js";
import { addIntervals, type Interval } from "./time.js";
import type { CustomerProduct, CustomerRecord, Grant, TopupState } from "./state.js";
import type { StoredPlan } from "./wire.js";

type Entry = Record<string, unknown>;
const MIN = 60_000;

function stateOf(c: CustomerRecord, featureId: string): TopupState {
  c.topups ??= {};
  return (c.topups[featureId] ??= { window_start_at: null, count: 0, consecutive_failures: 0, attempts: [], last_failure_at: null });
}

/** The purchase_limit window in force: [start, end) with its count, rolled when it ended. */
export function purchaseWindow(c: CustomerRecord, featureId: string, limit: Entry | undefined, now: number): { count: number; next_reset_at: number } {
  const s = stateOf(c, featureId);
  const interval = (limit?.interval as Interval | undefined) ?? "month";
  const n = (limit?.interval_count as number | undefined) ?? 1;
  if (s.window_start_at === null || addIntervals(s.window_start_at, interval, n) <= now) {
    s.window_start_at = now;
    s.count = 0;
  }
  return { count: s.count, next_reset_at: addIntervals(s.window_start_at, interval, n) };
}

/** customers.update `purchase_limit.count`: sets the current window's consumed count. */
export function setPurchaseCount(ctx: Ctx, c: CustomerRecord, topups: Entry[] | null | undefined): void {
  for (const t of topups ?? []) {
    const pl = t.purchase_limit as Entry | undefined;
    if (pl?.count === undefined) continue;
    purchaseWindow(c, t.feature_id as string, pl, ctx.now(c));
    stateOf(c, t.feature_id as string).count = pl.count as number;
  }
}

/** The pack to buy: the newest live one-off purchase granting the feature. */
function packFor(ctx: Ctx, c: CustomerRecord, featureId: string, now: number): { cp: CustomerProduct; plan: StoredPlan; grant: Grant; units: number; amount: number } | null {
  const purchases = c.products.filter((p) => p.kind === "purchase" && p.status === "active").sort((a, b) => b.started_at - a.started_at);
  for (const cp of purchases) {
    const plan = ctx.state.plans[cp.plan_id]?.find((v) => v.version === cp.version);
    const grant = c.grants.find((g) => g.customer_product_id === cp.id && g.feature_id === featureId && isLive(c, g, now));
    if (!plan || !grant) continue;
    const item = plan.items.find((i) => i.feature_id === featureId);
    if (item?.price && item.price.billing_method === "prepaid" && item.price.amount !== undefined) {
      return { cp, plan, grant, units: item.price.billing_units || 1, amount: item.price.amount };
    }
    if (item && plan.price && item.included > 0) return { cp, plan, grant, units: item.included, amount: priceIn(plan, cp.currency) };
  }
  return null;
}

function rawBalance(ctx: Ctx, c: CustomerRecord, featureId: string, now: number): number {
  return c.grants.filter((g) => g.feature_id === featureId && isLive(c, g, now) && !g.unlimited)
    .reduce((s, g) => s + granted(g) - g.usage + potRemaining(g, now), 0);
}

function fail(ctx: Ctx, c: CustomerRecord, t: Entry, reason: string, extra: Entry = {}, blockKey?: string): void {
  if (blockKey !== undefined) {
    const s = stateOf(c, t.feature_id as string);
    const key = `${reason}:${blockKey}`;
    if (s.reported === key) return; // reported once per blocking window
    s.reported = key;
  }
  ctx.emit({ type: "billing.auto_topup_failed", data: {
    customer_id: c.id, feature_id: t.feature_id, reason, quantity: t.quantity, threshold: t.threshold,
    balance: rawBalance(ctx, c, t.feature_id as string, ctx.now(c)), invoice_mode: Boolean(t.invoice_mode), ...extra,
  } });
}

/** Evaluate the enabled auto top-ups of `featureIds` (all when omitted). */
export function evaluateTopups(ctx: Ctx, c: CustomerRecord, featureIds?: string[]): void {
  const now = ctx.now(c);
  for (const { entry: t } of effectiveEntries(ctx, c, null, "auto_topups", now)) {
    const featureId = t.feature_id as string;
    if (t.enabled !== true || (featureIds && !featureIds.includes(featureId))) continue;
    if (!renderBalance(ctx.state, c, featureId, now)) continue;
    const balance = rawBalance(ctx, c, featureId, now);
    if (balance > (t.threshold as number)) continue;
    const s = stateOf(c, featureId);
    s.attempts = s.attempts.filter((a) => a > now - 10 * MIN);
    if (s.attempts.some((a) => a > now - 30_000)) continue; // burst suppression
    if (s.consecutive_failures >= 3) { fail(ctx, c, t, "suspended_after_failures", {}, String(s.last_failure_at)); continue; }
    const pl = t.purchase_limit as Entry | undefined;
    if (pl) {
      const w = purchaseWindow(c, featureId, pl, now);
      if (w.count >= (pl.limit as number)) { fail(ctx, c, t, "purchase_limit_reached", {}, String(w.next_reset_at)); continue; }
    }
    if (s.attempts.length >= 2) { fail(ctx, c, t, "attempt_limit_reached", {}, String(s.attempts[0])); continue; }
    if (s.last_failure_at !== null && s.last_failure_at > now - 60 * MIN) { fail(ctx, c, t, "failed_attempt_limit_reached", {}, String(s.last_failure_at)); continue; }
    const pack = packFor(ctx, c, featureId, now);
    if (!pack) { fail(ctx, c, t, "missing_customer_product"); continue; }
    const invoiceMode = t.invoice_mode === true;
    if (!c.payment_method && !invoiceMode) { fail(ctx, c, t, "missing_payment_method"); continue; }
    const quantity = t.quantity as number;
    const packs = Math.ceil(quantity / pack.units);
    const total = packs * pack.amount;
    if (!(total > 0)) { fail(ctx, c, t, "invalid_amount"); continue; }
    s.attempts.push(now);
    if (!invoiceMode && c.payment_method?.charges_fail) {
      s.consecutive_failures += 1;
      s.last_failure_at = now;
      chargeInvoice(ctx, c, [pack.plan.id], total, pack.cp.currency, `Auto top-up: ${quantity} ${featureId}`, now).status = "open";
      fail(ctx, c, t, "charge_failed", { error: { code: "card_declined", message: "Your card was declined.", type: "card_error", decline_code: "generic_decline" } });
      continue;
    }
    const invoice = chargeInvoice(ctx, c, [pack.plan.id], total, pack.cp.currency, `Auto top-up: ${quantity} ${featureId}`, now);
    if (invoiceMode) invoice.status = "open";
    s.consecutive_failures = 0;
    s.last_failure_at = null;
    s.reported = null;
    if (pl) s.count += 1;
    // The units pay down overage on pay-per-use balances first, the rest lands on the prepaid pack (§1.9).
    let left = quantity;
    for (const g of c.grants.filter((x) => x.feature_id === featureId && isLive(c, x, now) && x.id !== pack.grant.id && x.usage > granted(x))) {
      const down = Math.min(left, g.usage - granted(g));
      g.usage -= down;
      left -= down;
    }
    pack.grant.prepaid_grant += left;
    ctx.emit({ type: "billing.auto_topup_succeeded", data: {
      customer_id: c.id, feature_id: featureId, quantity_granted: quantity, threshold: t.threshold,
      balance_after: rawBalance(ctx, c, featureId, now), invoice_mode: invoiceMode,
      invoice: { stripe_id: invoice.id, status: invoice.status, total: Math.round(invoice.total * 100), currency: invoice.currency, hosted_invoice_url: `${ctx.publicUrl}/invoices/${invoice.id}` },
    } });
  }
}

/** `expand: ["billing_controls.auto_topups.purchase_limit"]`: runtime counters on each top-up entry. */
export function expandPurchaseLimits(ctx: Ctx, c: CustomerRecord, list: Entry[]): Entry[] {
  const now = ctx.now(c);
  return list.map((t) => {
    const pl = t.purchase_limit as Entry | undefined;
    const w = purchaseWindow(c, t.feature_id as string, pl, now);
    return { ...t, purchase_limit: { interval: pl?.interval ?? null, interval_count: pl?.interval_count ?? null, limit: pl?.limit ?? null, count: w.count, next_reset_at: w.next_reset_at } };
  });
}
