// The dashboard's build. better-auth's routes are reached on the app's own
// origin (/api/auth → the Convex site URL), so session cookies stay
// first-party; the Convex client talks to the deployment (or the offline
// host) directly at VITE_CONVEX_URL.
//
// Env files are read from the REPO ROOT (envDir), where `npx convex dev`
// writes VITE_CONVEX_URL / VITE_CONVEX_SITE_URL into .env.local; variables
// already in the environment (what scripts/stack.ts passes) win over files.
// The /api/auth proxy goes to CONVEX_SITE_URL, else VITE_CONVEX_SITE_URL,
// else VITE_CONVEX_URL's .convex.site twin, else the offline host.
import { fileURLToPath } from "node:url";
import { tanstackRouter } from "@tanstack/router-plugin/vite";
import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig, loadEnv } from "vite";

const envDir = fileURLToPath(new URL("../..", import.meta.url));
const webPort = process.env.WEB_PORT ? Number(process.env.WEB_PORT) : undefined;

export default defineConfig(({ mode }) => {
  const env = { ...loadEnv(mode, envDir, ""), ...process.env };
  const convexSite = env.CONVEX_SITE_URL
    || env.VITE_CONVEX_SITE_URL
    || (env.VITE_CONVEX_URL?.match(/\.convex\.cloud\/?$/) ? env.VITE_CONVEX_URL.replace(/\.convex\.cloud\/?$/, ".convex.site") : "")
    || "http://127.0.0.1:3212";
  // A remote deployment (https://….convex.site) routes on the Host header; the offline host keeps the app's.
  const proxy = { "/api/auth": { target: convexSite, changeOrigin: !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(convexSite) } };
  return {
    envDir,
    plugins: [tanstackRouter({ target: "react", autoCodeSplitting: true }), react()],
    // Workspace packages (@billing/react) from their sources; a published install resolves dist/.
    resolve: { conditions: ["source", ...defaultClientConditions] },
    server: { host: "127.0.0.1", port: webPort ?? 5173, strictPort: true, proxy },
    preview: { host: "127.0.0.1", port: webPort ?? 4173, strictPort: true, proxy },
  };
});
