// The current plan panel: name, price, status (active; trialing "Trial: N
// days left"; canceling "Ends on <date>" with Uncancel; a scheduled
// downgrade "Switches to X on <date>" with Keep current plan; past due with
// a warning), and for owners Manage billing and Cancel. Non-owners get the
// same facts with no buttons.
import { useAction } from "convex/react";
import { useState } from "react";
import { useBillingContext } from "../context";
import { daysUntil, formatDate, formatPlanPrice } from "../format";
import { useBillingCurrency } from "../hooks/useBillingCurrency";
import { useBillingTask } from "../hooks/useBillingTask";
import { isFreePlan } from "../planActions";
import type { OrgBillingView, PlanStatus } from "../types";
import { CancelDialog } from "./CancelDialog";

export interface CurrentPlanProps {
  view: OrgBillingView;
  canManage: boolean;
  currency?: string;
  /** Say "Only the owner can change the plan." to non-owners (default true; the billing tab says it once, at the top). */
  readOnlyNote?: boolean;
}

const STATUS_LABELS: Record<PlanStatus, string> = {
  active: "Active",
  trialing: "Trial",
  canceling: "Canceling",
  past_due: "Past due",
};

export function CurrentPlan({ view, canManage, currency, readOnlyNote = true }: CurrentPlanProps) {
  const { api, locale, now, redirect, billingPath, toast } = useBillingContext();
  const uncancel = useAction(api.uncancelSubscription);
  const openPortal = useAction(api.openBillingPortal);
  const task = useBillingTask();
  const billingCurrency = useBillingCurrency();
  const [cancelOpen, setCancelOpen] = useState(false);
  const plan = view.plan;
  const date = (at: number) => formatDate(at, locale);

  if (!plan) {
    return (
      <div className="billing-current">
        <p className="billing-current__name">No plan yet</p>
        <p className="billing-muted">Choose a plan below.</p>
      </div>
    );
  }

  const keepPlan = (message: string) => task.run(async () => {
    await uncancel({ planId: plan.planId });
    toast({ tone: "success", message });
  });
  const manageBilling = () => task.run(async () => {
    const { url } = await openPortal({ returnUrl: billingPath });
    redirect(url);
  });

  const endsAt = plan.expiresAt ?? plan.currentPeriodEnd;
  const scheduled = view.scheduledChange;
  const paid = !isFreePlan(plan);
  const trialDays = plan.trialEndsAt !== null ? daysUntil(plan.trialEndsAt, now()) : null;

  return (
    <div className="billing-current" data-status={plan.status}>
      <div className="billing-current__header">
        <p className="billing-current__name">{plan.name}</p>
        <span className="billing-badge" data-status={plan.status}>{STATUS_LABELS[plan.status]}</span>
      </div>
      <p className="billing-current__price">{formatPlanPrice(plan.price, view.currency ?? currency ?? billingCurrency.currency)}</p>

      <div className="billing-current__status">
        {plan.status === "trialing" && trialDays !== null ? (
          <p>
            Trial: {trialDays} {trialDays === 1 ? "day" : "days"} left
            {plan.trialEndsAt !== null ? <span className="billing-muted"> (ends {date(plan.trialEndsAt)})</span> : null}
          </p>
        ) : null}
        {plan.status === "canceling" ? (
          <p>{endsAt !== null ? `Ends on ${date(endsAt)}` : "Ends at the end of the billing period"}</p>
        ) : null}
        {scheduled ? (
          <p>Switches to {scheduled.planName}{scheduled.startsAt !== null ? ` on ${date(scheduled.startsAt)}` : " at the end of the period"}</p>
        ) : null}
        {plan.status === "past_due" ? (
          <div role="alert" className="billing-warning">
            Your last payment failed. {canManage ? "Update your payment method to keep your plan." : "Ask an owner to update the payment method."}
          </div>
        ) : null}
        {plan.status === "active" && !scheduled && paid && plan.currentPeriodEnd !== null ? (
          <p className="billing-muted">Renews on {date(plan.currentPeriodEnd)}</p>
        ) : null}
      </div>

      {canManage ? (
        <div className="billing-actions">
          {plan.status === "canceling" ? (
            <button type="button" className="billing-button billing-button--primary" disabled={task.pending} onClick={() => { void keepPlan(`${plan.name} will continue.`); }}>
              Uncancel
            </button>
          ) : null}
          {scheduled ? (
            <button type="button" className="billing-button billing-button--primary" disabled={task.pending} onClick={() => { void keepPlan(`You'll stay on ${plan.name}.`); }}>
              Keep current plan
            </button>
          ) : null}
          {paid || plan.status === "past_due" || view.invoices.length > 0 ? (
            <button type="button" className="billing-button" disabled={task.pending} onClick={() => { void manageBilling(); }}>
              Manage billing
            </button>
          ) : null}
          {paid && plan.status !== "canceling" && !scheduled ? (
            <button type="button" className="billing-button billing-button--danger-text" onClick={() => setCancelOpen(true)}>
              Cancel plan
            </button>
          ) : null}
        </div>
      ) : readOnlyNote ? (
        <p className="billing-muted billing-readonly-note">Only the owner can change the plan.</p>
      ) : null}
      {task.error ? <p role="alert" className="billing-error-text">{task.error.message}</p> : null}
      {cancelOpen ? <CancelDialog plan={plan} open onClose={() => setCancelOpen(false)} /> : null}
    </div>
  );
}
