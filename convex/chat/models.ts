// Which billing feature each demo model draws on. Standard models spend
// `standard_messages`; premium models spend `premium_messages` (which an org
// without premium messages in its plan pays from `ai_credits`, 5 credits per
// message — Autumn does the conversion). Adding a model is one line here.
import { v } from "convex/values";

export const MODELS = {
  "swift-mini": { name: "Swift Mini", featureId: "standard_messages", tier: "standard" },
  "sage-pro": { name: "Sage Pro", featureId: "premium_messages", tier: "premium" },
} as const;

export type ModelId = keyof typeof MODELS;

export const modelId = v.union(v.literal("swift-mini"), v.literal("sage-pro"));

export function featureForModel(model: ModelId): string {
  return MODELS[model].featureId;
}
