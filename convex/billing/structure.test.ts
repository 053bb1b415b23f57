// The module is one-directional: app → module → client. Nothing under
// convex/billing/ imports the demo (chat, members, branding), the app's auth
// (auth.ts, authPlugins.ts, betterAuth/, orgs/) or better-auth itself; it
// reaches the app only through its host slot, convex/billingHost.ts
// (billing/host.ts). Walked: the module's source, i.e. every file a
// deployment bundles (single-dot .ts); tests and *.helpers.ts are this
// repo's integration harness (they run the module inside this app, with its
// schema and better-auth) and are not shipped.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const BILLING = join(__dirname);
const CONVEX = join(__dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /^[^.]+\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?[^'"`;]*?\sfrom\s*["']([^"']+)["']/g,
    /\bexport\s+(?:type\s+)?[^'"`;]*?\sfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

const FORBIDDEN_APP = ["auth", "authPlugins", "auth.config", "betterAuth", "chat", "members", "branding", "orgs", "admins", "http"];
const FORBIDDEN_PACKAGES = [/^better-auth(\/|$)/, /^@convex-dev\/better-auth(\/|$)/];

function violation(file: string, spec: string): string | null {
  if (FORBIDDEN_PACKAGES.some((re) => re.test(spec))) return spec;
  if (!spec.startsWith(".")) return null;
  const target = relative(CONVEX, resolve(dirname(file), spec));
  if (target.startsWith("..")) return `${spec} (outside convex/: the module must be copyable as is)`;
  const top = target.split(/[\\/]/)[0]!.replace(/\.(ts|js)$/, "");
  if (top === "billing" || top === "_generated" || top === "billingHost") return null;
  return FORBIDDEN_APP.includes(top) ? spec : `${spec} (not in the allowed set: billing/, _generated/, billingHost)`;
}

describe("module boundary", () => {
  it("finds imports in every form", () => {
    expect(specifiers(`import { a } from "../auth";\nimport type { B } from "../orgs/x";\nexport { c } from "better-auth/plugins";\nimport "./side";\nawait import("../chat/chat");`))
      .toEqual(["../auth", "../orgs/x", "better-auth/plugins", "./side", "../chat/chat"]);
  });

  it("flags the demo, the app's auth and better-auth, allows the host slot", () => {
    const file = join(BILLING, "api.ts");
    for (const spec of ["../auth", "../betterAuth/schema", "../chat/chat", "../members/members", "../branding/branding", "../orgs/directory", "better-auth", "better-auth/plugins", "@convex-dev/better-auth", "../../packages/billing-react/src/errorCodes"]) {
      expect(violation(file, spec)).not.toBeNull();
    }
    for (const spec of ["./errors", "./errorCodes", "../_generated/api", "../billingHost", "convex/values", "autumn-js"]) {
      expect(violation(file, spec)).toBeNull();
    }
  });

  it("no file under convex/billing imports the demo, the app's auth or better-auth", () => {
    const offenders = files(BILLING).flatMap((file) => {
      const source = readFileSync(file, "utf8");
      return specifiers(source).flatMap((spec) => {
        const bad = violation(file, spec);
        return bad ? [`${relative(CONVEX, file)}: ${bad}`] : [];
      });
    });
    expect(offenders).toEqual([]);
  });

  it("no module file reaches better-auth's component through _generated (components.betterAuth)", () => {
    const offenders = files(BILLING).filter((file) => /components\.betterAuth\b/.test(readFileSync(file, "utf8"))).map((file) => relative(CONVEX, file));
    expect(offenders).toEqual([]);
  });
});
