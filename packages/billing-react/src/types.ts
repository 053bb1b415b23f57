// View types the billing UI renders. They mirror, structurally, what the
// Convex billing module returns (convex/billing/{schema,views,api,purchase,
// watcher,admin}.ts) without importing the app's convex/_generated: the app
// passes its function references to <BillingProvider api>, and TypeScript
// checks that the backend's return types fit these shapes.

export type FeatureType = "boolean" | "metered" | "credit_system" | "ai_credit_system";

export interface FeatureDisplay {
  singular: string;
  plural: string;
}

export interface CurrencyAmount {
  currency: string;
  amount: number;
}

/** A plan's base price (major units, e.g. 29 = $29.00) and its prices in other currencies. */
export interface PlanPrice {
  amount: number;
  currency: string;
  /** "month", "year", "one_off", … */
  interval: string;
  intervalCount: number;
  additionalCurrencies: CurrencyAmount[];
}

export interface PlanItem {
  featureId: string;
  featureName: string;
  featureType: FeatureType;
  consumable: boolean;
  display: FeatureDisplay | null;
  included: number;
  unlimited: boolean;
  reset: { interval: string; intervalCount: number } | null;
  price: {
    amount: number | null;
    interval: string | null;
    billingMethod: "prepaid" | "usage_based";
    billingUnits: number;
    maxPurchase: number | null;
  } | null;
}

export interface Plan {
  planId: string;
  version: number;
  name: string;
  description: string | null;
  group: string | null;
  addOn: boolean;
  autoEnable: boolean;
  price: PlanPrice | null;
  freeTrial: { durationLength: number; durationType: string; cardRequired: boolean } | null;
  items: PlanItem[];
  archived: boolean;
  /** Position in a pricing table: free first, then by monthly price, add-ons last. */
  sortKey: number;
  syncedAt: number;
}

export type PlanStatus = "active" | "trialing" | "canceling" | "past_due";

export interface CurrentPlan {
  planId: string;
  name: string;
  status: PlanStatus;
  trialEndsAt: number | null;
  canceledAt: number | null;
  expiresAt: number | null;
  currentPeriodEnd: number | null;
  price: PlanPrice | null;
}

export interface Balance {
  featureId: string;
  name: string;
  type: FeatureType;
  display: FeatureDisplay | null;
  granted: number;
  remaining: number;
  usage: number;
  unlimited: boolean;
  overageAllowed: boolean;
  maxPurchase: number | null;
  nextResetAt: number | null;
}

export interface Invoice {
  stripeId: string;
  planIds: string[];
  status: string;
  /** Major units in `currency`. */
  total: number;
  currency: string;
  createdAt: number;
  hostedInvoiceUrl: string | null;
}

export interface SyncError {
  code: string;
  message: string;
  at: number;
}

/** What attaching one plan would do for the org, as Autumn reports it (plans.list customer_eligibility). */
export interface PlanEligibility {
  planId: string;
  attachAction: "activate" | "upgrade" | "downgrade" | "none" | "purchase";
  /** null: the plan has no free trial; false: not for this org (already used, or a downgrade). */
  trialAvailable: boolean | null;
  status: "active" | "scheduled" | null;
  canceling: boolean;
  trialing: boolean;
}

export interface OrgBillingView {
  organizationId: string;
  provisioned: boolean;
  plan: CurrentPlan | null;
  scheduledChange: { planId: string; planName: string; startsAt: number | null } | null;
  addOns: Array<{ planId: string; planName: string; kind: "subscription" | "purchase"; quantity: number; startedAt: number }>;
  balances: Balance[];
  flags: Array<{ featureId: string; name: string }>;
  invoices: Invoice[];
  /** The currency the org is billed in, locked by its first payment (null: not yet; absent: older backend). */
  currency?: string | null;
  /** Per plan eligibility for this org (e.g. whether a free trial is still available). */
  eligibility?: PlanEligibility[];
  syncedAt: number | null;
  lastSyncError: SyncError | null;
}

/** The host app's role name for the viewer (display only; `canManage` says what they may do). */
export type OrgRole = string;

/** getOrgBilling: the view plus what the caller may do. */
export interface OrgBilling {
  billing: OrgBillingView;
  role: OrgRole;
  canManage: boolean;
}

export type FeatureCheckReason = "ok" | "unknown_feature" | "not_included" | "quota_exceeded" | "not_provisioned";

export interface FeatureCheck {
  featureId: string;
  allowed: boolean;
  included: boolean;
  unlimited: boolean;
  balance: number | null;
  usage: number | null;
  granted: number | null;
  nextResetAt: number | null;
  reason: FeatureCheckReason;
  requiredBalance: number;
  creditCost?: number;
  /** When refused: which limit (a billing control such as a usage or spend limit, or the plain allowance). */
  limitType?: "usage_limit" | "included" | "spend_limit" | "max_purchase";
}

export interface EnsureBillingResult {
  ok: boolean;
  error: { code: string; message: string } | null;
}

export type CheckoutAction = "new" | "upgrade" | "downgrade" | "trial" | "add_on" | "keep_current";

export interface CheckoutPreview {
  planId: string;
  planName: string;
  action: CheckoutAction;
  lines: Array<{ description: string; amount: number }>;
  total: number;
  currency: string;
  /** When the change takes effect (null: now). */
  effectiveAt: number | null;
  nextCycle: { startsAt: number; total: number } | null;
  /** The owner will be sent to a payment page. */
  requiresRedirect: boolean;
}

export type CheckoutResult =
  | { status: "redirect"; paymentUrl: string }
  | { status: "activated" | "scheduled" | "uncanceled" };

export type CancelAction = "end_of_cycle" | "immediately";

export type ActivationState = "none" | "watching" | "activated" | "gave_up";

export interface Activation {
  state: ActivationState;
  planActive: boolean;
  nextCheckAt: number | null;
}

/** Confirmed usage of one metered feature on one UTC day (`day` = 00:00 UTC, epoch ms). */
export interface UsagePoint {
  day: number;
  units: number;
}

/** metering's getUsageHistory: one series per metered feature, one point per day from `from` to `to`. */
export interface UsageHistory {
  from: number;
  to: number;
  series: Array<{ featureId: string; name: string; points: UsagePoint[] }>;
}

export type UsageHistoryArgs = {
  featureId?: string;
  days?: number;
};

// ── admin ──────────────────────────────────────────────────────────────────

export interface PlanSyncRun {
  kind: "plans";
  startedAt: number;
  finishedAt: number;
  ok: boolean;
  error: SyncError | null;
  features: number;
  plans: number;
  pruned: number;
}

export interface AdminPlans {
  plans: Plan[];
  lastSync: PlanSyncRun | null;
}

export interface PlanSyncResult {
  ok: boolean;
  features: number;
  plans: number;
  pruned: number;
  error: { code: string; message: string } | null;
}

export interface CustomerSyncResult {
  ok: boolean;
  error: { code: string; message: string } | null;
}

export type HistoryChange =
  | "activated" | "scheduled" | "canceled" | "uncanceled" | "expired" | "trial_started" | "trial_converted" | "past_due";

export interface HistoryEntry {
  organizationId: string;
  planId: string;
  planName: string;
  change: HistoryChange;
  at: number;
}

export interface AdminOrgBilling {
  billing: OrgBillingView;
  history: HistoryEntry[];
  /** The organization's name (absent from older servers). */
  organizationName?: string | null;
}
