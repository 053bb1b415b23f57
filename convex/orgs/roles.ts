// better-auth organization roles, as this app uses them. better-auth stores
// several roles comma-separated; the strongest wins.
import type { OrgRole } from "../authPlugins";

export type { OrgRole };

export function strongestRole(role: string | null | undefined): OrgRole | null {
  const roles = (role ?? "").split(",").map((r) => r.trim());
  if (roles.includes("owner")) return "owner";
  if (roles.includes("admin")) return "admin";
  if (roles.includes("member")) return "member";
  return null;
}
