// Scheduled jobs. Convex runs these in the deployment; convex-test does not
// (tests assert the entries and call the targets directly).
import { cronJobs, makeFunctionReference } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Re-pull every Autumn customer and provision organizations without billing
// (paged and spread: see billing/reconcile.ts).
crons.daily("billing reconcile", { hourUTC: 3, minuteUTC: 0 }, internal.billing.reconcile.start, {});

// Keep the plan/feature cache in step with Autumn's catalog (Autumn sends no
// catalog webhooks; see billing/catalogFill.ts for the lazy fill).
crons.hourly("billing catalog sync", { minuteUTC: 5 }, internal.billing.sync.syncPlans, {});

// Retention: usage ledger, plan-change history, sync and reconcile runs (billing/retention.ts).
crons.daily("billing retention prune", { hourUTC: 3, minuteUTC: 45 }, makeFunctionReference<"mutation">("billing/retention:prune"), {});

// Forget webhook event ids past the retention (bounded batches).
crons.daily("billing webhook ledger prune", { hourUTC: 3, minuteUTC: 30 }, internal.billing.webhook.pruneEvents, {});

// Settle every metered reservation whose action died (billing/reservations/sweeper.ts), and forget old ones.
crons.interval("billing reservations sweep", { seconds: 60 }, internal.billing.reservations.sweeper.sweep, {});
crons.hourly("billing reservations prune", { minuteUTC: 15 }, internal.billing.reservations.sweeper.prune, {});
// Settle owed seat adjustments (a refund that failed, an action that died mid membership change) and forget old rows and purchase intents (billing/seatChanges.ts).
crons.interval("billing seat changes sweep", { seconds: 60 }, internal.billing.seatChanges.sweep, {});

export default crons;
