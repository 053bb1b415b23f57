// What a plan card offers, by comparing the plan with the org's current
// plan: Current (Keep this plan while it is canceling or a downgrade is
// scheduled), Upgrade (a higher tier), Downgrade (a lower one), Start trial
// (when Autumn would start one), Buy (add-ons).
// Tiers follow the catalog's sortKey (free first, then by monthly price).
import type { FeatureDisplay, Plan, PlanEligibility, PlanItem, PlanStatus } from "./types";

export type PlanCardAction = "current" | "keep" | "upgrade" | "downgrade" | "trial" | "subscribe" | "buy" | "scheduled";

export const PLAN_ACTION_LABELS: Readonly<Record<PlanCardAction, string>> = {
  current: "Current plan",
  keep: "Keep this plan",
  upgrade: "Upgrade",
  downgrade: "Downgrade",
  trial: "Start trial",
  subscribe: "Subscribe",
  buy: "Buy",
  scheduled: "Scheduled",
};

export function isFreePlan(plan: Pick<Plan, "price"> | null | undefined): boolean {
  return !plan?.price || plan.price.amount === 0;
}

export interface CurrentPlanInfo {
  /** The org's current main plan id (null: none). */
  planId: string | null;
  /** Its catalog row, when the catalog has it. */
  plan?: Plan | null;
  status?: PlanStatus | null;
  /** Plan id of a scheduled change (downgrade at period end). */
  scheduledPlanId?: string | null;
  /** The org's eligibility per plan (from Autumn): decides whether a free trial is offered. */
  eligibility?: readonly PlanEligibility[] | null;
}

/**
 * Would buying `plan` start a free trial? Autumn's eligibility decides when
 * the cache has it (a trial used before, by this org or its owner's other
 * orgs, is not offered again); without it, only a plan with a trial bought
 * from a free plan, outside a trial.
 */
export function trialOffered(plan: Plan, current: CurrentPlanInfo): boolean {
  if (plan.freeTrial === null || isFreePlan(plan)) return false;
  const e = current.eligibility?.find((x) => x.planId === plan.planId);
  if (e) return e.trialAvailable === true && e.attachAction !== "downgrade";
  return current.status !== "trialing" && isFreePlan(current.plan ?? null);
}

/** The action a card for `plan` offers, given the current plan. */
export function planActionFor(plan: Plan, current: CurrentPlanInfo): PlanCardAction {
  if (plan.addOn) return "buy";
  // The current plan while it is canceling or a downgrade is scheduled: keeping it is an uncancel.
  if (current.planId === plan.planId) return current.status === "canceling" || current.scheduledPlanId ? "keep" : "current";
  if (current.scheduledPlanId === plan.planId) return "scheduled";
  const currentPlan = current.plan ?? null;
  const trialEligible = trialOffered(plan, current);
  if (!current.planId || !currentPlan) return trialEligible ? "trial" : "subscribe";
  const higher = plan.sortKey !== currentPlan.sortKey
    ? plan.sortKey > currentPlan.sortKey
    : (plan.price?.amount ?? 0) > (currentPlan.price?.amount ?? 0);
  if (!higher) return "downgrade";
  return trialEligible ? "trial" : "upgrade";
}

/** Plans for a pricing table: pricing order, main plans first, add-ons last. */
export function orderPlans(plans: readonly Plan[]): Plan[] {
  return [...plans].sort((a, b) => Number(a.addOn) - Number(b.addOn) || a.sortKey - b.sortKey || a.name.localeCompare(b.name));
}

/**
 * The unit for `count` of a feature: the display's singular or plural by
 * count; a unit that is only the feature's name lowercased ("ai credits")
 * keeps the name's own casing ("AI credits").
 */
export function unitLabel(display: FeatureDisplay, count: number, featureName: string): string {
  const raw = count === 1 ? display.singular : display.plural;
  return raw.toLowerCase() === featureName.toLowerCase() ? featureName : raw;
}

/** "1,000 Standard messages / month", "Unlimited Standard messages", "Custom branding". */
export function describeItem(item: PlanItem, locale?: string): string {
  if (item.featureType === "boolean") return item.featureName;
  const unit = item.display ? unitLabel(item.display, item.included, item.featureName) : item.featureName;
  if (item.unlimited) return `Unlimited ${unit}`;
  const amount = new Intl.NumberFormat(locale).format(item.included);
  const reset = item.reset && item.reset.interval !== "one_off" ? ` per ${item.reset.interval}` : "";
  return `${amount} ${unit}${reset}`;
}
