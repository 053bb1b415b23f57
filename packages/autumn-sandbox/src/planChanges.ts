// Plan changes as the outside world hears of them: the PlanChange record the
// state machine produces, its rendering, and the webhooks one set of changes
// sends (`billing.updated` and the legacy `customer.products.updated`).

import type { Ctx } from "./context.js";
import type { CustomerProduct, CustomerRecord } from "./state.js";

export type PlanChangeAction = "activated" | "scheduled" | "updated" | "expired";

export function renderSubscriptionChange(cp: CustomerProduct): Record<string, unknown> {
  return {
    plan_id: cp.plan_id,
    status: cp.status,
    past_due: cp.past_due,
    started_at: cp.started_at,
    canceled_at: cp.canceled_at,
    expires_at: cp.expires_at,
    trial_ends_at: cp.trial_ends_at,
    current_period_start: cp.current_period_start,
    current_period_end: cp.current_period_end,
  };
}

export interface PlanChange {
  action: PlanChangeAction;
  cp: CustomerProduct;
  previous?: Record<string, unknown> | null;
}

/** Send `billing.updated` (and the legacy `customer.products.updated`) for a set of changes. */
export function announce(ctx: Ctx, customer: CustomerRecord, changes: PlanChange[], tags: string[] = [], scenario = "updated"): void {
  if (changes.length === 0) return;
  ctx.emit({
    type: "billing.updated",
    data: {
      object: "billing.updated",
      customer_id: customer.id,
      plan_changes: changes.map((c) => ({
        action: c.action,
        [c.cp.kind === "purchase" ? "purchase" : "subscription"]: renderSubscriptionChange(c.cp),
        previous_attributes: c.previous ?? null,
        item_changes: [],
      })),
      tags,
    },
  });
  // On a switch the legacy event names the plan moved to, not the one that ended first (cancel/expired name the ended one).
  const ending = scenario === "cancel" || scenario === "expired";
  const main = ((ending ? undefined : changes.find((c) => c.action !== "expired")) ?? changes[0]) as PlanChange;
  ctx.emit({
    type: "customer.products.updated",
    data: {
      scenario,
      customer: { id: customer.id, name: customer.name, email: customer.email, env: "sandbox",
        products: customer.products.filter((p) => p.status !== "expired").map((p) => ({ id: p.plan_id, status: p.status })) },
      updated_product: { id: main.cp.plan_id, status: main.cp.status, version: main.cp.version },
    },
  });
}
