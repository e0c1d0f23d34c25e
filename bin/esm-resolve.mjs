// tfjs publishes its ESM builds with extensionless relative imports ("./ops" for "./ops/index.js"),
// which bundlers accept and Node does not. This hook retries those imports the bundler way, only
// inside @tensorflow packages, so `register_all_gradients` (not in the CommonJS build) loads in Node.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    const fixable = e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "ERR_UNSUPPORTED_DIR_IMPORT";
    if (!fixable || !specifier.startsWith(".") || !context.parentURL?.includes("/node_modules/@tensorflow/")) throw e;
    for (const suffix of [".js", "/index.js"]) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        // try the next form
      }
    }
    throw e;
  }
}
