// Money and dates. Amounts are major units (29 = $29.00) and each currency
// is formatted in its home locale (usd → en-US "$29.00", brl → pt-BR
// "R$ 87,00"), so a price reads the way its customers expect whatever the
// browser's language. Dates follow the given locale (default: the browser's).
import type { PlanPrice } from "./types";

const DAY_MS = 86_400_000;

/** Home locale per currency; anything else falls back to the caller's locale. */
export const CURRENCY_LOCALES: Readonly<Record<string, string>> = {
  usd: "en-US",
  brl: "pt-BR",
  eur: "de-DE",
  gbp: "en-GB",
  cad: "en-CA",
  aud: "en-AU",
  jpy: "ja-JP",
  inr: "en-IN",
  mxn: "es-MX",
};

export function localeForCurrency(currency: string, fallback?: string): string | undefined {
  return CURRENCY_LOCALES[currency.toLowerCase()] ?? fallback;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** 29, "usd" → "$29.00"; 87, "brl" → "R$ 87,00" (Intl's own spacing). */
export function formatMoney(amount: number, currency: string, locale?: string): string {
  const code = currency.toUpperCase();
  const loc = locale ?? localeForCurrency(currency);
  const key = `${loc ?? ""}|${code}`;
  let format = moneyFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(loc, { style: "currency", currency: code });
    } catch {
      // An unknown currency code: show the number and the code rather than fail.
      return `${new Intl.NumberFormat(loc).format(amount)} ${code}`;
    }
    moneyFormats.set(key, format);
  }
  return format.format(amount);
}

/** The plan's price in `currency` (its base price, or one of its additional currencies); base price otherwise. */
export function priceIn(price: PlanPrice, currency?: string): { amount: number; currency: string } {
  if (currency) {
    const wanted = currency.toLowerCase();
    if (price.currency.toLowerCase() === wanted) return { amount: price.amount, currency: price.currency };
    const extra = price.additionalCurrencies.find((c) => c.currency.toLowerCase() === wanted);
    if (extra) return { amount: extra.amount, currency: extra.currency };
  }
  return { amount: price.amount, currency: price.currency };
}

/** The currency a visitor from `locale` expects: Brazilian Portuguese → BRL, anything else USD. */
export function currencyForLocale(locale: string | undefined): string {
  return locale?.toLowerCase().replace("_", "-").startsWith("pt-br") ? "brl" : "usd";
}

/** Can the plan be bought in `currency`? Free plans always; paid ones only with a price in it (never another currency's). */
export function planOffersCurrency(plan: { price: PlanPrice | null }, currency: string): boolean {
  const price = plan.price;
  if (!price || price.amount === 0) return true;
  const wanted = currency.toLowerCase();
  return price.currency.toLowerCase() === wanted || price.additionalCurrencies.some((c) => c.currency.toLowerCase() === wanted);
}

/** Every currency the (live, paid) plans are priced in, base currency first. */
export function catalogCurrencies(plans: ReadonlyArray<{ price: PlanPrice | null; archived: boolean }>): string[] {
  const out = new Set<string>();
  for (const p of plans) {
    if (p.archived || !p.price || p.price.amount === 0) continue;
    out.add(p.price.currency.toLowerCase());
    for (const c of p.price.additionalCurrencies) out.add(c.currency.toLowerCase());
  }
  return [...out];
}

/** "/month", "/year", "every 3 months", "one-time". */
export function formatInterval(interval: string, intervalCount = 1): string {
  if (interval === "one_off") return "one-time";
  const unit = interval.replace(/ly$/, "");
  return intervalCount > 1 ? `every ${intervalCount} ${unit}s` : `/${unit}`;
}

/** "$29.00/month", "R$ 87,00/month", "$10.00 one-time"; "Free" for no price or 0. */
export function formatPlanPrice(price: PlanPrice | null, currency?: string): string {
  if (!price || price.amount === 0) return "Free";
  const { amount, currency: cur } = priceIn(price, currency);
  const interval = formatInterval(price.interval, price.intervalCount);
  return interval.startsWith("/") ? `${formatMoney(amount, cur)}${interval}` : `${formatMoney(amount, cur)} ${interval}`;
}

/** "Mar 5, 2026" (medium date in `locale`). */
export function formatDate(at: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(at));
}

/** "Mar 5, 2026, 3:04 PM". */
export function formatDateTime(at: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(at));
}

/** A UTC day bucket (00:00 UTC) as "Mar 5", in UTC so it never shifts a day. */
export function formatDay(day: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(day));
}

/** Whole days from `now` until `at`, rounded up, never negative (a trial ending in 30 h has 2 days left). */
export function daysUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / DAY_MS));
}

export function formatNumber(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
}
