// The app's schema: the billing module's cache tables (the module brings
// them; an app adopting it spreads `billingTables` into its own schema) and
// the demo features' tables (chat, branding).
import { defineSchema } from "convex/server";
import { billingTables } from "./billing/schema";
import { brandingTables } from "./branding/schema";
import { chatTables } from "./chat/schema";

export default defineSchema({
  ...billingTables,
  ...chatTables,
  ...brandingTables,
});
