// Add-ons: what the org already bought (credit packs, add-on subscriptions)
// and what it can buy; "Buy" opens the checkout dialog (owners only).
import { useBillingContext } from "../context";
import { formatDate, formatPlanPrice, planOffersCurrency } from "../format";
import { useBillingCurrency } from "../hooks/useBillingCurrency";
import { describeItem } from "../planActions";
import type { OrgBillingView, Plan } from "../types";

export interface AddOnsProps {
  view: OrgBillingView;
  /** Add-on plans for sale. */
  plans: Plan[];
  canManage: boolean;
  currency?: string;
}

export function AddOns({ view, plans, canManage, currency }: AddOnsProps) {
  const { locale, openCheckout } = useBillingContext();
  const billingCurrency = useBillingCurrency();
  const shownCurrency = (currency ?? billingCurrency.currency).toLowerCase();
  const forSale = plans.filter((p) => p.addOn && !p.archived && planOffersCurrency(p, shownCurrency));
  if (forSale.length === 0 && view.addOns.length === 0) return <p className="billing-muted">No add-ons available.</p>;
  return (
    <div className="billing-addons">
      {view.addOns.length > 0 ? (
        <ul className="billing-addons__owned" aria-label="Your add-ons">
          {view.addOns.map((a, i) => (
            <li key={`${a.planId}-${a.startedAt}-${i}`}>
              {a.planName}{a.quantity > 1 ? ` ×${a.quantity}` : ""}
              <span className="billing-muted"> · {a.kind === "purchase" ? "bought" : "since"} {formatDate(a.startedAt, locale)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {forSale.map((plan) => (
        <div key={plan.planId} className="billing-addon">
          <div>
            <p className="billing-addon__name">{plan.name}</p>
            <p className="billing-muted">
              {formatPlanPrice(plan.price, shownCurrency)}
              {plan.items.length > 0 ? ` · ${plan.items.map((item) => describeItem(item, locale)).join(", ")}` : ""}
            </p>
          </div>
          {canManage ? (
            <button type="button" className="billing-button" onClick={() => openCheckout({ planId: plan.planId, addOn: true, currency: shownCurrency })} aria-label={`Buy ${plan.name}`}>
              Buy
            </button>
          ) : null}
        </div>
      ))}
    </div>
  );
}
