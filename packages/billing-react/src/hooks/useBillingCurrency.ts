// useBillingCurrency(): the currency prices are shown and charged in. Once
// the org has paid, Autumn has locked its currency: that one only, no
// choice. Before, the visitor picks among the currencies the catalog prices
// in (default: the provider's defaultCurrency, else the browser locale's:
// pt-BR → BRL, otherwise USD), and the pick is shared by every billing screen.
import { useCallback, useMemo } from "react";
import { useBillingContext } from "../context";
import { catalogCurrencies } from "../format";
import { useBilling } from "./useBilling";
import { useBillingQuery } from "./useBillingQuery";

export interface UseBillingCurrencyResult {
  /** Lowercase ISO code, e.g. "brl". */
  currency: string;
  /** The org's first payment fixed it (Autumn charges it only); the selector is gone. */
  locked: boolean;
  /** What the visitor may pick from (just the locked one once locked). */
  options: string[];
  setCurrency: (currency: string) => void;
}

export function useBillingCurrency(): UseBillingCurrencyResult {
  const { api, chosenCurrency, setChosenCurrency, defaultCurrency } = useBillingContext();
  const { billing } = useBilling();
  const plans = useBillingQuery(api.listPlans, {});
  const locked = billing?.currency ? billing.currency.toLowerCase() : null;
  const catalog = useMemo(() => catalogCurrencies(plans.data ?? []), [plans.data]);
  const setCurrency = useCallback((c: string) => setChosenCurrency(c.toLowerCase()), [setChosenCurrency]);
  return useMemo(() => {
    if (locked) return { currency: locked, locked: true, options: [locked], setCurrency };
    const preferred = (chosenCurrency ?? defaultCurrency).toLowerCase();
    // Only currencies the catalog has: a visitor from elsewhere sees the first (base) one.
    const currency = catalog.length === 0 || catalog.includes(preferred) ? preferred : (catalog[0] as string);
    return { currency, locked: false, options: catalog.length > 0 ? catalog : [currency], setCurrency };
  }, [locked, chosenCurrency, defaultCurrency, catalog, setCurrency]);
}
