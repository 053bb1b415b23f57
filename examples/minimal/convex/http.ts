// Step 6: Autumn's webhooks (optional: the module also re-syncs without them).
import { httpRouter } from "convex/server";
import { autumnWebhook } from "./billing/webhook";

const http = httpRouter();
http.route({ path: "/autumn-webhook", method: "POST", handler: autumnWebhook });
export default http;
