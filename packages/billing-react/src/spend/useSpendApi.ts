// The spend API group from the billing context; components that use it are
// only rendered when the app passed it (BillingTab checks `hasSpendApi`).
import { useBillingContext } from "../context";
import type { BillingApi } from "../api";
import type { BillingSpendApi } from "../spendApi";

export function hasSpendApi(api: BillingApi): api is BillingApi & BillingSpendApi {
  return api.getSpendControls !== undefined && api.setUsageLimit !== undefined && api.listNotifications !== undefined
    && api.getNextCharge !== undefined && api.getPastDue !== undefined && api.listInvoices !== undefined;
}

export function useSpendApi(): BillingSpendApi {
  const { api } = useBillingContext();
  if (!hasSpendApi(api)) throw new Error("This billing component needs the spend API entries (getSpendControls, setUsageLimit, …) in <BillingProvider api>");
  return api;
}

/** A whole, non-negative number typed into a field, or an error message. */
export function parseAmount(raw: string, opts: { integer?: boolean; min?: number; max?: number } = {}): { value: number } | { error: string } {
  const text = raw.trim();
  if (text === "") return { error: "Enter a number" };
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: "Enter a number" };
  if (opts.integer && !Number.isInteger(value)) return { error: "Enter a whole number" };
  if (value < (opts.min ?? 0)) return { error: `Enter ${opts.min ?? 0} or more` };
  if (opts.max !== undefined && value > opts.max) return { error: `Enter ${opts.max} or less` };
  return { value };
}
