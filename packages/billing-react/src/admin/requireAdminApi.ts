// The admin panels need the optional admin entries of BillingApi; a clear
// error beats a silent blank panel when the app forgot to pass them.
import type { BillingAdminApi, BillingApi } from "../api";

export function requireAdminApi<K extends keyof BillingAdminApi>(api: BillingApi, key: K): BillingAdminApi[K] {
  const ref = api[key];
  if (!ref) throw new Error(`This admin panel needs api.${key} in <BillingProvider api={…}> (convex/billing/admin.ts)`);
  return ref as BillingAdminApi[K];
}
