// better-auth's Convex component, installed locally (platform-notes §5):
// the packaged component's schema has no organization tables.
import { defineComponent } from "convex/server";

const component = defineComponent("betterAuth");

export default component;
