// `CONVEX_DEPLOYMENT=… pnpm dev` / a production build against a real
// deployment: the web app reads the repo-root .env.local that `convex dev`
// writes, and its /api/auth proxy goes to the deployment's .convex.site.
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { UserConfig } from "vite";
import viteConfig from "../apps/web/vite.config";
import { ROOT } from "./deploy-check";

const saved = { ...process.env };
afterEach(() => { process.env = { ...saved }; });

function resolveConfig(env: Record<string, string>): UserConfig {
  Object.assign(process.env, env);
  return (viteConfig as (e: { mode: string; command: "serve" | "build" }) => UserConfig)({ mode: "development", command: "serve" });
}
const target = (c: UserConfig) => (c.server?.proxy?.["/api/auth"] as { target: string; changeOrigin: boolean });

describe("web app against a real deployment", () => {
  it("reads env files from the repo root, where `convex dev` writes VITE_CONVEX_URL", () => {
    expect(resolve(String(resolveConfig({}).envDir))).toBe(ROOT);
  });

  it("proxies /api/auth to the deployment's .convex.site (Host rewritten), not the offline host", () => {
    const c = resolveConfig({ CONVEX_SITE_URL: "", VITE_CONVEX_SITE_URL: "", VITE_CONVEX_URL: "https://happy-otter-123.convex.cloud" });
    expect(target(c)).toEqual({ target: "https://happy-otter-123.convex.site", changeOrigin: true });
    expect(c.preview?.proxy?.["/api/auth"]).toEqual(target(c));
  });

  it("an explicit site URL wins; the offline host keeps the app's Host", () => {
    expect(target(resolveConfig({ CONVEX_SITE_URL: "http://127.0.0.1:3212", VITE_CONVEX_URL: "http://127.0.0.1:3212" })))
      .toEqual({ target: "http://127.0.0.1:3212", changeOrigin: false });
  });
});
