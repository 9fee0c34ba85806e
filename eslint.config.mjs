// Flat config: recommended TypeScript rules without type information (fast enough to run on
// every `npm test`), plus the layering rule that keeps `vscode` out of the client and domain.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/', 'dist/', 'node_modules/', '.vscode-test/', 'test-results/', 'bench-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Narrowing after a check the compiler cannot follow is sometimes the clearest code.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Fakes and tests build loosely typed JSON; `any` is still flagged, as a warning.
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-empty-function': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // mocha's `function () { this.timeout(...) }` and chai-free assertions need neither.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    files: ['src/databricks/**/*.ts', 'src/onboarding/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The client and domain layers must not depend on VS Code; keep vscode in src/vscode/.' }],
          patterns: [{ group: ['**/vscode/**', '../vscode', '../vscode/*'], message: 'The client and domain layers must not import the VS Code layer.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
);
