// <BillingProvider api={…}>: wires the package to the app. Holds the api
// (function references from the app's convex/_generated), navigation
// (onNavigate for in-app routes, redirect for payment/portal pages,
// injectable for tests), the one shared CheckoutDialog and the toasts.
// Must sit inside the app's <ConvexProvider>.
import { useAction } from "convex/react";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { BillingApi } from "./api";
import { CheckoutDialog } from "./components/CheckoutDialog";
import { Toaster } from "./components/Toaster";
import { BillingContext, type BillingContextValue, type BillingToast, type BillingToastInput, type CheckoutRequest } from "./context";
import { currencyForLocale } from "./format";
import type { EnsureBillingResult } from "./types";

export interface BillingProviderProps {
  api: BillingApi;
  children?: ReactNode;
  /** In-app navigation (your router). Default: window.location.assign. */
  onNavigate?: (path: string) => void;
  /** Leaving the app for a payment or portal page. Default: window.location.assign. */
  redirect?: (url: string) => void;
  /** Where the billing tab lives. Default "/settings/billing". */
  billingPath?: string;
  /** Where the payment page returns to (gets ?planId=…). Default "/billing/success". */
  successPath?: string;
  /** Locale for dates and plain numbers (money uses each currency's own locale). Default: the browser's. */
  locale?: string;
  /** Send toasts to your own system instead of the built-in stack. */
  onToast?: (toast: BillingToastInput) => void;
  /** How long built-in toasts stay (ms). Default 8000. */
  toastDurationMs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
  /** Currency before the visitor picks one (until the org's first payment locks it). Default: from the browser locale (pt-BR → brl, else usd). */
  defaultCurrency?: string;
  /** The signed-in user has an active organization (default true). False: no org billing is queried (nothing to ask about). */
  hasOrganization?: boolean;
}

const assign = (url: string) => window.location.assign(url);
const browserLocale = (): string | undefined => (typeof navigator === "undefined" ? undefined : navigator.languages?.[0] ?? navigator.language);

export function BillingProvider({
  api, children, onNavigate, redirect, billingPath = "/settings/billing", successPath = "/billing/success",
  locale, onToast, toastDurationMs = 8000, now = Date.now, defaultCurrency, hasOrganization = true,
}: BillingProviderProps) {
  const [checkout, setCheckout] = useState<CheckoutRequest | null>(null);
  const [chosenCurrency, setChosenCurrency] = useState<string | null>(null);
  const fallbackCurrency = (defaultCurrency ?? currencyForLocale(locale ?? browserLocale())).toLowerCase();
  const [toasts, setToasts] = useState<BillingToast[]>([]);
  const nextToastId = useRef(1);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const ensureBilling = useAction(api.ensureBilling);
  const provisioning = useRef(new Map<string, Promise<EnsureBillingResult>>());

  useEffect(() => {
    const pending = timers.current;
    return () => { for (const t of pending) clearTimeout(t); };
  }, []);

  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);

  const toast = useCallback((input: BillingToastInput) => {
    if (onToast) { onToast(input); return; }
    const id = nextToastId.current++;
    setToasts((list) => [...list.slice(-3), { ...input, id }]);
    const timer = setTimeout(() => { timers.current.delete(timer); dismiss(id); }, toastDurationMs);
    timers.current.add(timer);
  }, [onToast, toastDurationMs, dismiss]);

  const ensureProvisioned = useCallback((organizationId: string) => {
    const known = provisioning.current.get(organizationId);
    if (known) return known;
    const attempt = ensureBilling({}).then((result) => {
      // A failure may be retried by a later mount; success needs nothing more (the query updates).
      if (!result.ok) provisioning.current.delete(organizationId);
      return result;
    }, (err: unknown) => {
      provisioning.current.delete(organizationId);
      throw err;
    });
    provisioning.current.set(organizationId, attempt);
    return attempt;
  }, [ensureBilling]);

  const value = useMemo<BillingContextValue>(() => ({
    api,
    billingPath,
    successPath,
    locale,
    now,
    navigate: onNavigate ?? assign,
    redirect: redirect ?? assign,
    openCheckout: setCheckout,
    toast,
    chosenCurrency,
    setChosenCurrency,
    defaultCurrency: fallbackCurrency,
    ensureProvisioned,
    hasOrganization,
  }), [api, billingPath, successPath, locale, now, onNavigate, redirect, toast, chosenCurrency, fallbackCurrency, ensureProvisioned, hasOrganization]);

  return (
    <BillingContext.Provider value={value}>
      {children}
      {checkout ? (
        <CheckoutDialog
          key={checkout.planId}
          planId={checkout.planId}
          {...(checkout.addOn !== undefined ? { addOn: checkout.addOn } : {})}
          {...(checkout.currency !== undefined ? { currency: checkout.currency } : {})}
          {...(checkout.expected !== undefined ? { expected: checkout.expected } : {})}
          open
          onClose={() => setCheckout(null)}
        />
      ) : null}
      {onToast ? null : <Toaster toasts={toasts} onDismiss={dismiss} />}
    </BillingContext.Provider>
  );
}
