// useBillingErrors(): turn a thrown billing error into what the user sees.
// describe(err) gives the message and action; report(err) also shows it as
// a toast whose button does the action (QUOTA_EXCEEDED → "Upgrade" opens the
// billing tab; transient failures → "Try again" when a retry is given).
import { useCallback, useMemo } from "react";
import { useBillingContext } from "../context";
import { describeBillingError, type BillingErrorInfo } from "../errors";
import { useBillingQuery } from "./useBillingQuery";
import { useUpgrade } from "./useUpgrade";

export interface UseBillingErrorsResult {
  describe: (err: unknown) => BillingErrorInfo;
  /** Toast the error; returns what was shown. */
  report: (err: unknown, options?: { retry?: () => void }) => BillingErrorInfo;
}

export function useBillingErrors(): UseBillingErrorsResult {
  const { api, toast, hasOrganization } = useBillingContext();
  const { openBillingTab } = useUpgrade();
  // Feature names for messages ("Premium messages", not "premium_messages").
  const billing = useBillingQuery(api.getOrgBilling, hasOrganization === false ? "skip" : {});
  const names = useMemo(() => {
    const map = new Map<string, string>();
    if (billing.status === "success") {
      for (const b of billing.data.billing.balances) map.set(b.featureId, b.name);
      for (const f of billing.data.billing.flags) map.set(f.featureId, f.name);
    }
    return map;
  }, [billing.status, billing.data]);

  const describe = useCallback(
    (err: unknown) => describeBillingError(err, { featureName: (id) => names.get(id), canManage: billing.data?.canManage ?? false }),
    [names, billing.data?.canManage],
  );

  const report = useCallback(
    (err: unknown, options: { retry?: () => void } = {}) => {
      const info = describe(err);
      const action =
        info.action?.kind === "upgrade" || info.action?.kind === "manage_billing" ? { label: info.action.label, onAction: openBillingTab }
        : info.action?.kind === "retry" && options.retry ? { label: info.action.label, onAction: options.retry }
        : undefined;
      toast({ tone: "error", message: info.message, ...(action ? { action } : {}) });
      return info;
    },
    [describe, openBillingTab, toast],
  );

  return useMemo(() => ({ describe, report }), [describe, report]);
}
