// plans.list `customer_eligibility` (autumn-controls.md §4, §12.14), as
// buildCustomerEligibility.ts computes it: attach_action (purchase for
// one-off plans, none for the active or scheduled plan, activate for add-ons
// and groups without a main plan, else upgrade/downgrade by price), status,
// canceling / trialing for the active instance, and trial_available — omitted
// for plans without a trial, false once used or when it would be a downgrade.

import type { Ctx } from "./context.js";
import { latestPlan } from "./catalogLookups.js";
import { trialEligible } from "./attach.js";
import { activeMain, isRecurring, monthlyPrice } from "./subscriptions.js";
import type { CustomerRecord } from "./state.js";
import type { StoredPlan } from "./wire.js";

const hasPrice = (p: StoredPlan): boolean => p.price !== null || p.items.some((i) => i.price !== null);
const isFree = (p: StoredPlan): boolean => !hasPrice(p);

/** Price comparison of two plans (normalised monthly base price, then item prices). */
function isUpgrade(from: StoredPlan, to: StoredPlan): boolean {
  const a = monthlyPrice(from);
  const b = monthlyPrice(to);
  if (a !== b) return b > a;
  return !isFree(to) || isFree(from);
}

function planOf(ctx: Ctx, planId: string, version: number): StoredPlan | undefined {
  return ctx.state.plans[planId]?.find((v) => v.version === version) ?? latestPlan(ctx.state, planId);
}

export function customerEligibility(ctx: Ctx, c: CustomerRecord, plan: StoredPlan): Record<string, unknown> {
  const now = ctx.now(c);
  const active = c.products.find((p) => p.plan_id === plan.id && p.status === "active");
  const scheduled = c.products.find((p) => p.plan_id === plan.id && p.status === "scheduled");
  const oneOff = !isRecurring(plan);
  const main = plan.add_on || oneOff ? undefined : activeMain(c, plan.group);
  const mainPlan = main ? planOf(ctx, main.plan_id, main.version) : undefined;

  let action: string;
  if (oneOff) action = "purchase";
  else if (active || scheduled) action = "none";
  else if (plan.add_on || !mainPlan) action = "activate";
  else action = isUpgrade(mainPlan, plan) ? "upgrade" : "downgrade";

  // The attach scenario only matters for trials: a downgrade never gets one.
  let downgrade = false;
  if (!oneOff && !plan.add_on && mainPlan && main?.plan_id !== plan.id && scheduled === undefined) {
    const up = isUpgrade(mainPlan, plan);
    downgrade = !up && !(isFree(plan) && !isFree(mainPlan)) && !(isFree(plan) && isFree(mainPlan));
  }
  const trialAvailable = plan.free_trial ? !downgrade && trialEligible(ctx, c, plan) : undefined;

  return {
    ...(trialAvailable !== undefined ? { trial_available: trialAvailable } : {}),
    ...(active ? { status: "active" } : scheduled ? { status: "scheduled" } : {}),
    ...(active ? { canceling: active.canceled_at !== null, trialing: active.trial_ends_at !== null && active.trial_ends_at > now } : {}),
    attach_action: action,
  };
}
