// Charges a plan change makes: a paid invoice, an off-session charge of the
// card on file (which can leave the subscription past due), and a plan's
// price in the customer's currency.

import type { Ctx } from "./context.js";
import { amountIn, cents } from "./money.js";
import { nextId, type CustomerProduct, type CustomerRecord, type Invoice } from "./state.js";
import type { StoredPlan } from "./wire.js";

export function chargeInvoice(ctx: Ctx, customer: CustomerRecord, planIds: string[], total: number, currency: string, description: string, at: number): Invoice {
  const invoice: Invoice = {
    id: nextId(ctx.state, "in_sbx"),
    plan_ids: planIds,
    status: "paid",
    total: cents(total),
    currency,
    created_at: at,
    description,
  };
  customer.invoices.push(invoice);
  return invoice;
}

/**
 * An off-session charge for `cp` (trial end, renewal, scheduled switch): paid
 * from the card on file; with no card, or one whose charges fail (test card
 * 4000 0000 0000 0341), the subscription goes past due and a card that was
 * tried leaves its invoice open.
 */
export function chargeOnFile(ctx: Ctx, customer: CustomerRecord, cp: CustomerProduct, plan: StoredPlan, description: string, at: number): void {
  const card = customer.payment_method;
  if (card && !card.charges_fail) {
    chargeInvoice(ctx, customer, [plan.id], priceIn(plan, cp.currency), cp.currency, description, at);
    return;
  }
  cp.past_due = true;
  if (card) chargeInvoice(ctx, customer, [plan.id], priceIn(plan, cp.currency), cp.currency, description, at).status = "open";
}

export function priceIn(plan: StoredPlan, currency: string): number {
  if (!plan.price) return 0;
  return amountIn(plan.price, currency) ?? plan.price.amount;
}
