// The ONE place the app wires @billing/react: the billing module's function
// references (checked against BillingApi by `satisfies`) and in-app
// navigation through the router. Payment and portal pages are left with a
// full page load (the provider's default redirect).
import { BillingProvider, type BillingApi } from "@billing/react";
import { useRouter } from "@tanstack/react-router";
import { useCallback, type ReactNode } from "react";
import { api } from "./api";

export const billingApi = {
  listPlans: api.billing.api.listPlans,
  getOrgBilling: api.billing.api.getOrgBilling,
  checkFeature: api.billing.api.checkFeature,
  ensureBilling: api.billing.api.ensureBilling,
  previewCheckout: api.billing.purchase.previewCheckout,
  checkout: api.billing.purchase.checkout,
  purchaseAddOn: api.billing.purchase.purchaseAddOn,
  cancelSubscription: api.billing.purchase.cancelSubscription,
  uncancelSubscription: api.billing.purchase.uncancelSubscription,
  openBillingPortal: api.billing.purchase.openBillingPortal,
  getActivation: api.billing.watcher.getActivation,
  retryActivation: api.billing.watcher.retryActivation,
  getUsageHistory: api.billing.metering.getUsageHistory,
  getSubscriptionHistory: api.billing.api.getSubscriptionHistory,
  adminListAllPlans: api.billing.admin.adminListAllPlans,
  adminSyncPlans: api.billing.admin.adminSyncPlans,
  adminGetOrgBilling: api.billing.admin.adminGetOrgBilling,
  adminSyncCustomer: api.billing.admin.adminSyncCustomer,
  // Owner spend controls (issue 14).
  getSpendControls: api.billing.controlsApi.getSpendControls,
  setSpendLimit: api.billing.controlsApi.setSpendLimit,
  setUsageLimit: api.billing.controlsApi.setUsageLimit,
  setOverageAllowed: api.billing.controlsApi.setOverageAllowed,
  setUsageAlerts: api.billing.controlsApi.setUsageAlerts,
  setAutoTopup: api.billing.topups.setAutoTopup,
  listNotifications: api.billing.notifications.listNotifications,
  unreadCount: api.billing.notifications.unreadCount,
  markRead: api.billing.notifications.markRead,
  getNextCharge: api.billing.invoices.getNextCharge,
  getPastDue: api.billing.invoices.getPastDue,
  openPaymentSetup: api.billing.invoices.openPaymentSetup,
  getPaymentMethod: api.billing.invoices.getPaymentMethod,
  listInvoices: api.billing.invoices.listInvoices,
} satisfies BillingApi;

export function AppBillingProvider({ children, hasOrganization = true }: { children: ReactNode; hasOrganization?: boolean }) {
  const router = useRouter();
  // Paths come from the package (billing tab, success page), possibly with a query string.
  const onNavigate = useCallback((path: string) => { void router.navigate({ href: path }); }, [router]);
  return (
    <BillingProvider api={billingApi} onNavigate={onNavigate} hasOrganization={hasOrganization}>
      {children}
    </BillingProvider>
  );
}
