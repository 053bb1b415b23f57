// The Convex app: the better-auth component, installed locally so its
// schema carries the organization and admin plugins' tables.
import { defineApp } from "convex/server";
import betterAuth from "./betterAuth/convex.config";

const app = defineApp();
app.use(betterAuth);

export default app;
