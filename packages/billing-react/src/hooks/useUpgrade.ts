// useUpgrade(): the two ways into an upgrade. openBillingTab() navigates to
// the billing tab (the app's router via onNavigate); openCheckout(planId)
// opens the shared preview-and-confirm dialog for one plan.
import { useCallback, useMemo } from "react";
import { useBillingContext } from "../context";

export interface UseUpgradeResult {
  openBillingTab: () => void;
  openCheckout: (planId: string, options?: { addOn?: boolean }) => void;
}

export function useUpgrade(): UseUpgradeResult {
  const { navigate, billingPath, openCheckout } = useBillingContext();
  const openBillingTab = useCallback(() => navigate(billingPath), [navigate, billingPath]);
  const open = useCallback(
    (planId: string, options: { addOn?: boolean } = {}) => openCheckout({ planId, ...options }),
    [openCheckout],
  );
  return useMemo(() => ({ openBillingTab, openCheckout: open }), [openBillingTab, open]);
}
