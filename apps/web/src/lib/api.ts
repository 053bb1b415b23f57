// The Convex API of this repository's backend (generated, committed), and
// the demo chat's model table (shared with the backend, so the picker can
// never offer a model the server doesn't know).
export { api } from "../../../../convex/_generated/api";
export { MODELS, type ModelId } from "../../../../convex/chat/models";
