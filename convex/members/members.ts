// Organization members for the demo app (not part of the billing module):
// list them, add an existing account by email, remove one. Every member
// beyond the owner takes a `seats` unit (an allocated feature): adding one
// reserves the seat through the billing module's `adjustSeats` BEFORE the
// membership is written (so the plan's seat limit is enforced atomically by
// Autumn, QUOTA_EXCEEDED at the limit), and gives it back when the
// membership could not be written; removing a member gives its seat back.
// Both go through the billing module's owed seat rows (billing/seatChanges.ts):
// a refund that fails is retried by the seat sweeper until it is settled.
// Memberships themselves are written through better-auth's server API, so
// its rules and hooks apply.
import { v } from "convex/values";
import { components } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { authComponent, createAuth } from "../auth";
import { withSeatChange } from "../billing/seatChanges";
import { orgOwnerAction, orgQuery } from "../orgs/access";
import { findMemberById, findUser, normalizeAuthId, type MemberDoc, type UserDoc } from "../orgs/directory";
import { appError, type AppErrorCode } from "../orgs/errors";

const MAX_MEMBERS_LISTED = 200;
const EMAIL_MAX = 254;

// The packaged component types list only the default models; this install adds the organization plugin's.
type PackagedModel = "user" | "session";

const role = v.union(v.literal("owner"), v.literal("admin"), v.literal("member"));
type MemberRole = "owner" | "admin" | "member";

export const memberView = v.object({
  memberId: v.string(),
  userId: v.string(),
  name: v.string(),
  email: v.string(),
  role,
  createdAt: v.number(),
});

function strongestRole(stored: string): MemberRole {
  const roles = stored.split(",").map((r) => r.trim());
  if (roles.includes("owner")) return "owner";
  if (roles.includes("admin")) return "admin";
  return "member";
}

/** better-auth throws APIError {status, body: {code, message}}; turn it into a typed app error. */
function authFailure(err: unknown, fallback: string): ReturnType<typeof appError> {
  const body = (err as { body?: { code?: unknown; message?: unknown } } | null)?.body;
  const authCode = typeof body?.code === "string" ? body.code : null;
  const message = typeof body?.message === "string" ? body.message : err instanceof Error ? err.message : fallback;
  let code: AppErrorCode = "INVALID_ARGUMENT";
  if (authCode === "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION") code = "CONFLICT";
  else if (authCode?.startsWith("YOU_ARE_NOT_ALLOWED") || authCode === "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER") code = "FORBIDDEN";
  else if (authCode === "UNAUTHORIZED" || (err as { status?: unknown } | null)?.status === "UNAUTHORIZED") code = "UNAUTHENTICATED";
  return appError(code, message, authCode ? { authCode } : {});
}

async function findUserByEmail(ctx: ActionCtx, email: string): Promise<UserDoc | null> {
  return (await ctx.runQuery(components.betterAuth.adapter.findOne, {
    model: "user",
    where: [{ field: "email", value: email }],
  })) as UserDoc | null;
}

async function findMembership(ctx: ActionCtx, organizationId: string, userId: string): Promise<MemberDoc | null> {
  return (await ctx.runQuery(components.betterAuth.adapter.findOne, {
    model: "member" as PackagedModel,
    where: [{ field: "organizationId", value: organizationId }, { field: "userId", value: userId, connector: "AND" }],
  })) as MemberDoc | null;
}

/** The active organization's members (owner first, then by join date), with names and emails. */
export const listMembers = orgQuery({
  args: {},
  returns: v.array(memberView),
  handler: async (ctx) => {
    const result = (await ctx.runQuery(components.betterAuth.adapter.findMany, {
      model: "member" as PackagedModel,
      where: [{ field: "organizationId", value: ctx.viewer.organizationId }],
      paginationOpts: { numItems: MAX_MEMBERS_LISTED, cursor: null },
    })) as { page: Array<MemberDoc & { createdAt: number }> };
    const rows = await Promise.all(result.page.map(async (m) => {
      const user = await findUser(ctx, m.userId);
      return {
        memberId: m._id,
        userId: m.userId,
        name: user?.name ?? "(deleted account)",
        email: user?.email ?? "",
        role: strongestRole(m.role),
        createdAt: m.createdAt,
      };
    }));
    const rank = { owner: 0, admin: 1, member: 2 } as const;
    return rows.sort((a, b) => rank[a.role] - rank[b.role] || a.createdAt - b.createdAt);
  },
});

/**
 * Owner only. Adds an existing account (by email) to the active org with
 * `role`, taking one seat. At the plan's seat limit: QUOTA_EXCEEDED
 * {featureId: "seats"} (nothing written). `requestId` makes a retried call
 * charge the seat once.
 */
export const addMember = orgOwnerAction({
  args: {
    email: v.string(),
    role: v.union(v.literal("admin"), v.literal("member")),
    requestId: v.optional(v.string()),
  },
  // null ids: no account has that email. The caller is told the same thing either way (no account enumeration).
  returns: v.object({ memberId: v.union(v.string(), v.null()), userId: v.union(v.string(), v.null()) }),
  handler: async (ctx, { email, role: memberRole, requestId }): Promise<{ memberId: string | null; userId: string | null }> => {
    const normalized = email.trim().toLowerCase();
    if (!normalized || normalized.length > EMAIL_MAX || !/^[^\s@]+@[^\s@]+$/.test(normalized)) {
      throw appError("INVALID_ARGUMENT", "Enter a valid email address");
    }
    if (requestId !== undefined && (requestId.length === 0 || requestId.length > 100)) {
      throw appError("INVALID_ARGUMENT", "requestId must be 1-100 characters");
    }
    const { organizationId } = ctx.viewer;
    const user = await findUserByEmail(ctx, normalized);
    // Whether an email has an account is nobody's business: the same answer as an add, nothing written, no seat.
    if (!user) return { memberId: null, userId: null };
    if (await findMembership(ctx, organizationId, user._id)) {
      throw appError("CONFLICT", "They are already a member of this organization", { reason: "already_member" });
    }

    const idempotencyKey = `member:${organizationId}:${user._id}:${requestId ?? crypto.randomUUID()}`;
    // The seat is reserved first (QUOTA_EXCEEDED at the limit: nothing written); if the membership is then
    // refused, the seat's refund is an owed row the billing sweeper retries until Autumn has it.
    return withSeatChange(ctx, { organizationId, userId: user._id, delta: 1, key: idempotencyKey }, async () => {
      try {
        const created = await createAuth(ctx).api.addMember({ body: { userId: user._id, organizationId, role: memberRole } });
        if (!created) throw appError("CONFLICT", "The membership could not be created");
        return { memberId: created.id, userId: user._id };
      } catch (err) {
        throw authFailure(err, "The member could not be added");
      }
    });
  },
});

/** Owner only. Removes a member of the active org (never the owner) and gives the seat back. */
export const removeMember = orgOwnerAction({
  args: { memberId: v.string() },
  returns: v.null(),
  handler: async (ctx, { memberId }): Promise<null> => {
    const { organizationId } = ctx.viewer;
    // Validated before any lookup: a real deployment's db.get throws on a string that is not an id.
    if (!(await normalizeAuthId(ctx, "member", memberId))) {
      throw appError("INVALID_ARGUMENT", "That is not a member id", { reason: "invalid_id", field: "memberId" });
    }
    const member = await findMemberById(ctx, memberId);
    if (!member || member.organizationId !== organizationId) {
      throw appError("INVALID_ARGUMENT", "That person is not a member of this organization", { reason: "member_not_found" });
    }
    if (strongestRole(member.role) === "owner") throw appError("FORBIDDEN", "The owner can't be removed", { reason: "owner" });

    // better-auth's remove-member acts as the caller: it needs the caller's session (from the Convex identity).
    const { auth, headers } = await authComponent.getAuth(createAuth, ctx);
    // The owed refund is recorded before the membership goes, so a refund that fails (or a dead action) is retried.
    await withSeatChange(ctx, { organizationId, userId: member.userId, delta: -1, key: `remove:${memberId}` }, async () => {
      try {
        await auth.api.removeMember({ body: { memberIdOrEmail: memberId, organizationId }, headers });
      } catch (err) {
        throw authFailure(err, "The member could not be removed");
      }
    });
    return null;
  },
});
