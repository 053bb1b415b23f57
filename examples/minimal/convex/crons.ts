// Step 6: the module's background jobs (the same set as the main app's convex/crons.ts).
import { cronJobs, makeFunctionReference } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();
crons.daily("billing reconcile", { hourUTC: 3, minuteUTC: 0 }, internal.billing.reconcile.start, {});
crons.hourly("billing catalog sync", { minuteUTC: 5 }, internal.billing.sync.syncPlans, {});
crons.daily("billing retention prune", { hourUTC: 3, minuteUTC: 45 }, makeFunctionReference<"mutation">("billing/retention:prune"), {});
crons.daily("billing webhook ledger prune", { hourUTC: 3, minuteUTC: 30 }, internal.billing.webhook.pruneEvents, {});
crons.interval("billing reservations sweep", { seconds: 60 }, internal.billing.reservations.sweeper.sweep, {});
crons.hourly("billing reservations prune", { minuteUTC: 15 }, internal.billing.reservations.sweeper.prune, {});
crons.interval("billing seat changes sweep", { seconds: 60 }, internal.billing.seatChanges.sweep, {});
export default crons;
