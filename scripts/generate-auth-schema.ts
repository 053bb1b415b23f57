// Writes convex/betterAuth/schema.ts offline (instead of `npx auth generate`,
// which needs a deployment): better-auth's own table list for our plugins,
// rendered by @convex-dev/better-auth's schema generator. Run it after
// changing convex/authPlugins.ts: `pnpm exec tsx scripts/generate-auth-schema.ts`.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getAuthTables } from "better-auth/db";
import { authPlugins } from "../convex/authPlugins";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
// The generator is not in the package's export map; load it by path.
const { createSchema } = (await import(
  resolve(root, "node_modules/@convex-dev/better-auth/dist/client/create-schema.js")
)) as { createSchema: (a: { tables: ReturnType<typeof getAuthTables>; file?: string }) => Promise<{ code: string }> };

const tables = getAuthTables({ plugins: authPlugins() });
const generated = await createSchema({ tables, file: "convex/betterAuth/schema.ts" });
// Billing looks members up by (organization, user) and (organization, role):
// give those lookups compound indexes instead of a filter over an org's members.
const memberIndex = '.index("organizationId", ["organizationId"])';
if (!generated.code.includes(memberIndex)) throw new Error("member table layout changed; update the extra indexes");
const code = generated.code.replace(
  memberIndex,
  `${memberIndex}\n    .index("organizationId_userId", ["organizationId","userId"])\n    .index("organizationId_role", ["organizationId","role"])`,
);
// better-auth's organization plugin looks invitations up by (email, organizationId, status) when a
// member joins and by (organizationId, status) when listing an org's pending ones; without these the
// adapter scans and warns "Querying without an index on table invitation".
const invitationIndex = '.index("inviterId", ["inviterId"]),\n  jwks:';
const inviteCode = code.includes(invitationIndex) ? code : null;
if (!inviteCode) throw new Error("invitation table layout changed; update the extra indexes");
const withInvitations = inviteCode.replace(
  invitationIndex,
  `.index("inviterId", ["inviterId"])\n    .index("email_organizationId_status", ["email","organizationId","status"])\n    .index("organizationId_status", ["organizationId","status"]),\n  jwks:`,
);
const target = resolve(root, "convex/betterAuth/schema.ts");
writeFileSync(target, withInvitations);
console.log(`wrote ${target} (${Object.keys(tables).join(", ")})`);
