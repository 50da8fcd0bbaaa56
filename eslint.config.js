// Lint rules: ESLint's and typescript-eslint's recommended sets, without type information so that lint stays fast.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The domain modules (docs/architecture.md). Platform and the settings sit below them; src/app/ wires them above. */
const MODULES = ['activity', 'agreements', 'directory', 'filtering', 'filternode', 'incidents', 'monitoring'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'ui/dist/', 'data/', 'scratch/', '.test-cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Module walls (issue 12): platform and config.ts import no domain module and not the composition root.
    files: ['src/platform/**/*.ts', 'src/config.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{
        regex: `^(\\.\\.?/)+(${MODULES.join('|')}|app)/`,
        message: 'Platform (and config.ts) must not import a domain module or src/app/: take what you need as a parameter or an interface (see src/platform/people.ts), and let src/app/ wire it.',
      }] }],
    },
  },
  // A module imports another only through its front door (src/<module>/index.ts), and never the composition root.
  ...MODULES.map((m) => ({
    files: [`src/${m}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        {
          regex: '^(\\.\\./)+app/',
          message: 'A module must not import the composition root (src/app/): the root calls the module, not the other way round.',
        },
        {
          regex: `^(\\.\\./)+(${MODULES.filter((o) => o !== m).join('|')})/(?!index\\.ts$)`,
          message: 'Import another module through its front door (its index.ts), not its files: add what you need to that index.ts if it belongs to the module\'s public face.',
        },
      ] }],
    },
  })),
  // One schema per payload (issue 12): a route's request types come from its schemas (src/platform/http.ts OspreyApp),
  // never from a cast that could say something the schema does not check.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "TSAsExpression > MemberExpression.expression[object.name='req'][property.name=/^(body|params|query)$/]",
        message: 'Do not cast req.body, req.params or req.query: give the route TypeBox schemas (the module\'s schemas.ts) and Fastify types them for you.',
      }],
    },
  },
  // Stores return rows typed by Kysely (Selectable<…>) and map them to domain types: a double cast hides a mismatch.
  {
    files: ['src/**/store.ts', 'src/**/*-store.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: 'TSAsExpression > TSAsExpression[typeAnnotation.type="TSUnknownKeyword"]',
        message: 'No "as unknown as" in a store: map the Selectable<…> row to the domain type field by field.',
      }],
    },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
