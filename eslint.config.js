// Lint rules: recommended + type-aware checks that catch real bugs (floating promises, misused awaits).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "engine/", "models/", "**/*.d.ts", "runs/", ".qreason/", ".gpu/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-properties": ["error",
        { object: "process", property: "exit", message: "Only src/cli/main.ts exits the process." },
        { object: "process", property: "env", message: "Read configuration at the edge (src/cli/)." }],
    },
  },
  {
    files: ["src/cli/**/*.ts", "src/testing/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts", "**/*.test.ts"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    // node:test's test()/describe() return promises the runner itself awaits.
    files: ["**/*.test.ts"],
    rules: { "@typescript-eslint/no-floating-promises": "off" },
  },
  { files: ["**/*.js"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
);
