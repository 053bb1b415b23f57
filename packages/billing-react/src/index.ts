// @billing/react: reusable React billing UI over the Convex billing API.
// Wrap the app (inside ConvexProvider) in <BillingProvider api={…}>, then use
// the hooks and components below. Styles: import "@billing/react/styles.css".

export type { BillingApi, BillingCoreApi, BillingUsageHistoryApi, BillingHistoryApi, BillingAdminApi, BillingQuery, BillingAction, NoArgs } from "./api";
export type * from "./types";

export { BillingProvider, type BillingProviderProps } from "./BillingProvider";
export { useBillingContext, type BillingContextValue, type BillingToast, type BillingToastInput, type BillingToastAction, type CheckoutRequest } from "./context";

export { useBilling, type UseBillingResult } from "./hooks/useBilling";
export { useFeature, type UseFeatureResult } from "./hooks/useFeature";
export { useUpgrade, type UseUpgradeResult } from "./hooks/useUpgrade";
export { useBillingErrors, type UseBillingErrorsResult } from "./hooks/useBillingErrors";
export { useBillingQuery, type QueryState } from "./hooks/useBillingQuery";
export { useBillingTask, type BillingTask } from "./hooks/useBillingTask";
export { useBillingCurrency, type UseBillingCurrencyResult } from "./hooks/useBillingCurrency";

export { BillingGuard, type BillingGuardProps, type BillingGuardFallbackProps } from "./components/BillingGuard";
export { UsageBar, UsageBarSkeleton, usageLevel, usagePercent, type UsageBarProps, type UsageLevel } from "./components/UsageBar";
export { UsageList, type UsageListProps } from "./components/UsageList";
export { PlanCard, type PlanCardProps } from "./components/PlanCard";
export { PricingTable, type PricingTableProps } from "./components/PricingTable";
export { CurrencySelect, type CurrencySelectProps } from "./components/CurrencySelect";
export { CheckoutDialog, type CheckoutDialogProps } from "./components/CheckoutDialog";
export { CancelDialog, type CancelDialogProps } from "./components/CancelDialog";
export { CurrentPlan, type CurrentPlanProps } from "./components/CurrentPlan";
export { AddOns, type AddOnsProps } from "./components/AddOns";
export { BillingTab, BillingTabSkeleton, type BillingTabProps } from "./components/BillingTab";
export { UsageChart, type UsageChartProps } from "./components/UsageChart";
export { LazyUsageChart } from "./components/LazyUsageChart";
export { InvoiceList, type InvoiceListProps } from "./components/InvoiceList";
export { SubscriptionHistory, type SubscriptionHistoryProps } from "./components/SubscriptionHistory";
export { BillingSuccess, type BillingSuccessProps } from "./components/BillingSuccess";
export { Dialog, type DialogProps } from "./components/Dialog";
// Owner spend controls (issue 14): optional api group BillingSpendApi.
export type * from "./spendApi";
export { hasSpendApi } from "./spend/useSpendApi";
export { SpendControls, type SpendControlsProps } from "./components/SpendControls";
export { UsageAlertsForm, describeAlert } from "./components/UsageAlertsForm";
export { AutoTopupForm, type AutoTopupFormProps } from "./components/AutoTopupForm";
export { AlertsBell, NotificationList } from "./components/AlertsBell";
export { PastDueBanner } from "./components/PastDueBanner";
export { NextCharge } from "./components/NextCharge";
export { PaymentMethod, describeCard } from "./components/PaymentMethod";
export { InvoiceHistory } from "./components/InvoiceHistory";
export { billingAwareLogger, expectedCodeIn, EXPECTED_BILLING_CODES, type ConvexLogger } from "./logger";

export { PlansPanel } from "./admin/PlansPanel";
export { OrgBillingDetail, type OrgBillingDetailProps } from "./admin/OrgBillingDetail";

export {
  BILLING_ERROR_CODES, billingErrorOf, describeBillingError, isOrgSetLimit,
  type BillingErrorCode, type BillingErrorData, type BillingErrorInfo, type BillingErrorActionKind,
} from "./errors";
export {
  formatMoney, formatPlanPrice, formatDate, formatDateTime, formatDay, formatInterval, daysUntil, priceIn, localeForCurrency, CURRENCY_LOCALES,
  currencyForLocale, planOffersCurrency, catalogCurrencies,
} from "./format";
export { planActionFor, trialOffered, orderPlans, describeItem, isFreePlan, PLAN_ACTION_LABELS, type PlanCardAction, type CurrentPlanInfo } from "./planActions";
