// HTTP routes: better-auth's /api/auth/* (sign-up, sign-in, organizations,
// the Convex token and JWKS) and Autumn's Svix-signed webhooks.
import { httpRouter } from "convex/server";
import { authComponent, createAuth } from "./auth";
import { autumnWebhook } from "./billing/webhook";

const http = httpRouter();
authComponent.registerRoutes(http, createAuth, { cors: true });
http.route({ path: "/autumn-webhook", method: "POST", handler: autumnWebhook });

export default http;
