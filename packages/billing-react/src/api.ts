// The billing API contract: the Convex function references the UI calls,
// with the argument and return types it relies on. The app builds one from
// its generated `api` (e.g. `listPlans: api.billing.api.listPlans`) and
// TypeScript checks each reference against the shapes below.
import type { FunctionReference } from "convex/server";
import type {
  Activation, AdminOrgBilling, AdminPlans, CancelAction, CheckoutPreview, CheckoutResult, CustomerSyncResult,
  EnsureBillingResult, FeatureCheck, HistoryEntry, OrgBilling, Plan, PlanSyncResult, UsageHistory, UsageHistoryArgs,
} from "./types";
import type { BillingSpendApi } from "./spendApi";

/** No arguments (what Convex infers for `args: {}`). */
export type NoArgs = Record<string, never>;

export type BillingQuery<Args extends Record<string, unknown>, Result> = FunctionReference<"query", "public", Args, Result>;
export type BillingAction<Args extends Record<string, unknown>, Result> = FunctionReference<"action", "public", Args, Result>;

/** What every billing screen needs (convex/billing/api.ts, purchase.ts, watcher.ts). */
export interface BillingCoreApi {
  listPlans: BillingQuery<NoArgs, Plan[]>;
  getOrgBilling: BillingQuery<NoArgs, OrgBilling>;
  checkFeature: BillingQuery<{ featureId: string; required?: number }, FeatureCheck>;
  ensureBilling: BillingAction<NoArgs, EnsureBillingResult>;
  previewCheckout: BillingAction<{ planId: string; currency?: string }, CheckoutPreview>;
  /** `intentId`: one per dialog open; repeats with it return the first outcome (never a second charge). */
  checkout: BillingAction<{ planId: string; successUrl: string; currency?: string; intentId?: string }, CheckoutResult>;
  purchaseAddOn: BillingAction<{ planId: string; successUrl: string; currency?: string; intentId?: string }, CheckoutResult>;
  cancelSubscription: BillingAction<{ planId: string; cancelAction?: CancelAction; intentId?: string }, null>;
  uncancelSubscription: BillingAction<{ planId: string }, null>;
  openBillingPortal: BillingAction<{ returnUrl: string }, { url: string }>;
  getActivation: BillingQuery<{ planId: string }, Activation>;
  retryActivation: BillingAction<{ planId: string }, null>;
}

/** Optional: the usage-over-time chart (convex/billing/metering.ts). Without it the chart is hidden. */
export interface BillingUsageHistoryApi {
  getUsageHistory: BillingQuery<UsageHistoryArgs, UsageHistory>;
}

/** Optional: the org's plan changes for the billing tab (convex/billing/api.ts getSubscriptionHistory). */
export interface BillingHistoryApi {
  getSubscriptionHistory: BillingQuery<{ limit?: number }, HistoryEntry[]>;
}

/** Global-admin functions (convex/billing/admin.ts), needed only by the admin panels. */
export interface BillingAdminApi {
  adminListAllPlans: BillingQuery<NoArgs, AdminPlans>;
  adminSyncPlans: BillingAction<NoArgs, PlanSyncResult>;
  adminGetOrgBilling: BillingQuery<{ organizationId: string }, AdminOrgBilling>;
  adminSyncCustomer: BillingAction<{ organizationId: string }, CustomerSyncResult>;
}

/** What <BillingProvider api> takes: the core functions, plus the optional groups. */
export type BillingApi = BillingCoreApi & Partial<BillingUsageHistoryApi> & Partial<BillingHistoryApi> & Partial<BillingAdminApi> & Partial<BillingSpendApi>;
