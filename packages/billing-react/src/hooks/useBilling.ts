// useBilling(): the caller's org billing (getOrgBilling: plan, status,
// balances, invoices…) and role, reactively. An org the cache has never seen
// (provisioned: false) gets its Autumn customer created lazily, once, via
// ensureBilling; the query then updates by itself.
import { useEffect, useState } from "react";
import { useBillingContext } from "../context";
import type { OrgBillingView, OrgRole } from "../types";
import { useBillingQuery } from "./useBillingQuery";

export interface UseBillingResult {
  status: "loading" | "error" | "ready";
  isLoading: boolean;
  billing: OrgBillingView | undefined;
  role: OrgRole | undefined;
  /** May the caller change billing (org owners only)? False until known. */
  canManage: boolean;
  error: Error | null;
  /** The org has no billing record yet; ensureBilling was requested and the view will update. */
  provisioning: boolean;
  /** ensureBilling failed (the view stays unprovisioned until it is retried). */
  provisioningError: { code: string; message: string } | null;
}

export function useBilling(): UseBillingResult {
  const { api, ensureProvisioned, hasOrganization } = useBillingContext();
  // No active organization: nothing to ask (asking would only fail with NO_ACTIVE_ORGANIZATION, again on every render).
  const query = useBillingQuery(api.getOrgBilling, hasOrganization === false ? "skip" : {});
  const [provisioningError, setProvisioningError] = useState<{ code: string; message: string } | null>(null);

  const data = query.status === "success" ? query.data : undefined;
  const unprovisionedOrg = data && !data.billing.provisioned ? data.billing.organizationId : null;

  useEffect(() => {
    if (!unprovisionedOrg) return;
    let live = true;
    ensureProvisioned(unprovisionedOrg).then(
      (result) => { if (live) setProvisioningError(result.ok ? null : result.error ?? { code: "UNKNOWN", message: "Provisioning failed" }); },
      (err: unknown) => { if (live) setProvisioningError({ code: "UNKNOWN", message: err instanceof Error ? err.message : String(err) }); },
    );
    return () => { live = false; };
  }, [unprovisionedOrg, ensureProvisioned]);

  return {
    status: query.status === "success" ? "ready" : query.status,
    isLoading: query.status === "loading",
    billing: data?.billing,
    role: data?.role,
    canManage: data?.canManage ?? false,
    error: query.error,
    provisioning: unprovisionedOrg !== null && provisioningError === null,
    provisioningError: unprovisionedOrg !== null ? provisioningError : null,
  };
}
