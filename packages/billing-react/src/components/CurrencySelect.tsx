// The currency picker for pricing screens. Before the org's first payment it
// is a select over the catalog's currencies; once a payment has locked the
// org's currency it is replaced by a short note (Autumn bills an org in one
// currency for good). Hidden when there is nothing to choose.
import { useId } from "react";
import { useBillingCurrency } from "../hooks/useBillingCurrency";

export interface CurrencySelectProps {
  className?: string;
}

export function CurrencySelect({ className }: CurrencySelectProps) {
  const { currency, locked, options, setCurrency } = useBillingCurrency();
  const id = useId();
  const code = currency.toUpperCase();
  if (locked) {
    return (
      <p className={`billing-currency billing-currency--locked ${className ?? ""}`} data-testid="currency-locked" role="note">
        Prices in <strong>{code}</strong>: your organization is billed in {code} since its first payment.
      </p>
    );
  }
  if (options.length < 2) return null;
  return (
    <div className={`billing-currency ${className ?? ""}`}>
      <label htmlFor={id}>Currency</label>
      <select id={id} value={currency} onChange={(e) => setCurrency(e.target.value)} data-testid="currency">
        {options.map((c) => <option key={c} value={c}>{c.toUpperCase()}</option>)}
      </select>
    </div>
  );
}
