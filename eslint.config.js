// ESLint flat config: typescript-eslint on every TypeScript file and Nx module boundaries between projects.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Packages and node built-ins that do I/O: a codec library must never import them.
const ioModules = [
  '@grpc/grpc-js',
  'ioredis',
  'kafkajs',
  'pino',
  'lmdb',
  'pkcs11js',
  'fastify',
  'testcontainers',
  'prom-client',
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:http2',
  'node:https',
  'node:tls',
  'node:dgram',
  'node:child_process',
  'node:worker_threads',
  'fs',
  'net',
  'http',
  'https',
  'tls',
  'child_process',
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.nx/**',
      'data/**',
      'coverage/**',
      'libs/proto/src/gen/**',
      '**/__fixtures__/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:codec',
              onlyDependOnLibsWithTags: ['type:codec'],
              bannedExternalImports: ioModules,
            },
            { sourceTag: 'type:proto', onlyDependOnLibsWithTags: [] },
            {
              sourceTag: 'type:util',
              onlyDependOnLibsWithTags: ['type:codec', 'type:proto', 'type:util', 'type:testing'],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:codec', 'type:proto', 'type:util', 'type:testing'],
            },
            // Services never import each other: they talk gRPC and events. The console serves the web app's bundle.
            {
              sourceTag: 'type:service',
              onlyDependOnLibsWithTags: ['type:codec', 'type:proto', 'type:util', 'type:testing', 'type:web'],
            },
            // The web console: a browser app, and the Node code that builds and locates its bundle. It bundles only the
            // libraries that declare they run in a browser (no Node built-ins).
            { sourceTag: 'type:web', onlyDependOnLibsWithTags: ['platform:browser'] },
            { sourceTag: 'type:launcher', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    // Nx's bannedExternalImports covers npm packages; node's own I/O modules are banned here for the codec libs.
    files: ['libs/lorawan/src/**/*.ts', 'libs/backend-interfaces/src/**/*.ts', 'libs/errors/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules
            .filter(
              (name) =>
                name.startsWith('node:') ||
                (!name.includes('/') &&
                  !name.startsWith('@') &&
                  ['fs', 'net', 'http', 'https', 'tls', 'child_process'].includes(name)),
            )
            .map((name) => ({ name, message: 'codec libraries do no I/O (ADR 0001)' })),
        },
      ],
    },
  },
  {
    files: ['scripts/**', 'bench/**', '**/*.test.ts', '**/*.cluster-test.ts', 'services/joinery/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  prettier,
);
