// Optional API group for owner spend controls (issue 14): controls, alerts,
// auto top-up, notifications (the bell), next charge, past due, card on file
// and invoice history (convex/billing/{controlsApi,topups,notifications,
// invoices}.ts). BillingApi includes it as Partial: without these entries the
// billing tab shows none of the spend sections.
import type { FunctionReference } from "convex/server";
import type { BillingAction, BillingQuery, NoArgs } from "./api";

export type BillingMutation<Args extends Record<string, unknown>, Result> = FunctionReference<"mutation", "public", Args, Result>;

export type UsageInterval = "day" | "week" | "month" | "year";
type Source = "customer" | "plan" | null;

export interface SpendBillingControls {
  usageLimits: Array<{ featureId: string; enabled: boolean; limit: number; interval: string; anchor: "billing_cycle" | "utc"; filter: Array<{ key: string; value: string }>; usage: number; windowEndsAt: number | null; source: Source }>;
  spendLimits: Array<{ featureId: string | null; enabled: boolean; limitType: "absolute" | "usage_percentage"; overageLimit: number | null; skipOverageBilling: boolean; source: Source }>;
  overageAllowed: Array<{ featureId: string; enabled: boolean; source: Source }>;
  usageAlerts: Array<{ featureId: string | null; enabled: boolean; threshold: number; thresholdType: string; basis: string; filter: Array<{ key: string; value: string }>; name: string | null; source: Source }>;
  autoTopups: Array<{ featureId: string; enabled: boolean; threshold: number; quantity: number; invoiceMode: boolean; purchaseLimit: { interval: string; intervalCount: number; limit: number } | null; source: Source }>;
}

export interface SpendFeature {
  featureId: string;
  name: string;
  type: string;
  usageBased: boolean;
  /** The org holds a balance of it (absent from older servers: treated as held). */
  included?: boolean;
  /** The org's plan bills usage past the grant (absent: `usageBased`). */
  overage?: boolean;
}
export interface SpendControlsView { controls: SpendBillingControls; features: SpendFeature[]; canManage: boolean }
export interface AlertInput { featureId: string; thresholdType: "usage_percentage" | "remaining"; threshold: number }

export interface BillingNotification {
  _id: string;
  _creationTime: number;
  organizationId: string;
  kind: "usage_alert" | "limit_reached" | "auto_topup_succeeded" | "auto_topup_failed";
  featureId: string | null;
  title: string;
  body: string;
  dedupeKey: string;
  source: "webhook" | "cache" | "action";
  createdAt: number;
  read: boolean;
}

export interface NextChargeView {
  planId: string;
  planName: string;
  at: number;
  currency: string;
  planAmount: number;
  overageSoFar: number;
  projectedOverage: number;
  total: number;
  lines: Array<{ description: string; amount: number; featureId: string | null }>;
}

export interface PastDueView {
  pastDue: boolean;
  openInvoices: Array<{ invoiceId: string; total: number; currency: string; createdAt: number; hostedInvoiceUrl: string | null }>;
  canPay: boolean;
}

export interface CardOnFile { brand: string; last4: string; expMonth: number | null; expYear: number | null }

export interface InvoiceRow {
  invoiceId: string;
  number: string;
  status: string;
  total: number;
  currency: string;
  createdAt: number;
  planIds: string[];
  hostedInvoiceUrl: string | null;
}
export interface InvoicePage { invoices: InvoiceRow[]; nextCursor: string | null }

export interface BillingSpendApi {
  getSpendControls: BillingQuery<NoArgs, SpendControlsView>;
  setSpendLimit: BillingAction<{ featureId: string; overageLimit: number | null }, SpendBillingControls>;
  setUsageLimit: BillingAction<{ featureId: string; limit: number | null; interval?: UsageInterval }, SpendBillingControls>;
  setOverageAllowed: BillingAction<{ featureId: string; enabled: boolean }, SpendBillingControls>;
  setUsageAlerts: BillingAction<{ alerts: AlertInput[] }, SpendBillingControls>;
  setAutoTopup: BillingAction<{ featureId: string; enabled: boolean; threshold: number; packPlanId: string; maxPerMonth: number }, SpendBillingControls>;
  listNotifications: BillingQuery<{ limit?: number }, BillingNotification[]>;
  unreadCount: BillingQuery<NoArgs, { count: number; capped: boolean }>;
  markRead: BillingMutation<{ notificationId?: string }, number>;
  getNextCharge: BillingQuery<NoArgs, NextChargeView | null>;
  getPastDue: BillingQuery<NoArgs, PastDueView>;
  openPaymentSetup: BillingAction<{ returnUrl: string }, { url: string }>;
  getPaymentMethod: BillingAction<NoArgs, CardOnFile | null>;
  listInvoices: BillingAction<{ cursor?: string | null; limit?: number }, InvoicePage>;
}
