// The billing module's registration point (billing/host.ts): this app's
// host, over better-auth. An app adopting billing puts its own here.
import type { BillingHost } from "./billing/host";
import { betterAuthBillingHost } from "./orgs/billingHost";

export const billingHost: BillingHost = betterAuthBillingHost;
