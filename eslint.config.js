import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

/**
 * The tfjs line (ARCHITECTURE.md): pure maths, figure builders, the run's schema, the server's
 * pure modules and the pages never import tfjs, the engine, the evaluator or the model builder
 * (lib/models/resnet.ts with its forward passes *-net.ts and forward-ops.ts, also re-exported
 * by the lib/models barrel). Only lib/server/compute.ts,
 * which routes import lazily on a cache miss, crosses it.
 */
const TFJS_LINE = {
  patterns: [
    { regex: "^@tensorflow/", message: "tfjs is loaded only by lib/engine, lib/eval, the model builder, the trainer and lib/server/compute." },
    { regex: "(^|/)engine(/|$)", message: "lib/engine loads tfjs: keep it out of pure modules and pages." },
    { regex: "(^|/)eval(/|$)", message: "lib/eval runs networks (tfjs): reach it through lib/server/compute, imported lazily." },
    { regex: "(^|/)models/(resnet|[\\w-]+-net|forward-ops)$", message: "the model builder loads tfjs: import architecture specs from lib/models/arch (or vgg, torchvision-resnet, torchvision-vgg)." },
    { regex: "(^|/)models(/index)?$", message: "the lib/models barrel re-exports the model builder (tfjs): import lib/models/arch, groups or state-dict." },
  ],
};

export default tseslint.config(
  { ignores: ["node_modules/", ".next/", "native/build/", "data/", "runs/", "test-artifacts/", "next-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["lib/analysis/**", "lib/charts/**", "lib/run/**", "lib/server/**", "app/**"],
    ignores: ["lib/server/compute.ts"],
    rules: { "no-restricted-imports": ["error", TFJS_LINE] },
  },
  {
    files: ["app/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
);
