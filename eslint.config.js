// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

// The floors of lib/, from the bottom up (docs/architecture.md): a module may
// import its own floor and the floors below it, never one above. A floor is
// folders and files of lib/, written as globs (the rule takes globs or paths,
// not both).
const floor = (...rooms) => rooms.map((room) => (room.endsWith('/') ? `lib/${room}**` : `lib/@(${room}).ts`));
const FLOORS = [
  floor('errno', 'validate', 'deferred', 'logger', 'inner-subscriber', 'signal-name', 'command-fields', 'command'),
  floor('fs/'),
  floor('policy/'),
  floor('process/'),
  floor('events'),
  floor('output/'),
  floor('checks/'),
  floor('options'),
  floor('snapshot/'),
  floor('daemon/'),
  // Prometheus text from daemons' states: the manager's control.sock answers with it.
  floor('metrics/'),
  floor('manager/'),
  floor('testing/'),
  floor('cli/'),
  floor('index'),
];

/** One zone per floor: nothing in it may import from a floor above. */
const upwardImports = FLOORS.slice(0, -1).map((rooms, index) => ({
  target: rooms,
  from: FLOORS.slice(index + 1).flat(),
  message: 'lib/ is built in floors (docs/architecture.md): a module imports only its own floor and those below.',
}));

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      'no-console': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // no-cycle reads each imported module: it parses .ts with the TypeScript parser.
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // The sources import './x.js' for './x.ts', as Node's ESM wants of the compiled output.
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: upwardImports }],
      // It sees imports of values; spec/import-cycles.spec.ts also counts `import type`.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false } },
    // Plain JS here runs on Node, whose globals ESLint does not know.
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-undef': 'off' },
  },
);
