// Plans side by side in pricing order (free first, add-ons last), the
// current one marked, prices in the billing currency (plans without a price
// in it are left out). Reads listPlans and
// getOrgBilling itself unless given `plans` / `currentPlanId` / `canManage`
// (a public pricing page passes them). Selecting a plan opens the checkout
// dialog unless `onSelect` is given.
import { useBillingContext } from "../context";
import { useBilling } from "../hooks/useBilling";
import { useBillingCurrency } from "../hooks/useBillingCurrency";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { planOffersCurrency } from "../format";
import { orderPlans, type PlanCardAction } from "../planActions";
import type { Plan } from "../types";
import { PlanCard } from "./PlanCard";

export interface PricingTableProps {
  /** Default: listPlans. */
  plans?: Plan[];
  /** Default: the org's current plan (getOrgBilling). Pass null for "no plan" (public page). */
  currentPlanId?: string | null;
  /** Price currency, e.g. "brl" picks the plans' BRL prices; plans without one are not shown. Default: the billing currency (useBillingCurrency). */
  currency?: string;
  /** Show buttons. Default: whether the caller owns the org. */
  canManage?: boolean;
  /** Include add-on plans (credit packs). Default false. */
  includeAddOns?: boolean;
  onSelect?: (plan: Plan, action: PlanCardAction) => void;
}

export function PricingTable({ plans, currentPlanId, currency, canManage, includeAddOns = false, onSelect }: PricingTableProps) {
  const { api, openCheckout } = useBillingContext();
  const listed = useBillingQuery(api.listPlans, plans ? "skip" : {});
  const billing = useBilling();
  const billingCurrency = useBillingCurrency();
  const shownCurrency = (currency ?? billingCurrency.currency).toLowerCase();
  const all = plans ?? listed.data;

  if (!all) {
    return (
      <div className="billing-plan-grid" aria-busy="true">
        {listed.status === "error" ? <p role="alert" className="billing-error-text">Plans couldn't be loaded.</p> : null}
        {[0, 1, 2].map((i) => <div key={i} className="billing-plan-card billing-plan-card--skeleton" aria-hidden="true" />)}
      </div>
    );
  }

  const view = billing.billing;
  const currentId = currentPlanId !== undefined ? currentPlanId : view?.plan?.planId ?? null;
  const current = {
    planId: currentId,
    plan: all.find((p) => p.planId === currentId) ?? null,
    status: currentPlanId !== undefined ? null : view?.plan?.status ?? null,
    scheduledPlanId: currentPlanId !== undefined ? null : view?.scheduledChange?.planId ?? null,
    eligibility: currentPlanId !== undefined ? null : view?.eligibility ?? null,
  };
  // A plan with no price in the currency is not offered (never "$49" next to "R$ 87,00"); the current plan always shows.
  const shown = orderPlans(all).filter((p) => !p.archived && (includeAddOns || !p.addOn)
    && (p.planId === currentId || planOffersCurrency(p, shownCurrency)));
  const select = onSelect ?? ((plan: Plan, action: PlanCardAction) => openCheckout({
    planId: plan.planId, addOn: plan.addOn, currency: shownCurrency, ...(action === "trial" ? { expected: "trial" as const } : {}),
  }));
  return (
    <div className="billing-plan-grid">
      {shown.map((plan) => (
        <PlanCard
          key={plan.planId}
          plan={plan}
          current={current}
          currency={shownCurrency}
          canManage={canManage ?? billing.canManage}
          onSelect={select}
        />
      ))}
    </div>
  );
}
