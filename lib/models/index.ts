// The pure part of lib/models: tensor specs, names, groups, counts, initial values and state-dict
// checks, with no tfjs. The tfjs network is imported from "./resnet" by the code that runs it.
export * from "./arch";
export * from "./groups";
export * from "./init";
export * from "./state-dict";
export * from "./names";
