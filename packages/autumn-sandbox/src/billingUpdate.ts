// billing.update (cancel now or at period end, uncancel, prepaid
// quantities) and billing.preview_update, plus billing.open_customer_portal,
// the hosted page where a customer cancels or uncancels.

import type { Ctx } from "./context.js";
import { ApiError, badRequest, invalid } from "./errors.js";
import { planVersion } from "./catalogLookups.js";
import { requireCustomer } from "./customers.js";
import { cents } from "./money.js";
import { defaultPlanFor, expireProduct, scheduleProduct, scheduledIn } from "./subscriptions.js";
import { announce, type PlanChange } from "./planChanges.js";
import { chargeInvoice, priceIn } from "./charges.js";
import { nextId, type CustomerProduct, type CustomerRecord } from "./state.js";
import { outgoingOf } from "./attach.js";

export interface UpdateInput {
  customer_id: string;
  plan_id?: string;
  subscription_id?: string;
  cancel_action?: "cancel_immediately" | "cancel_end_of_cycle" | "uncancel";
  feature_quantities?: Array<{ feature_id: string; quantity: number }>;
  refund_last_payment?: "prorated" | "full";
  no_billing_changes?: boolean;
}

function targetSubscription(c: CustomerRecord, input: UpdateInput): CustomerProduct {
  const matches = (p: CustomerProduct): boolean =>
    input.subscription_id ? p.id === input.subscription_id : input.plan_id ? p.plan_id === input.plan_id : !p.add_on && p.kind === "subscription";
  const cp = c.products.find((p) => p.status === "active" && matches(p));
  if (!cp) {
    if (input.cancel_action === "uncancel" && c.products.some((p) => p.status === "scheduled" && matches(p))) {
      // handleUncancelErrors: aimed at the scheduled plan, not the canceling one (§5, §12.15).
      throw badRequest("Cannot uncancel a subscription that is scheduled");
    }
    throw new ApiError(404, "product_not_found", `Customer ${c.id} has no active ${input.plan_id ? `plan ${input.plan_id}` : "subscription"}`);
  }
  return cp;
}

/** Expire every plan scheduled in the group (a downgrade target or the default waiting to take over). */
function dropScheduled(c: CustomerRecord, group: string | null, now: number): PlanChange[] {
  return scheduledIn(c, group).map((s) => {
    s.status = "expired";
    s.ended_at = now;
    return { action: "expired" as const, cp: s };
  });
}

/** applyUncancelToPlan: clears the pending cancel and deletes the scheduled replacement; a plan not canceling is left alone (200). */
function uncancel(c: CustomerRecord, cp: CustomerProduct, now: number): PlanChange[] {
  const scheduled = cp.add_on ? [] : scheduledIn(c, cp.group);
  if (cp.canceled_at === null && scheduled.length === 0) return [];
  const changes = cp.add_on ? [] : dropScheduled(c, cp.group, now);
  const prev = { canceled_at: cp.canceled_at, expires_at: cp.expires_at };
  cp.canceled_at = null;
  cp.expires_at = null;
  changes.unshift({ action: "updated", cp, previous: prev });
  return changes;
}

export function update(ctx: Ctx, input: UpdateInput): Record<string, unknown> {
  const c = requireCustomer(ctx, input.customer_id);
  const now = ctx.now(c);
  const cp = targetSubscription(c, input);
  if (input.cancel_action === "uncancel") {
    announce(ctx, c, uncancel(c, cp, now), [], "active");
  } else if (input.cancel_action === "cancel_end_of_cycle") {
    if (cp.current_period_end === null) {
      throw badRequest(`Plan ${cp.plan_id} has no billing period to end; use cancel_immediately`);
    }
    const main = !cp.add_on && cp.kind === "subscription";
    const changes = main ? dropScheduled(c, cp.group, now) : [];
    const prev = { canceled_at: cp.canceled_at, expires_at: cp.expires_at };
    cp.canceled_at = now;
    cp.expires_at = cp.current_period_end;
    changes.unshift({ action: "updated", cp, previous: prev });
    // The group's default plan shows as scheduled from the period end (§4.9, #25).
    const fallback = main ? defaultPlanFor(ctx, cp.group) : undefined;
    if (fallback && fallback.id !== cp.plan_id) {
      changes.push({ action: "scheduled", cp: scheduleProduct(ctx, c, fallback, cp.current_period_end, { currency: cp.currency, billed: false }) });
    }
    announce(ctx, c, changes, [], "cancel");
  } else if (input.cancel_action === "cancel_immediately") {
    const changes = dropScheduled(c, cp.group, now);
    cp.canceled_at = now;
    changes.push(...expireProduct(ctx, c, cp, now));
    if (input.refund_last_payment && cp.billed) {
      const last = [...c.invoices].reverse().find((i) => i.plan_ids.includes(cp.plan_id) && i.status === "paid" && i.total > 0);
      if (last) {
        const span = (cp.current_period_end ?? now) - (cp.current_period_start ?? now);
        const fraction = input.refund_last_payment === "full" || span <= 0 ? 1 : Math.max(0, (cp.current_period_end ?? now) - now) / span;
        const inv = chargeInvoice(ctx, c, [cp.plan_id], -last.total * fraction, last.currency, `Refund for ${cp.plan_id}`, now);
        inv.status = "refunded";
      }
    }
    announce(ctx, c, changes, [], "cancel");
  } else if (input.feature_quantities?.length) {
    const plan = planVersion(ctx.state, cp.plan_id, cp.version);
    for (const fq of input.feature_quantities) {
      const item = plan.items.find((i) => i.feature_id === fq.feature_id && i.price?.billing_method === "prepaid");
      if (!item) throw invalid(`Plan ${plan.id} has no prepaid price for feature ${fq.feature_id}`);
      const existing = cp.feature_quantities.find((q) => q.feature_id === fq.feature_id);
      if (existing) existing.quantity = fq.quantity;
      else cp.feature_quantities.push({ ...fq });
      for (const g of c.grants) if (g.customer_product_id === cp.id && g.feature_id === fq.feature_id) g.prepaid_grant = fq.quantity;
    }
    announce(ctx, c, [{ action: "updated", cp, previous: null }], [], "update_prepaid_quantity");
  } else {
    throw invalid("Nothing to update: give cancel_action or feature_quantities");
  }
  return { customer_id: c.id, payment_url: null };
}

export function previewUpdate(ctx: Ctx, input: UpdateInput): Record<string, unknown> {
  const c = requireCustomer(ctx, input.customer_id);
  const now = ctx.now(c);
  const cp = targetSubscription(c, input);
  const plan = planVersion(ctx.state, cp.plan_id, cp.version);
  const lines: Array<Record<string, unknown>> = [];
  let effective: number | null = null;
  if (input.cancel_action === "cancel_immediately") {
    effective = now;
    if (input.refund_last_payment && cp.current_period_end && cp.current_period_start !== null) {
      const span = cp.current_period_end - cp.current_period_start;
      const amount = input.refund_last_payment === "full" ? priceIn(plan, cp.currency) : cents(priceIn(plan, cp.currency) * Math.max(0, cp.current_period_end - now) / span);
      lines.push({ display_name: plan.name, description: `Refund for unused time on ${plan.name}`, subtotal: -amount, total: -amount, plan_id: plan.id, feature_id: null, quantity: 1 });
    }
  } else if (input.cancel_action === "cancel_end_of_cycle") {
    effective = cp.current_period_end;
  }
  const total = cents(lines.reduce((s, l) => s + (l.total as number), 0));
  return {
    customer_id: c.id,
    line_items: lines,
    subtotal: total,
    total,
    currency: cp.currency,
    incoming: [],
    outgoing: input.cancel_action && input.cancel_action !== "uncancel" ? [outgoingOf(cp, effective, now)] : [],
    // Required by the 1.3.13 PreviewUpdateResponse validator.
    intent: input.cancel_action ?? (input.feature_quantities?.length ? "update_quantity" : "none"),
    redirect_to_checkout: false,
    checkout_type: null,
  };
}

// ── Portal ─────────────────────────────────────────────────────────────────

export function openPortal(ctx: Ctx, input: { customer_id: string; return_url?: string | null }): Record<string, unknown> {
  const c = requireCustomer(ctx, input.customer_id);
  const id = nextId(ctx.state, "bps_sbx");
  ctx.state.portals[id] = { id, customer_id: c.id, return_url: input.return_url ?? null, created_at: Date.now() };
  return { customer_id: c.id, url: `${ctx.publicUrl}/portal/${id}` };
}
