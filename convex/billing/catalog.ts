// Internal reads of the cached catalog for actions (which cannot read the
// database directly).
import { v } from "convex/values";
import { internalQuery } from "../_generated/server";
import { loadFeatures } from "./cache";
import { display } from "./schema";

export const featureNames = internalQuery({
  args: {},
  returns: v.array(v.object({ featureId: v.string(), name: v.string(), display })),
  handler: async (ctx) => [...(await loadFeatures(ctx)).values()].map((f) => ({ featureId: f.featureId, name: f.name, display: f.display })),
});
