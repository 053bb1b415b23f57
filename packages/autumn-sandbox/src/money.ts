// Prices in a customer's currency. Plans are priced in the account's default
// currency (usd) with optional `additional_currencies`; a customer created
// with `currency: "brl"` is quoted, charged and invoiced in BRL.

import type { AdditionalCurrency } from "./wire.js";

export const DEFAULT_CURRENCY = "usd";

const LOCALE: Record<string, string> = { usd: "en-US", brl: "pt-BR", eur: "de-DE", gbp: "en-GB" };

export function formatMoney(amount: number, currency: string): string {
  return new Intl.NumberFormat(LOCALE[currency] ?? "en-US", {
    style: "currency",
    currency: currency.toUpperCase(),
  }).format(amount);
}

/** The amount in `currency`, or null when the price has no such currency. */
export function amountIn(
  price: { amount?: number; additional_currencies?: AdditionalCurrency[] },
  currency: string,
): number | null {
  if (currency === DEFAULT_CURRENCY) return price.amount ?? 0;
  const alt = price.additional_currencies?.find((c) => c.currency.toLowerCase() === currency);
  return alt ? alt.amount : null;
}

/** Round to cents the way invoices do. */
export function cents(amount: number): number {
  return Math.round(amount * 100) / 100;
}
