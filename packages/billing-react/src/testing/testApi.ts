// A BillingApi built from plain function names (what the app's generated
// `api` resolves to), for tests and storybook-style previews that run
// against the fake client instead of a backend.
import { makeFunctionReference } from "convex/server";
import type { BillingApi } from "../api";
import type {
  Activation, AdminOrgBilling, AdminPlans, CancelAction, CheckoutPreview, CheckoutResult, CustomerSyncResult,
  EnsureBillingResult, FeatureCheck, HistoryEntry, OrgBilling, Plan, PlanSyncResult, UsageHistory, UsageHistoryArgs,
} from "../types";

type NoArgs = Record<string, never>;

const q = <Args extends Record<string, unknown>, R>(name: string) => makeFunctionReference<"query", Args, R>(name);
const a = <Args extends Record<string, unknown>, R>(name: string) => makeFunctionReference<"action", Args, R>(name);

export function createTestBillingApi(options: { usageHistory?: boolean; subscriptionHistory?: boolean } = {}): BillingApi {
  return {
    listPlans: q<NoArgs, Plan[]>("billing/api:listPlans"),
    getOrgBilling: q<NoArgs, OrgBilling>("billing/api:getOrgBilling"),
    checkFeature: q<{ featureId: string; required?: number }, FeatureCheck>("billing/api:checkFeature"),
    ensureBilling: a<NoArgs, EnsureBillingResult>("billing/api:ensureBilling"),
    previewCheckout: a<{ planId: string; currency?: string }, CheckoutPreview>("billing/purchase:previewCheckout"),
    checkout: a<{ planId: string; successUrl: string; currency?: string }, CheckoutResult>("billing/purchase:checkout"),
    purchaseAddOn: a<{ planId: string; successUrl: string; currency?: string }, CheckoutResult>("billing/purchase:purchaseAddOn"),
    cancelSubscription: a<{ planId: string; cancelAction?: CancelAction }, null>("billing/purchase:cancelSubscription"),
    uncancelSubscription: a<{ planId: string }, null>("billing/purchase:uncancelSubscription"),
    openBillingPortal: a<{ returnUrl: string }, { url: string }>("billing/purchase:openBillingPortal"),
    getActivation: q<{ planId: string }, Activation>("billing/watcher:getActivation"),
    retryActivation: a<{ planId: string }, null>("billing/watcher:retryActivation"),
    ...(options.usageHistory === false ? {} : { getUsageHistory: q<UsageHistoryArgs, UsageHistory>("billing/metering:getUsageHistory") }),
    ...(options.subscriptionHistory === false ? {} : { getSubscriptionHistory: q<{ limit?: number }, HistoryEntry[]>("billing/api:getSubscriptionHistory") }),
    adminListAllPlans: q<NoArgs, AdminPlans>("billing/admin:adminListAllPlans"),
    adminSyncPlans: a<NoArgs, PlanSyncResult>("billing/admin:adminSyncPlans"),
    adminGetOrgBilling: q<{ organizationId: string }, AdminOrgBilling>("billing/admin:adminGetOrgBilling"),
    adminSyncCustomer: a<{ organizationId: string }, CustomerSyncResult>("billing/admin:adminSyncCustomer"),
  };
}
