// One plan: name, description, price (in the chosen currency), trial (only
// when this org would get it),
// entitlements, and the action it offers relative to the current plan
// (Current / Upgrade / Downgrade / Start trial / Buy). The button appears
// only for callers who may manage billing; names render as text.
import { useBillingContext } from "../context";
import { formatPlanPrice } from "../format";
import { describeItem, PLAN_ACTION_LABELS, planActionFor, type CurrentPlanInfo, type PlanCardAction } from "../planActions";
import type { Plan } from "../types";

export interface PlanCardProps {
  plan: Plan;
  /** The org's current plan; the card's action comes from comparing with it. */
  current: CurrentPlanInfo;
  /** Show the price in this currency when the plan has it (e.g. "brl"). */
  currency?: string;
  /** Render the action button (owners). Others see the card read-only. */
  canManage?: boolean;
  onSelect?: (plan: Plan, action: PlanCardAction) => void;
}

export function PlanCard({ plan, current, currency, canManage = false, onSelect }: PlanCardProps) {
  const { locale } = useBillingContext();
  const action = planActionFor(plan, current);
  const isCurrent = action === "current" || action === "keep";
  const headingId = `billing-plan-${plan.planId}`;
  // The trial is announced only when buying would start one: a card never says "free trial"
  // and then charges (Autumn's eligibility decides; see planActions.trialOffered).
  const hasTrial = plan.freeTrial !== null && plan.freeTrial.durationLength > 0;
  // Announced exactly when the button says "Start trial" (eligibility can be older than the plan row).
  const offered = hasTrial && action === "trial";
  const trial = offered && plan.freeTrial
    ? `${plan.freeTrial.durationLength}-${plan.freeTrial.durationType.replace(/s$/, "")} free trial`
    : null;
  const trialUsed = hasTrial && !offered && (action === "upgrade" || action === "subscribe")
    && current.eligibility?.find((e) => e.planId === plan.planId)?.trialAvailable === false;
  return (
    <article className="billing-plan-card" data-current={isCurrent || undefined} aria-labelledby={headingId} aria-current={isCurrent ? "true" : undefined}>
      <header className="billing-plan-card__header">
        <h3 id={headingId} className="billing-plan-card__name">{plan.name}</h3>
        {isCurrent ? <span className="billing-badge">Current plan</span> : null}
        {action === "scheduled" ? <span className="billing-badge billing-badge--muted">Scheduled</span> : null}
      </header>
      <p className="billing-plan-card__price">{formatPlanPrice(plan.price, currency)}</p>
      {plan.description ? <p className="billing-plan-card__description">{plan.description}</p> : null}
      {trial ? <p className="billing-plan-card__trial">{trial}</p> : null}
      {trialUsed ? <p className="billing-plan-card__trial" data-testid="trial-used">Free trial already used: billed from day one</p> : null}
      <ul className="billing-plan-card__items">
        {plan.items.map((item) => <li key={item.featureId}>{describeItem(item, locale)}</li>)}
      </ul>
      <div className="billing-plan-card__action">
        {canManage && onSelect && action !== "current" && action !== "scheduled" ? (
          <button
            type="button"
            className={`billing-button${action === "downgrade" || action === "keep" ? "" : " billing-button--primary"}`}
            onClick={() => onSelect(plan, action)}
            aria-describedby={headingId}
          >
            {PLAN_ACTION_LABELS[action]}
          </button>
        ) : null}
      </div>
    </article>
  );
}
