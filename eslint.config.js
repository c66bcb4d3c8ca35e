// Lint configuration: TypeScript rules plus the environment-folder rule (see docs/architecture.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// src/common may run anywhere (Node, browser, Electron renderer): no Node built-ins, no DOM, no electron.
const commonRestrictions = {
  paths: [...nodeBuiltins.map((name) => ({ name, message: 'src/common runs in every environment: no Node built-ins.' })),
    { name: 'electron', message: 'src/common runs in every environment: no electron.' }],
  patterns: [{ group: ['**/node/**', '**/browser/**', '../../electron/**'], message: 'src/common may import only src/common.' }],
};
// src/browser runs in a web page: no Node built-ins, no electron, nothing from src/node.
const browserRestrictions = {
  paths: [...nodeBuiltins.map((name) => ({ name, message: 'src/browser runs in a web page: no Node built-ins.' })),
    { name: 'electron', message: 'src/browser runs in a web page: use the preload API, not electron.' }],
  patterns: [{ group: ['**/node/**'], message: 'src/browser may import src/common and src/browser only.' }],
};

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'plugin-shim/', 'native/', 'tools/', 'test/.material/', '.cache/', 'src/browser/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/common/**/*.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: {
      'no-restricted-imports': ['error', commonRestrictions],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', '__dirname', 'require', 'navigator'],
    },
  },
  {
    files: ['src/browser/**/*.ts', 'src/browser/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', browserRestrictions],
      'no-restricted-globals': ['error', 'process', 'Buffer', '__dirname', 'require'],
    },
  },
);
