// What a QUOTA_EXCEEDED (or FEATURE_NOT_AVAILABLE) looks like in the app:
// "You've reached your limit", what ran out, and for owners the way out:
// "Upgrade to <the cheapest plan that gives more>" (opens the checkout
// dialog) and "Compare plans" (the billing tab). Everyone else is told to
// ask an owner.
import { isOrgSetLimit, orderPlans, useBilling, useBillingContext, useBillingQuery, useUpgrade, type Plan } from "@billing/react";

/** The first main plan above the current one that gives more of `featureId` (or includes it at all). */
export function suggestUpgrade(plans: readonly Plan[], currentPlanId: string | null, featureId: string): Plan | null {
  const main = orderPlans(plans).filter((p) => !p.addOn && !p.archived);
  const current = main.find((p) => p.planId === currentPlanId) ?? null;
  const currentItem = current?.items.find((i) => i.featureId === featureId) ?? null;
  const have = currentItem ? (currentItem.unlimited ? Infinity : currentItem.included) : 0;
  return main.find((p) => {
    if (current && p.sortKey <= current.sortKey) return false;
    const item = p.items.find((i) => i.featureId === featureId);
    if (!item) return false;
    return item.featureType === "boolean" || item.unlimited || item.included > have;
  }) ?? null;
}

export interface LimitNoticeProps {
  featureId: string;
  /** What the server said (shown when the billing state can't explain it better). */
  message?: string;
  /** Which limit refused (QUOTA_EXCEEDED data.limitType): an org-set usage/spend limit is raised, not upgraded away. */
  limitType?: string;
  onDismiss?: () => void;
}

export function LimitNotice({ featureId, message, limitType, onDismiss }: LimitNoticeProps) {
  const { api } = useBillingContext();
  const billing = useBilling();
  const plans = useBillingQuery(api.listPlans, {});
  const { openCheckout, openBillingTab } = useUpgrade();
  const next = plans.data ? suggestUpgrade(plans.data, billing.billing?.plan?.planId ?? null, featureId) : null;
  const balance = billing.billing?.balances.find((b) => b.featureId === featureId);
  const credits = billing.billing?.balances.find((b) => b.type === "credit_system" || b.type === "ai_credit_system");
  const featureName = balance?.name
    ?? plans.data?.flatMap((p) => p.items).find((i) => i.featureId === featureId)?.featureName
    ?? null;
  const what = featureName ?? "this feature";
  const explained = balance
    ? `You've used ${balance.usage >= balance.granted ? "all " : ""}${new Intl.NumberFormat().format(balance.granted)} ${what.toLowerCase()} your plan includes${balance.nextResetAt ? " this period" : ""}.`
    : credits && credits.remaining <= 0 && featureName ? `${featureName} are paid from your AI credits, and they're used up.`
    : featureName ? `${featureName} aren't included in your plan.` : message ?? "Your plan's limit is reached.";

  if (isOrgSetLimit(limitType)) {
    return (
      <div className="limit" role="alert" data-testid="limit-notice" data-feature={featureId} data-limit-type={limitType}>
        <div className="limit__text">
          <p className="limit__title">{limitType === "usage_limit" ? "Your organization's usage limit is reached" : "Your organization's spend limit is reached"}</p>
          <p className="limit__message">{message ?? "An owner set this limit."}</p>
        </div>
        <div className="limit__actions">
          {billing.canManage ? <button type="button" onClick={openBillingTab}>Raise the limit</button> : null}
          {onDismiss ? <button type="button" className="link" onClick={onDismiss}>Dismiss</button> : null}
        </div>
      </div>
    );
  }
  return (
    <div className="limit" role="alert" data-testid="limit-notice" data-feature={featureId}>
      <div className="limit__text">
        <p className="limit__title">You've reached your limit</p>
        <p className="limit__message">{explained}</p>
        {!billing.canManage && billing.status === "ready" ? <p className="limit__message">Ask an owner of this organization to upgrade.</p> : null}
      </div>
      <div className="limit__actions">
        {billing.canManage ? (
          <>
            {next ? (
              <button type="button" onClick={() => openCheckout(next.planId)}>Upgrade to {next.name}</button>
            ) : null}
            <button type="button" className={next ? "button--secondary" : undefined} onClick={openBillingTab}>
              {next ? "Compare plans" : "Upgrade"}
            </button>
          </>
        ) : null}
        {onDismiss ? <button type="button" className="link" onClick={onDismiss}>Dismiss</button> : null}
      </div>
    </div>
  );
}
