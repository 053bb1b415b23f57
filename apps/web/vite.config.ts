// The dashboard's build. better-auth's routes are reached on the app's own
// origin (/api/auth → the Convex site URL), so session cookies stay
// first-party; the Convex client talks to the deployment (or the offline
// host) directly at VITE_CONVEX_URL.
import { tanstackRouter } from "@tanstack/router-plugin/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const convexSite = process.env.CONVEX_SITE_URL ?? "http://127.0.0.1:3212";
const webPort = process.env.WEB_PORT ? Number(process.env.WEB_PORT) : undefined;
const proxy = { "/api/auth": { target: convexSite, changeOrigin: false } };

export default defineConfig({
  plugins: [tanstackRouter({ target: "react", autoCodeSplitting: true }), react()],
  server: { host: "127.0.0.1", port: webPort ?? 5173, strictPort: true, proxy },
  preview: { host: "127.0.0.1", port: webPort ?? 4173, strictPort: true, proxy },
});
