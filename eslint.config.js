import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
    },
  },
  {
    // One module reads the environment, validates it and gives safe defaults (server/platform/config.ts).
    files: ['server/**/*.ts'],
    ignores: ['server/platform/config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through server/platform/config.ts, the only reader of the environment.' },
      ],
      // A module past 400 lines holds more than one thing: split it by what its parts are about (CONTRIBUTING.md).
      'max-lines': ['error', { max: 400 }],
    },
  },
  {
    files: ['public/js/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', getComputedStyle: 'readonly', Chart: 'readonly', URL: 'readonly', setTimeout: 'readonly', performance: 'readonly', fetch: 'readonly', navigator: 'readonly', module: 'readonly' },
    },
  },
);
