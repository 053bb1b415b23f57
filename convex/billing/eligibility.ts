// What each plan would do for one org, as Autumn decides it: plans.list with
// `customer_id` adds `customer_eligibility` to every plan (attach_action,
// trial_available, status, canceling, trialing). It is fetched with every
// customer sync and cached on the org's billingCustomers row, so a plan card
// offers "Start trial" only when Autumn would really start one (a trial used
// before, by this org or by its owner's other orgs, is not offered again).
import type { Plan } from "autumn-js";
import { callAutumn } from "./autumn";
import type { PlanEligibility } from "./schema";

const ATTACH_ACTIONS = new Set<PlanEligibility["attachAction"]>(["activate", "upgrade", "downgrade", "none", "purchase"]);

/** One plan's customer_eligibility as a cache entry (null when Autumn sent none). */
export function eligibilityOf(plan: Pick<Plan, "id" | "customerEligibility">): PlanEligibility | null {
  const e = plan.customerEligibility;
  if (!e) return null;
  const action = String(e.attachAction) as PlanEligibility["attachAction"];
  return {
    planId: plan.id,
    attachAction: ATTACH_ACTIONS.has(action) ? action : "none",
    // Autumn omits trial_available for plans without a trial.
    trialAvailable: typeof e.trialAvailable === "boolean" ? e.trialAvailable : null,
    status: e.status === "active" ? "active" : e.status === "scheduled" ? "scheduled" : null,
    canceling: e.canceling === true,
    trialing: e.trialing === true,
  };
}

/** plans.list for the org's customer: every plan's eligibility, in catalog order. */
export async function fetchEligibility(organizationId: string): Promise<PlanEligibility[]> {
  const { list } = await callAutumn("plans.list", (c, o) => c.plans.list({ customerId: organizationId }, o));
  return list.map(eligibilityOf).filter((e): e is PlanEligibility => e !== null);
}

/** Would attaching `planId` start a free trial for this org? null: not known (no cached eligibility). */
export function trialAvailable(eligibility: readonly PlanEligibility[] | undefined, planId: string): boolean | null {
  const e = eligibility?.find((x) => x.planId === planId);
  return e ? e.trialAvailable === true : null;
}
