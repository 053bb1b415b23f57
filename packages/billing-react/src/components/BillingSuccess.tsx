// /billing/success: where the payment page returns. Shows "Activating your
// plan…" until getActivation reports the plan active, then confirms. No
// polling here: the post-checkout watcher re-syncs on the server and the
// query updates by itself. If the watcher gave up, say so and offer
// "Check again" (retryActivation restarts it).
import { useAction } from "convex/react";
import { useBillingContext } from "../context";
import { formatDate } from "../format";
import { useBilling } from "../hooks/useBilling";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { useBillingTask } from "../hooks/useBillingTask";
import { useBillingErrors } from "../hooks/useBillingErrors";
import { useUpgrade } from "../hooks/useUpgrade";

export interface BillingSuccessProps {
  /** The plan that was bought. Default: the page's `?planId=` (what checkout puts in the success URL). */
  planId?: string;
  /** "Continue" after activation. Default: open the billing tab. */
  onContinue?: () => void;
}

function planIdFromLocation(): string | null {
  if (typeof window === "undefined") return null;
  return new URLSearchParams(window.location.search).get("planId");
}

export function BillingSuccess({ planId: given, onContinue }: BillingSuccessProps) {
  const { api, locale } = useBillingContext();
  const { billing } = useBilling();
  const planId = given ?? planIdFromLocation();
  const activation = useBillingQuery(api.getActivation, planId ? { planId } : "skip");
  const plans = useBillingQuery(api.listPlans, planId ? {} : "skip");
  const retryActivation = useAction(api.retryActivation);
  const retry = useBillingTask();
  const { describe } = useBillingErrors();
  const { openBillingTab } = useUpgrade();
  const name = plans.data?.find((p) => p.planId === planId)?.name ?? "your plan";
  const proceed = onContinue ?? openBillingTab;

  if (!planId) {
    return (
      <div className="billing-success">
        <p>There's no purchase to confirm here.</p>
        <button type="button" className="billing-button" onClick={proceed}>Go to billing</button>
      </div>
    );
  }

  if (activation.status === "error") {
    return (
      <div className="billing-success">
        <p role="alert" className="billing-error-text">{describe(activation.error).message}</p>
      </div>
    );
  }

  const state = activation.data;
  // A $0 trial start is not a payment: say when the first charge is instead.
  const current = billing?.plan;
  const trialEndsAt = current && current.planId === planId && current.status === "trialing" && current.trialEndsAt !== null ? current.trialEndsAt : null;
  if (state?.planActive) {
    return (
      <div className="billing-success" data-state="activated">
        <h2 className="billing-success__title" role="status">{name === "your plan" ? "Your plan is active" : `${name} is active`}</h2>
        {trialEndsAt !== null
          ? <p>Your free trial has started. Nothing was charged today; the first payment is on {formatDate(trialEndsAt, locale)} unless you cancel before.</p>
          : <p>Thanks! Your payment went through and everything is ready.</p>}
        <button type="button" className="billing-button billing-button--primary" onClick={proceed}>Continue</button>
      </div>
    );
  }

  if (state?.state === "gave_up") {
    return (
      <div className="billing-success" data-state="gave_up">
        <h2 className="billing-success__title">We couldn't confirm your payment yet</h2>
        <p>Payments can take a few minutes to settle. If you completed the payment, check again; nothing will be charged twice.</p>
        <button
          type="button"
          className="billing-button billing-button--primary"
          disabled={retry.pending}
          onClick={() => { void retry.run(() => retryActivation({ planId })); }}
        >
          {retry.pending ? "Checking…" : "Check again"}
        </button>
        {retry.error ? <p role="alert" className="billing-error-text">{retry.error.message}</p> : null}
      </div>
    );
  }

  if (state?.state === "none" || state?.state === "activated") {
    // "activated" with planActive false: the plan was activated and has since changed.
    return (
      <div className="billing-success" data-state={state.state}>
        <p>There's no payment waiting to be confirmed for {name}.</p>
        <button type="button" className="billing-button" onClick={proceed}>Go to billing</button>
      </div>
    );
  }

  return (
    <div className="billing-success" data-state="watching" aria-busy="true">
      <span className="billing-spinner" aria-hidden="true" />
      <h2 className="billing-success__title" role="status">Activating your plan…</h2>
      <p className="billing-muted">This usually takes a few seconds. You can leave this page; we'll finish in the background.</p>
    </div>
  );
}
