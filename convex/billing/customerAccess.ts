// The one way an action reaches an org's Autumn customer. Before this file,
// purchase, spend controls, invoices, live usage, migration and the metered
// reserve each read the customer and created it when missing in their own
// way (a get_or_create here, a provision there, a guard in some and not in
// others). Now there is one path, written once:
//
//   1. resolve: the tenant guard (ownership.ts). A cached org costs no
//      Autumn call; an org this deployment never synced is provisioned
//      first (provisioning.ts `provision`, the only provisioning there is);
//      a customer of another org or deployment is CUSTOMER_OWNERSHIP_MISMATCH.
//   2. run the operation.
//   3. a CUSTOMER_NOT_FOUND from it (provisioning failed earlier, or the
//      customer was deleted in Autumn) triggers ONE provision and ONE retry.
//      If that provisioning fails, its own code (AUTUMN_UNAVAILABLE,
//      RATE_LIMITED, CUSTOMER_OWNERSHIP_MISMATCH, …) is what the caller sees.
//
// Reads that need the customer object itself (live usage, migration) use
// `readCustomer`: get_or_create (so it provisions lazily in the same call)
// then the guard. Sync paths that must never create a customer (webhook
// re-fetch, reconcile's walk) and a seat refund (nothing to refund on a
// customer that does not exist) do not come here. Actions only: it calls
// Autumn, so queries and mutations never import it.
import type { Customer } from "autumn-js";
import type { ActionCtx } from "../_generated/server";
import { BILLING_ERROR_CODES, billingError, billingErrorCode } from "./errors";
import { guardCustomer, ownerContext } from "./ownershipGuard";
import { orgCustomerData, provision } from "./provisioning";
import { getOrCreateCustomer, type CustomerSyncResult } from "./sync";

/** A failed provisioning result as a typed error (its own code; AUTUMN_ERROR when it carries none). */
function provisioningFailed(result: CustomerSyncResult): ReturnType<typeof billingError> {
  const code = BILLING_ERROR_CODES.find((c) => c === result.error?.code) ?? "AUTUMN_ERROR";
  return billingError(code, result.error?.message ?? "Could not set up this organization's billing account");
}

/**
 * Step 1, the tenant guard before any billing write: refuse an org whose
 * customer belongs to another org or deployment; provision an org this
 * deployment has never synced (get_or_create + the ownership check), so no
 * call can touch a customer we did not create. A cached org costs no call.
 */
export async function ensureOwnCustomer(ctx: ActionCtx, organizationId: string): Promise<void> {
  const owner = await ownerContext(ctx, organizationId);
  if (!owner.conflict && owner.cached) return;
  if (!owner.conflict) {
    const result = await provision(ctx, organizationId);
    if (result.ok) return;
    const err = provisioningFailed(result);
    if (err.data.code !== "CUSTOMER_OWNERSHIP_MISMATCH") throw err;
  }
  throw billingError("CUSTOMER_OWNERSHIP_MISMATCH", "This organization's billing account belongs to another organization or deployment; an admin must resolve it before any purchase", { organizationId });
}

/**
 * Step 3 alone: run `call`; when Autumn answers CUSTOMER_NOT_FOUND, provision
 * once and run it once more. The hot metered path (reserve) uses this
 * directly: its customer is normally there, and it never pays for step 1.
 */
export async function retryIfNotProvisioned<T>(ctx: ActionCtx, organizationId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (billingErrorCode(err) !== "CUSTOMER_NOT_FOUND") throw err;
    const result = await provision(ctx, organizationId);
    if (!result.ok) throw provisioningFailed(result);
    return call();
  }
}

/** Steps 1–3: what every owner or member action that calls Autumn for its org goes through. */
export async function withCustomer<T>(ctx: ActionCtx, organizationId: string, call: () => Promise<T>): Promise<T> {
  await ensureOwnCustomer(ctx, organizationId);
  return retryIfNotProvisioned(ctx, organizationId, call);
}

/**
 * The org's customer object itself (live usage, migration): get_or_create
 * with the org's data (an org with no customer gets one, with the default
 * plan, in this very call), then the ownership guard. `path` names the
 * caller in a recorded conflict.
 */
export async function readCustomer(ctx: ActionCtx, organizationId: string, path: string): Promise<Customer> {
  const customer = await getOrCreateCustomer(organizationId, await orgCustomerData(ctx, organizationId));
  await guardCustomer(ctx, organizationId, customer, path);
  return customer;
}
