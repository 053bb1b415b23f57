// The billing context: which Convex functions to call (the app's api), where
// the billing tab and success page live, how to navigate (in-app router) and
// redirect (payment and portal pages), plus the shared checkout dialog and
// toasts. Filled by <BillingProvider>; read by every hook and component.
import { createContext, useContext } from "react";
import type { BillingApi } from "./api";
import type { EnsureBillingResult } from "./types";

export interface BillingToastAction {
  label: string;
  onAction: () => void;
}

export interface BillingToastInput {
  tone: "info" | "success" | "error";
  message: string;
  action?: BillingToastAction;
}

export interface BillingToast extends BillingToastInput {
  id: number;
}

export interface CheckoutRequest {
  planId: string;
  /** Buy as an add-on (purchaseAddOn); default: decided by the preview (action "add_on"). */
  addOn?: boolean;
  /** Quote and charge in this currency; default: the billing currency (useBillingCurrency). */
  currency?: string;
  /** What the plan card promised ("trial": no charge today); the dialog says so if Autumn decides otherwise. */
  expected?: "trial" | "charge";
}

export interface BillingContextValue {
  api: BillingApi;
  billingPath: string;
  successPath: string;
  locale: string | undefined;
  now: () => number;
  /** In-app navigation (e.g. to the billing tab). */
  navigate: (path: string) => void;
  /** Leave the app (payment page, billing portal). */
  redirect: (url: string) => void;
  openCheckout: (request: CheckoutRequest) => void;
  toast: (toast: BillingToastInput) => void;
  /** The currency the visitor picked (null: none yet; the default comes from `defaultCurrency` / the locale). */
  chosenCurrency: string | null;
  setChosenCurrency: (currency: string) => void;
  /** The provider's defaultCurrency, else derived from the browser locale (pt-BR → brl, else usd). */
  defaultCurrency: string;
  /** Lazy provisioning: calls ensureBilling at most once per organization at a time. */
  ensureProvisioned: (organizationId: string) => Promise<EnsureBillingResult>;
  /** False when the user has no active organization: org billing queries are skipped (BillingProvider `hasOrganization`). */
  hasOrganization?: boolean;
}

export const BillingContext = createContext<BillingContextValue | null>(null);

export function useBillingContext(): BillingContextValue {
  const value = useContext(BillingContext);
  if (!value) throw new Error("Billing hooks and components must be rendered inside <BillingProvider api={…}>");
  return value;
}
