// Entities (sub-customers such as seats). Creating one counts +1 usage of
// its feature on the customer; deleting it gives the unit back
// (autumn-api.md §2.8). Allocated usage is never clamped, so the count stays
// true even past the limit; the caller checks before creating.

import type { Ctx } from "./context.js";
import { ApiError, badRequest, notFound } from "./errors.js";
import { applyControls, parseControls, renderEntityControls } from "./controls.js";
import { requireFeature } from "./catalogLookups.js";
import { requireCustomer } from "./customers.js";
import { deduct, refund } from "./ledger.js";
import type { EntityRecord } from "./state.js";

const key = (customerId: string, entityId: string): string => `${customerId}/${entityId}`;

function findEntity(ctx: Ctx, entityId: string, customerId?: string): EntityRecord {
  const e = customerId
    ? ctx.state.entities[key(customerId, entityId)]
    : Object.values(ctx.state.entities).find((x) => x.id === entityId);
  if (!e) throw notFound.entity(entityId);
  return e;
}

/** The entity object; `entities.create` answers without `feature_id` (§12.11). */
export function renderEntity(ctx: Ctx, e: EntityRecord, opts: { created?: boolean } = {}): Record<string, unknown> {
  const c = ctx.state.customers[e.customer_id];
  return {
    id: e.id, name: e.name, customer_id: e.customer_id, ...(opts.created ? {} : { feature_id: e.feature_id }), created_at: e.created_at,
    env: "sandbox", subscriptions: [], purchases: [], balances: {}, flags: {},
    billing_controls: (c && renderEntityControls(ctx, c, e)) ?? {},
  };
}

export function createEntity(ctx: Ctx, input: { customer_id: string; entity_id: string; feature_id: string; name?: string | null; billing_controls?: unknown }): EntityRecord {
  const f = requireFeature(ctx.state, input.feature_id);
  // Entities hang off a non-consumable feature (seats, workspaces): 400 otherwise (§6, §12.11).
  if (f.type !== "metered" || f.consumable) throw badRequest(`Feature ${f.id} is not a continuous-use (non-consumable) feature; entities can only be created for those`);
  const controls = parseControls(input.billing_controls);
  const c = requireCustomer(ctx, input.customer_id);
  if (ctx.state.entities[key(c.id, input.entity_id)]) {
    throw new ApiError(409, "entity_already_exists", `Entity ${input.entity_id} already exists`);
  }
  const now = ctx.now(c);
  const e: EntityRecord = { id: input.entity_id, customer_id: c.id, feature_id: input.feature_id, name: input.name ?? null, created_at: now };
  applyControls(e, controls, { entity: true });
  ctx.state.entities[key(c.id, e.id)] = e;
  deduct(ctx.state, c, input.feature_id, 1, "cap", now);
  return e;
}

export function getEntity(ctx: Ctx, input: { customer_id?: string; entity_id: string }): EntityRecord {
  return findEntity(ctx, input.entity_id, input.customer_id);
}

export function deleteEntity(ctx: Ctx, input: { customer_id?: string; entity_id: string }): void {
  const e = findEntity(ctx, input.entity_id, input.customer_id);
  const c = requireCustomer(ctx, e.customer_id);
  delete ctx.state.entities[key(e.customer_id, e.id)];
  refund(ctx.state, c, e.feature_id, 1, ctx.now(c));
}

export function listEntities(ctx: Ctx, input: { customer_id?: string; start_cursor?: string; limit?: number }): { list: EntityRecord[]; next_cursor: string | null } {
  const limit = input.limit ?? 50;
  const offset = input.start_cursor ? Number.parseInt(input.start_cursor, 10) || 0 : 0;
  const all = Object.values(ctx.state.entities)
    .filter((e) => !input.customer_id || e.customer_id === input.customer_id)
    .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  return { list: all.slice(offset, offset + limit), next_cursor: offset + limit < all.length ? String(offset + limit) : null };
}

export function updateEntity(ctx: Ctx, input: { customer_id?: string; entity_id: string; name?: string | null; billing_controls?: unknown }): EntityRecord {
  const controls = parseControls(input.billing_controls);
  const e = findEntity(ctx, input.entity_id, input.customer_id);
  if (input.name !== undefined) e.name = input.name;
  applyControls(e, controls, { entity: true });
  return e;
}
