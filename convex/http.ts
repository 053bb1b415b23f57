// HTTP routes: better-auth's /api/auth/* (sign-up, sign-in, organizations,
// the Convex token and JWKS).
import { httpRouter } from "convex/server";
import { authComponent, createAuth } from "./auth";

const http = httpRouter();
authComponent.registerRoutes(http, createAuth, { cors: true });

export default http;
