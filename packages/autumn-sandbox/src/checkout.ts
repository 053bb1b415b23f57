// Hosted checkout sessions, the sandbox's stand-in for Stripe Checkout:
// opening one for an attach that needs a card (and reusing it when the same
// attach is retried while it is pending, §5 "Retried attach while a Stripe
// checkout is pending"), payment setup, the test-card outcomes, and
// settlement (the plan activates only once the payment "clears").

import type { Ctx } from "./context.js";
import { ApiError, notFound } from "./errors.js";
import { latestPlan } from "./catalogLookups.js";
import { requireCustomer } from "./customers.js";
import { formatMoney } from "./money.js";
import { announce } from "./planChanges.js";
import { priceIn } from "./charges.js";
import { nextId, type CheckoutSession, type CustomerRecord } from "./state.js";
import { applyDecision, decide, type AttachInput, type Decision } from "./attach.js";
import { parseAttach } from "./inputs.js";

/** Stripe Checkout sessions expire after 24 h; Autumn's checkout lock lives as long as the session. */
const SESSION_TTL_MS = 24 * 3_600_000;

/** JSON with sorted keys: two attach bodies with the same params hash alike whatever their key order. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function pendingAttachSessions(ctx: Ctx, c: CustomerRecord): CheckoutSession[] {
  const cutoff = Date.now() - SESSION_TTL_MS;
  return Object.values(ctx.state.checkouts).filter((s) =>
    s.customer_id === c.id && s.kind === "attach" && s.created_at > cutoff && (s.status === "open" || s.status === "requires_action" || s.status === "processing"));
}

/**
 * The customer's checkout lock (checkCheckoutSessionLock): the same params
 * get the pending session back; different params (`key` null: a direct
 * charge) expire it; a session already paid and still settling is 423.
 */
function takeCheckoutLock(ctx: Ctx, c: CustomerRecord, key: string | null): CheckoutSession | null {
  for (const s of pendingAttachSessions(ctx, c)) {
    if (s.status === "processing") {
      throw new ApiError(423, "lock_already_exists", `A checkout for customer ${c.id} has just completed and is being processed; retry shortly`);
    }
    if (key !== null && stable(s.attach) === key) return s;
    s.status = "expired";
  }
  return null;
}

/** A direct-charge attach supersedes the customer's open checkout sessions. */
export function expireOpenCheckouts(ctx: Ctx, c: CustomerRecord): void {
  takeCheckoutLock(ctx, c, null);
}

export function openCheckout(ctx: Ctx, c: CustomerRecord, d: Decision, input: AttachInput): CheckoutSession {
  const pending = takeCheckoutLock(ctx, c, stable(input));
  if (pending) return pending;
  const session: CheckoutSession = {
    id: nextId(ctx.state, "cs_sbx"),
    customer_id: c.id,
    plan_id: d.plan.id,
    kind: "attach",
    attach: JSON.parse(JSON.stringify(input)) as Record<string, unknown>,
    success_url: input.success_url ?? null,
    cancel_url: null,
    currency: d.currency,
    lines: d.lines.map((l) => ({ description: l.description, amount: l.amount })),
    total: d.total,
    trial_days: d.trial?.days ?? null,
    status: "open",
    last_error: null,
    created_at: Date.now(),
    settles_at: null,
  };
  ctx.state.checkouts[session.id] = session;
  return session;
}

export function setupPayment(ctx: Ctx, input: { customer_id: string; success_url?: string | null; plan_id?: string }): Record<string, unknown> {
  const c = requireCustomer(ctx, input.customer_id);
  if (input.plan_id && !latestPlan(ctx.state, input.plan_id)) throw notFound.plan(input.plan_id);
  const session: CheckoutSession = {
    id: nextId(ctx.state, "cs_sbx"),
    customer_id: c.id,
    plan_id: input.plan_id ?? "",
    kind: "setup",
    attach: input.plan_id ? { customer_id: c.id, plan_id: input.plan_id } : null,
    success_url: input.success_url ?? null,
    cancel_url: null,
    currency: c.currency ?? "usd",
    lines: [],
    total: 0,
    trial_days: null,
    status: "open",
    last_error: null,
    created_at: Date.now(),
    settles_at: null,
  };
  ctx.state.checkouts[session.id] = session;
  return { customer_id: c.id, url: `${ctx.publicUrl}/checkout/${session.id}` };
}

// ── Hosted checkout outcomes ───────────────────────────────────────────────

export const TEST_CARDS = {
  success: "4242424242424242",
  decline: "4000000000000002",
  requiresAction: "4000002760003184",
  /** Attaches and pays the checkout, but later charges (renewals, trial end) fail: past due. */
  chargesFail: "4000000000000341",
} as const;

export type PayOutcome = "processing" | "declined" | "requires_action" | "invalid";

/** A card was submitted on the hosted page. Success settles after the configured delay. */
export function submitCard(ctx: Ctx, sessionId: string, cardNumber: string): PayOutcome {
  const s = ctx.state.checkouts[sessionId];
  if (!s || s.status === "complete" || s.status === "expired") throw notFound.plan(sessionId);
  const digits = cardNumber.replace(/\D/g, "");
  if (digits === TEST_CARDS.decline) {
    s.last_error = "Your card was declined.";
    return "declined";
  }
  if (digits === TEST_CARDS.requiresAction) {
    s.status = "requires_action";
    s.last_error = null;
    return "requires_action";
  }
  if (digits !== TEST_CARDS.success && digits !== TEST_CARDS.chargesFail) {
    s.last_error = "Your card number is not a sandbox test card. Use 4242 4242 4242 4242.";
    return "invalid";
  }
  cardAccepted(ctx, s, digits);
  return "processing";
}

/** The 3-D Secure-like step: the customer completes or fails authentication. */
export function authenticate(ctx: Ctx, sessionId: string, ok: boolean): PayOutcome {
  const s = ctx.state.checkouts[sessionId];
  if (!s || s.status !== "requires_action") throw notFound.plan(sessionId);
  if (!ok) {
    s.status = "open";
    s.last_error = "Authentication failed. Your card was not charged.";
    return "declined";
  }
  cardAccepted(ctx, s, TEST_CARDS.requiresAction);
  return "processing";
}

function cardAccepted(ctx: Ctx, s: CheckoutSession, digits: string): void {
  const c = ctx.state.customers[s.customer_id];
  if (!c) throw notFound.customer(s.customer_id);
  c.payment_method = { brand: "visa", last4: digits.slice(-4), exp: "12/34", ...(digits === TEST_CARDS.chargesFail ? { charges_fail: true } : {}) };
  s.status = "processing";
  s.last_error = null;
  s.settles_at = Date.now() + ctx.settlementDelayMs;
}

/** Activate every paid session whose settlement time has come (like Stripe → Autumn). */
export function settleCheckouts(ctx: Ctx, realNow = Date.now()): string[] {
  const done: string[] = [];
  for (const s of Object.values(ctx.state.checkouts)) {
    if (s.status !== "processing" || s.settles_at === null || s.settles_at > realNow) continue;
    s.status = "complete";
    done.push(s.id);
    const c = ctx.state.customers[s.customer_id];
    if (c) payOpenInvoices(ctx, c);
    if (!c || !s.attach) continue;
    try {
      // The body stored when the session opened, checked again as the route checks it (state may come from an older sandbox).
      const input = parseAttach(s.attach);
      requireCustomer(ctx, c.id);
      applyDecision(ctx, c, decide(ctx, c, input), input);
    } catch (err) {
      // The plan changed underneath (already attached, archived), or the stored body no longer parses: the card stays on file.
      s.last_error = err instanceof Error ? err.message : String(err);
    }
  }
  return done;
}

/** A card that pays is on file again: its open invoices are paid and nothing stays past due (Stripe's retry). */
function payOpenInvoices(ctx: Ctx, c: CustomerRecord): void {
  if (!c.payment_method || c.payment_method.charges_fail) return;
  const open = c.invoices.filter((i) => i.status === "open");
  if (open.length === 0) return;
  for (const i of open) i.status = "paid";
  const late = c.products.filter((p) => p.status === "active" && p.past_due);
  for (const p of late) p.past_due = false;
  announce(ctx, c, late.map((cp) => ({ action: "updated" as const, cp, previous: { past_due: true } })), [], "updated");
}

export function describeSession(ctx: Ctx, s: CheckoutSession): { planName: string; lines: Array<{ description: string; amount: string }>; total: string; trial: string | null } {
  const plan = latestPlan(ctx.state, s.plan_id);
  return {
    planName: plan?.name ?? "Payment method",
    lines: s.lines.map((l) => ({ description: l.description, amount: formatMoney(l.amount, s.currency) })),
    total: formatMoney(s.total, s.currency),
    trial: s.trial_days ? `${s.trial_days}-day free trial, then ${plan ? formatMoney(priceIn(plan, s.currency), s.currency) : ""} per ${plan?.price?.interval ?? "month"}` : null,
  };
}
