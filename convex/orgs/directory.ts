// Reads of better-auth's user / member / organization tables (in the locally
// installed component): who the caller is, their role, the org owner, the
// list of orgs. The app's one door to the component: the billing host
// (orgs/billingHost.ts), the demo modules and auth.ts read through it; the
// billing module never does (it sees only billing/host.ts's contract).
//
// The component's function types come from the packaged @convex-dev/better-auth
// ComponentApi, whose `model` union lists only the default tables; our local
// install adds the organization plugin's tables, so the model name is widened
// here, once.
import type { FunctionArgs, FunctionReference, PaginationResult } from "convex/server";
import { components } from "../_generated/api";
import type { ActionCtx, MutationCtx, QueryCtx } from "../_generated/server";

type Ctx = QueryCtx | MutationCtx | ActionCtx;
type UpdateOneArgs = FunctionArgs<typeof components.betterAuth.adapter.updateOne>;
type PackagedModel = "user" | "session";
type Where = { field: string; value: string | number | boolean | null; operator?: "eq" | "starts_with" | "gte" | "lt"; connector?: "AND" | "OR" };

export interface UserDoc { _id: string; name: string; email: string; emailVerified?: boolean; role?: string | null }
export interface MemberDoc { _id: string; organizationId: string; userId: string; role: string }
export interface OrganizationDoc { _id: string; name: string; slug?: string | null; createdAt: number }

async function findOne<T>(ctx: Ctx, model: string, where: Where[]): Promise<T | null> {
  return (await ctx.runQuery(components.betterAuth.adapter.findOne, { model: model as PackagedModel, where })) as T | null;
}

export function findUser(ctx: Ctx, userId: string): Promise<UserDoc | null> {
  return findOne<UserDoc>(ctx, "user", [{ field: "_id", value: userId }]);
}

export function findMember(ctx: Ctx, organizationId: string, userId: string): Promise<MemberDoc | null> {
  return findOne<MemberDoc>(ctx, "member", [
    { field: "organizationId", value: organizationId },
    { field: "userId", value: userId, connector: "AND" },
  ]);
}

/** Every owner membership of the org (better-auth may store several roles comma-separated), oldest first. */
export async function findOwners(ctx: Ctx, organizationId: string): Promise<MemberDoc[]> {
  const members = (await ctx.runQuery(components.betterAuth.adapter.findMany, {
    model: "member" as PackagedModel,
    where: [{ field: "organizationId", value: organizationId }],
    paginationOpts: { numItems: 200, cursor: null },
  })).page as MemberDoc[];
  return members.filter((m) => m.role.split(",").map((r) => r.trim()).includes("owner"));
}

// The local component's id check (convex/betterAuth/ids.ts); not in the packaged ComponentApi type.
type AuthTable = "user" | "organization" | "member";
const normalizeRef = (components.betterAuth as unknown as {
  ids: { normalize: FunctionReference<"query", "internal", { table: AuthTable; id: string }, string | null> };
}).ids.normalize;

/**
 * `id` as an id of better-auth's `table`, or null when it is not one. Call it
 * on every caller-supplied id before an `_id` lookup: a real deployment's
 * db.get throws on an undecodable id (convex-test returns null).
 */
export function normalizeAuthId(ctx: Ctx, table: AuthTable, id: string): Promise<string | null> {
  return ctx.runQuery(normalizeRef, { table, id });
}

/** The organization, or null (also for a string that is not an organization id). */
export async function findOrganization(ctx: Ctx, organizationId: string): Promise<OrganizationDoc | null> {
  const id = await normalizeAuthId(ctx, "organization", organizationId);
  return id ? findOne<OrganizationDoc>(ctx, "organization", [{ field: "_id", value: id }]) : null;
}

/** The membership row, or null (also for a string that is not a member id). */
export async function findMemberById(ctx: Ctx, memberId: string): Promise<MemberDoc | null> {
  const id = await normalizeAuthId(ctx, "member", memberId);
  return id ? findOne<MemberDoc>(ctx, "member", [{ field: "_id", value: id }]) : null;
}

/**
 * Organizations, one page at a time (never a full scan): newest first, or,
 * with `namePrefix`, the names in [prefix, prefix + U+FFFF) in name order —
 * a range on the component's `name` index, so every page is full at any
 * number of organizations (a starts_with filter would read 200 rows and
 * return whatever matched among them).
 */
export async function listOrganizations(
  ctx: QueryCtx,
  opts: { numItems: number; cursor: string | null; namePrefix?: string },
): Promise<PaginationResult<OrganizationDoc>> {
  const result = await ctx.runQuery(components.betterAuth.adapter.findMany, {
    model: "organization" as PackagedModel,
    paginationOpts: { numItems: opts.numItems, cursor: opts.cursor },
    ...(opts.namePrefix
      ? {
        sortBy: { field: "name", direction: "asc" as const },
        where: [
          { field: "name", operator: "gte" as const, value: opts.namePrefix },
          { field: "name", operator: "lt" as const, value: `${opts.namePrefix}\uffff`, connector: "AND" as const },
        ],
      }
      : { sortBy: { field: "createdAt", direction: "desc" as const } }),
  });
  return result as unknown as PaginationResult<OrganizationDoc>;
}

/** Emails listed in BILLING_ADMIN_EMAILS: global admins once the address is verified (auth.ts). */
export function isBootstrapAdmin(email: string | null | undefined): boolean {
  if (!email) return false;
  const listed = (process.env.BILLING_ADMIN_EMAILS ?? "").split(",").map((e) => e.trim().toLowerCase()).filter(Boolean);
  return listed.includes(email.toLowerCase());
}

/** Set better-auth's admin-plugin role on a user (a field the packaged component type does not know). */
export async function setUserRole(ctx: MutationCtx, userId: string, role: "admin" | "user"): Promise<void> {
  const input = { model: "user", where: [{ field: "_id", value: userId }], update: { role } };
  await ctx.runMutation(components.betterAuth.adapter.updateOne, { input: input as unknown as UpdateOneArgs["input"] });
}
