// The demo product feature: chat messages metered by the billing module.
// sendMessage reserves one message of the model's feature with
// withMeteredUsage, produces a canned reply locally (deterministic, no
// network: this is a billing demo, not an LLM client) and stores it with a
// meteredMutation, which records the usage owed in the same transaction as
// the message (billing/meteredWork.ts); if storing fails the reservation is
// released.
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation } from "../_generated/server";
import { orgAction, orgQuery } from "../orgs/access";
import { appError } from "../orgs/errors";
import { withMeteredUsage } from "../billing/meteredUsage";
import { meteredMutation } from "../billing/meteredWork";
import { messageFields } from "./schema";
import { featureForModel, MODELS, modelId, type ModelId } from "./models";

export const MAX_PROMPT_CHARS = 2_000;
const LIST_LIMIT = 50;

const REPLIES = [
  "Here is a short answer to",
  "Thinking about",
  "A quick take on",
  "Let me summarise",
] as const;

/** A canned, deterministic reply: the same model and prompt always give the same text. */
export function cannedReply(model: ModelId, prompt: string): string {
  let h = 2166136261;
  for (const ch of `${model}:${prompt}`) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 16777619) >>> 0;
  const opener = REPLIES[h % REPLIES.length] as string;
  const quoted = prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt;
  return `[${MODELS[model].name}] ${opener} "${quoted}" (${prompt.split(/\s+/).filter(Boolean).length} words).`;
}

const messageView = v.object({ _id: v.id("messages"), _creationTime: v.number(), ...messageFields });

export const sendMessage = orgAction({
  args: {
    model: modelId,
    prompt: v.string(),
    /** Client-generated id for this send; resending with the same id never charges twice. */
    requestId: v.optional(v.string()),
  },
  returns: v.object({ messageId: v.id("messages"), reply: v.string(), feature: v.string() }),
  handler: async (ctx, { model, prompt, requestId }): Promise<{ messageId: Id<"messages">; reply: string; feature: string }> => {
    const text = prompt.trim();
    if (text.length === 0 || text.length > MAX_PROMPT_CHARS) {
      throw appError("INVALID_ARGUMENT", `A prompt must be 1-${MAX_PROMPT_CHARS} characters`);
    }
    if (requestId !== undefined && (requestId.length === 0 || requestId.length > 100)) {
      throw appError("INVALID_ARGUMENT", "requestId must be 1-100 characters");
    }
    const { organizationId, userId } = ctx.viewer;
    const feature = featureForModel(model);
    return withMeteredUsage(ctx, {
      organizationId,
      featureId: feature,
      units: 1,
      idempotencyKey: `chat:${userId}:${requestId ?? crypto.randomUUID()}`,
      recordsDone: true,
    }, async (ticket) => {
      const reply = cannedReply(model, text);
      const messageId: Id<"messages"> = await ctx.runMutation(internal.chat.chat.storeMessage, {
        organizationId, userId, model, feature, prompt: text, reply, createdAt: Date.now(), meteringTicket: ticket,
      });
      return { messageId, reply, feature };
    });
  },
});

/** Store a reply and, in the same transaction, record its metered message done (the ticket from withMeteredUsage). */
export const storeMessage = meteredMutation({
  args: messageFields,
  returns: v.id("messages"),
  handler: (ctx, message) => ctx.db.insert("messages", message),
});

/** The same insert with no metering: what the benchmarks' baselines (bench/) run as their work, so every pattern does the same work. */
export const storeMessageUnmetered = internalMutation({
  args: messageFields,
  returns: v.id("messages"),
  handler: (ctx, message) => ctx.db.insert("messages", message),
});

/** The org's latest messages, newest first. */
export const listMessages = orgQuery({
  args: {},
  returns: v.array(messageView),
  handler: (ctx) => ctx.db.query("messages")
    .withIndex("by_organizationId_createdAt", (q) => q.eq("organizationId", ctx.viewer.organizationId))
    .order("desc")
    .take(LIST_LIMIT),
});
