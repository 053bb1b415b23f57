// The app's schema: the billing module's cache tables (the module brings
// them; an app adopting it spreads `billingTables` into its own schema).
import { defineSchema } from "convex/server";
import { billingTables } from "./billing/schema";

export default defineSchema({
  ...billingTables,
});
