// <BillingGuard featureId>: render children only when the org may use the
// feature. While the answer is loading (or the org is still being
// provisioned) it renders `loading` (default: nothing), never the upgrade
// prompt, so the prompt cannot flash. Denied: `fallback`, or the default
// prompt, which offers owners "Upgrade" (opens the billing tab) and tells
// everyone else to ask an owner. The server enforces regardless.
import type { ReactNode } from "react";
import { useBillingContext } from "../context";
import { useBillingErrors } from "../hooks/useBillingErrors";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { useBilling } from "../hooks/useBilling";
import { useFeature } from "../hooks/useFeature";
import { useUpgrade } from "../hooks/useUpgrade";
import type { FeatureCheck } from "../types";

export interface BillingGuardFallbackProps {
  featureId: string;
  check: FeatureCheck | undefined;
  /** The caller may upgrade (org owner). */
  canManage: boolean;
  /** Opens the billing tab. */
  upgrade: () => void;
}

export interface BillingGuardProps {
  featureId: string;
  /** Units the guarded UI needs (default 1). */
  required?: number;
  children?: ReactNode;
  /** Shown when denied instead of the default upgrade prompt. */
  fallback?: ReactNode | ((props: BillingGuardFallbackProps) => ReactNode);
  /** Shown while loading. Default: nothing. */
  loading?: ReactNode;
  /** The feature's display name in the default prompt (default: from the org's balances or the plan catalog). */
  featureName?: string;
}

export function BillingGuard({ featureId, required, children, fallback, loading = null, featureName }: BillingGuardProps) {
  const feature = useFeature(featureId, required === undefined ? {} : { required });
  const billing = useBilling();
  const { openBillingTab } = useUpgrade();

  if (feature.allowed) return <>{children}</>;
  if (feature.isLoading || feature.check?.reason === "not_provisioned") return <>{loading}</>;
  if (fallback !== undefined && typeof fallback !== "function") return <>{fallback}</>;
  // The prompt depends on the role: wait for it rather than show the wrong one.
  if (billing.isLoading) return <>{loading}</>;
  const props: BillingGuardFallbackProps = { featureId, check: feature.check, canManage: billing.canManage, upgrade: openBillingTab };
  if (typeof fallback === "function") return <>{fallback(props)}</>;
  return <UpgradePrompt {...props} featureName={featureName} error={feature.error} />;
}

interface UpgradePromptProps extends BillingGuardFallbackProps {
  featureName: string | undefined;
  error: Error | null;
}

function UpgradePrompt({ featureId, check, canManage, upgrade, featureName, error }: UpgradePromptProps) {
  const { api } = useBillingContext();
  const { describe } = useBillingErrors();
  const billing = useBilling();
  // Names come from what is already subscribed (the org's view, the catalog); never blocks the prompt.
  const plans = useBillingQuery(api.listPlans, featureName ? "skip" : {});
  const what = featureName
    ?? billing.billing?.balances.find((b) => b.featureId === featureId)?.name
    ?? billing.billing?.flags.find((f) => f.featureId === featureId)?.name
    ?? plans.data?.flatMap((p) => p.items).find((i) => i.featureId === featureId)?.featureName
    ?? "this feature";
  const title = error
    ? describe(error).message
    : check?.reason === "quota_exceeded" ? `You've used all your ${what}` : `Your plan doesn't include ${what}`;
  return (
    <div className="billing-prompt" role="region" aria-label="Upgrade required">
      <p className="billing-prompt__title">{title}</p>
      {canManage ? (
        <>
          <p className="billing-prompt__text">Upgrade your plan to keep going.</p>
          <button type="button" className="billing-button billing-button--primary" onClick={upgrade}>Upgrade</button>
        </>
      ) : (
        <p className="billing-prompt__text">Ask an owner to upgrade.</p>
      )}
    </div>
  );
}
