// billing.attach and billing.preview_attach. `decide` is the one place that
// works out what an attach means (new plan, upgrade now, downgrade at
// period end, add-on purchase, trial, currency, amount due, whether a card
// is needed), so previews and the real thing always agree. Hosted checkout
// sessions live in checkout.ts, currency rules in currency.ts, billing.update
// in billingUpdate.ts.

import type { Ctx } from "./context.js";
import { ApiError, invalid, notFound } from "./errors.js";
import { latestPlan, planVersion } from "./catalogLookups.js";
import { requireCustomer } from "./customers.js";
import { cents } from "./money.js";
import { activatePlan, activeMain, isRecurring, monthlyPrice, scheduleSwitch } from "./subscriptions.js";
import { announce, type PlanChange } from "./planChanges.js";
import { chargeInvoice, priceIn } from "./charges.js";
import { durationMs } from "./time.js";
import type { CustomerProduct, CustomerRecord } from "./state.js";
import type { StoredPlan, WireFreeTrial } from "./wire.js";
import { lockCurrency, resolveAttachCurrency } from "./currency.js";
import { expireOpenCheckouts, openCheckout } from "./checkout.js";

export interface AttachInput {
  customer_id: string;
  plan_id: string;
  version?: number;
  feature_quantities?: Array<{ feature_id: string; quantity: number }>;
  customize?: { free_trial?: WireFreeTrial | null } | null;
  redirect_mode?: "always" | "if_required" | "never";
  plan_schedule?: "immediate" | "end_of_cycle";
  success_url?: string | null;
  no_billing_changes?: boolean;
  currency?: string;
}

export type AttachAction = "activate" | "upgrade" | "downgrade" | "purchase";

export interface Decision {
  plan: StoredPlan;
  current: CustomerProduct | undefined;
  action: AttachAction;
  timing: "immediate" | "end_of_cycle";
  trial: { endsAt: number; days: number; cardRequired: boolean } | null;
  currency: string;
  lines: Array<{ display_name: string; description: string; amount: number; plan_id: string }>;
  total: number;
  needsCard: boolean;
  now: number;
}

/** One trial per customer per plan, and none for a fingerprint that already had it. */
export function trialEligible(ctx: Ctx, c: CustomerRecord, plan: StoredPlan): boolean {
  if (c.trials_used.some((t) => t.plan_id === plan.id)) return false;
  if (!c.fingerprint) return true;
  return !Object.values(ctx.state.customers).some((o) =>
    o.id !== c.id && o.trials_used.some((t) => t.plan_id === plan.id && t.fingerprint === c.fingerprint));
}

export function decide(ctx: Ctx, c: CustomerRecord, input: AttachInput): Decision {
  const plan = input.version !== undefined ? planVersion(ctx.state, input.plan_id, input.version) : latestPlan(ctx.state, input.plan_id);
  if (!plan || plan.archived) throw notFound.plan(input.plan_id);
  const now = ctx.now(c);
  const currency = resolveAttachCurrency(ctx, c, plan, input.currency);
  for (const fq of input.feature_quantities ?? []) {
    if (!plan.items.some((i) => i.feature_id === fq.feature_id && i.price?.billing_method === "prepaid")) {
      throw invalid(`Plan ${plan.id} has no prepaid price for feature ${fq.feature_id}`);
    }
  }
  let action: AttachAction;
  let current: CustomerProduct | undefined;
  if (plan.add_on || !isRecurring(plan)) {
    action = "purchase";
  } else {
    current = activeMain(c, plan.group);
    if (!current) action = "activate";
    else if (current.plan_id === plan.id) {
      // Also while it is canceling or a downgrade is scheduled: the schedule
      // stays; billing.update uncancel is the way back (§5, §11.4).
      throw new ApiError(409, "plan_already_attached", `Customer ${c.id} already has plan ${plan.id} attached`);
    } else {
      const currentPlan = planVersion(ctx.state, current.plan_id, current.version);
      action = monthlyPrice(plan) < monthlyPrice(currentPlan) ? "downgrade" : "upgrade";
    }
  }
  let timing: Decision["timing"] = input.plan_schedule ?? (action === "downgrade" ? "end_of_cycle" : "immediate");
  if (!current || current.current_period_end === null) timing = "immediate";

  // Trials: one per customer per plan, deduped by fingerprint; customize.free_trial overrides (§4.10).
  let trial: Decision["trial"] = null;
  const explicit = input.customize && "free_trial" in input.customize ? input.customize.free_trial : undefined;
  const ft = explicit === null ? null : (explicit ?? plan.free_trial);
  // A migration (no_billing_changes) grants the plan as it is: no trial is started or used up.
  if (ft && !input.no_billing_changes && action !== "downgrade" && (explicit || trialEligible(ctx, c, plan))) {
    const length = durationMs(ft.duration_length, ft.duration_type, now);
    trial = { endsAt: now + length, days: Math.round(length / 86_400_000), cardRequired: ft.card_required };
  }

  const lines: Decision["lines"] = [];
  if (timing === "immediate") {
    const price = priceIn(plan, currency);
    if (price > 0) {
      lines.push({ display_name: plan.name, description: trial ? `${plan.name} - ${trial.days}-day free trial` : `${plan.name} - Base price`, amount: trial ? 0 : price, plan_id: plan.id });
    }
    if (current && !trial && current.billed && current.current_period_end && current.current_period_start !== null && current.trial_ends_at === null) {
      const curPlan = planVersion(ctx.state, current.plan_id, current.version);
      const span = current.current_period_end - current.current_period_start;
      const unused = span > 0 ? Math.max(0, current.current_period_end - now) / span : 0;
      const credit = cents(priceIn(curPlan, current.currency) * unused);
      if (credit > 0) lines.push({ display_name: curPlan.name, description: `Unused time on ${curPlan.name}`, amount: -credit, plan_id: curPlan.id });
    }
  }
  const total = cents(Math.max(0, lines.reduce((s, l) => s + l.amount, 0)));
  const needsCard = !input.no_billing_changes && !c.payment_method && (total > 0 || Boolean(trial?.cardRequired));
  return { plan, current, action, timing, trial, currency, lines, total, needsCard, now };
}

/** Apply a decision: schedule or activate, record the trial, charge the card on file. */
export function applyDecision(ctx: Ctx, c: CustomerRecord, d: Decision, input: AttachInput): { changes: PlanChange[]; invoice: ReturnType<typeof chargeInvoice> | null } {
  const billed = !input.no_billing_changes;
  lockCurrency(c, d.plan, d.currency);
  if (d.trial) c.trials_used.push({ plan_id: d.plan.id, fingerprint: c.fingerprint });
  const changes = d.timing === "end_of_cycle" && d.current
    ? scheduleSwitch(ctx, c, d.current, d.plan, { now: d.now, currency: d.currency, billed })
    : activatePlan(ctx, c, d.plan, {
        now: d.now, currency: d.currency, billed, trialEndsAt: d.trial?.endsAt ?? null,
        featureQuantities: input.feature_quantities ?? [],
      });
  const invoice = billed && d.total > 0
    ? chargeInvoice(ctx, c, [d.plan.id], d.total, d.currency, d.lines.map((l) => l.description).join("; "), d.now)
    : null;
  const scenario = { activate: "new", upgrade: "upgrade", downgrade: "downgrade", purchase: "new" }[d.action];
  announce(ctx, c, changes, d.trial ? ["trial_started"] : [], d.timing === "end_of_cycle" ? "scheduled" : scenario);
  return { changes, invoice };
}

function renderInvoice(ctx: Ctx, inv: NonNullable<ReturnType<typeof chargeInvoice>>): Record<string, unknown> {
  return { status: inv.status, stripe_id: inv.id, total: inv.total, currency: inv.currency, hosted_invoice_url: `${ctx.publicUrl}/invoices/${inv.id}` };
}

export function attach(ctx: Ctx, input: AttachInput): Record<string, unknown> {
  const c = requireCustomer(ctx, input.customer_id);
  const d = decide(ctx, c, input);
  const mode = input.redirect_mode ?? "if_required";
  if (!input.no_billing_changes && (d.needsCard || mode === "always")) {
    if (mode === "never") {
      return { customer_id: c.id, payment_url: null, required_action: { code: "payment_method_required", reason: "The customer has no payment method on file" } };
    }
    const session = openCheckout(ctx, c, d, input);
    return { customer_id: c.id, payment_url: `${ctx.publicUrl}/checkout/${session.id}` };
  }
  expireOpenCheckouts(ctx, c);
  const { invoice } = applyDecision(ctx, c, d, input);
  return { customer_id: c.id, payment_url: null, ...(invoice ? { invoice: renderInvoice(ctx, invoice) } : {}) };
}

// ── Previews ───────────────────────────────────────────────────────────────

function incomingOf(d: Decision): Record<string, unknown> {
  return {
    plan_id: d.plan.id,
    feature_quantities: [],
    effective_at: d.timing === "end_of_cycle" ? d.current?.current_period_end ?? null : null,
    canceled_at: null,
    expires_at: null,
  };
}

export function outgoingOf(cp: CustomerProduct, effectiveAt: number | null, canceledAt: number | null): Record<string, unknown> {
  return { plan_id: cp.plan_id, feature_quantities: [], effective_at: effectiveAt, canceled_at: canceledAt, expires_at: effectiveAt };
}

function lineItems(d: Decision): Array<Record<string, unknown>> {
  return d.lines.map((l) => ({
    display_name: l.display_name, description: l.description, subtotal: l.amount, total: l.amount,
    plan_id: l.plan_id, feature_id: null, quantity: 1,
  }));
}

export function previewAttach(ctx: Ctx, input: AttachInput): Record<string, unknown> {
  const c = requireCustomer(ctx, input.customer_id);
  const d = decide(ctx, c, input);
  const mode = input.redirect_mode ?? "if_required";
  const redirect = !input.no_billing_changes && mode !== "never" && (d.needsCard || mode === "always");
  const recurring = isRecurring(d.plan) && d.plan.price !== null;
  const nextStart = d.timing === "end_of_cycle"
    ? d.current?.current_period_end ?? null
    : d.trial ? d.trial.endsAt : null;
  const nextPrice = priceIn(d.plan, d.currency);
  return {
    customer_id: c.id,
    line_items: lineItems(d),
    subtotal: d.total,
    total: d.total,
    currency: d.currency,
    ...(recurring
      ? {
          next_cycle: {
            starts_at: nextStart ?? (d.plan.price ? d.now + durationMs(1, d.plan.price.interval === "year" ? "year" : "month", d.now) : d.now),
            subtotal: nextPrice,
            total: nextPrice,
            line_items: [{ display_name: d.plan.name, description: `${d.plan.name} - Base price`, subtotal: nextPrice, total: nextPrice, plan_id: d.plan.id, feature_id: null, quantity: 1 }],
            usage_line_items: [],
          },
        }
      : {}),
    incoming: [incomingOf(d)],
    outgoing: d.current
      ? [outgoingOf(d.current, d.timing === "end_of_cycle" ? d.current.current_period_end : d.now, d.timing === "end_of_cycle" ? d.now : null)]
      : [],
    redirect_to_checkout: redirect,
    checkout_type: redirect ? (d.needsCard ? "stripe_checkout" : "autumn_checkout") : null,
  };
}
