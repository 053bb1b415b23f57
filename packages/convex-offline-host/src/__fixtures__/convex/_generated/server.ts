// Hand-written stand-in for codegen output (a tiny app for the protocol tests).
export {
  queryGeneric as query,
  mutationGeneric as mutation,
  actionGeneric as action,
  internalMutationGeneric as internalMutation,
  httpActionGeneric as httpAction,
} from "convex/server";
