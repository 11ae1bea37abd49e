// `npm run lint`: typescript-eslint's recommended rules and the layer rule (README "Layout").
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The layers, bottom up, and the layers each may import besides its own. The game rules are a layer
// inside the server's folder.
const LAYERS = {
  core: { is: ['src/core'], uses: [] },
  protocol: { is: ['src/protocol'], uses: ['core'] },
  rules: { is: ['src/server/games'], uses: ['core', 'protocol'] },
  server: { is: ['src/server'], uses: ['core', 'protocol', 'rules'] },
  client: { is: ['src/client'], uses: ['core', 'protocol'] },
  // Envs host embedded servers and play the rules; src/games joins each game's rules, adapter and bots.
  env: { is: ['src/env', 'src/games'], uses: ['core', 'protocol', 'rules', 'server', 'client'] },
  vector: { is: ['src/vector'], uses: ['core', 'protocol', 'rules', 'server', 'client', 'env'] },
  api: { is: ['src/index.ts'], uses: ['core', 'protocol', 'rules', 'server', 'client', 'env', 'vector'] },
  agents: { is: ['agents'], uses: ['core', 'protocol', 'rules', 'server', 'client', 'env', 'vector', 'api'] },
  scripts: { is: ['scripts'], uses: ['core', 'protocol', 'rules', 'server', 'client', 'env', 'vector', 'api', 'agents'] },
};
const TEST_SUPPORT = ['src/testing', 'agents/testing'];
const TESTS = ['**/*.test.ts', ...TEST_SUPPORT.map((dir) => `${dir}/**`)];
const LAYER_RULE = 'layers: core <- protocol <- client <- env <- vector <- agents <- scripts; the server on core, protocol and the game rules; see README "Layout"';

/** A layer's zones: it may import nothing of ours but its own layer and the layers it uses, and never test support. */
function zonesOf(name) {
  const allowed = [name, ...LAYERS[name].uses].flatMap((layer) => LAYERS[layer].is);
  const forbidden = Object.keys(LAYERS).flatMap((layer) => (allowed.includes(LAYERS[layer].is[0]) ? [] : LAYERS[layer].is));
  const target = LAYERS[name].is.map((dir) => (dir.endsWith('.ts') ? dir : `${dir}/**`));
  const message = `${name} may import only ${[name, ...LAYERS[name].uses].join(', ')} (${LAYER_RULE})`;
  // no-restricted-paths names the allowed folders inside a forbidden one as `except`, relative to it.
  return [...forbidden, ...TEST_SUPPORT, 'experiments'].map((from) => ({
    target,
    from,
    except: allowed.filter((dir) => dir.startsWith(`${from}/`)).map((dir) => `./${dir.slice(from.length + 1)}`),
    message,
  }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'experiments/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs'] })] },
    rules: {
      // Left to tsc (noUnusedLocals is a compiler option) and to review: `any` at JSON boundaries.
      '@typescript-eslint/no-unused-vars': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // A `let` that a closure reads before its one assignment, or destructured beside names that change, stays a let.
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['src/**', 'agents/**', 'scripts/**'],
    ignores: TESTS,
    rules: { 'import-x/no-restricted-paths': ['error', { zones: Object.keys(LAYERS).flatMap(zonesOf) }] },
  },
  {
    // Tests may cross layers (a server test drives a real client), never up into the CLI.
    files: ['src/**/*.test.ts', 'agents/**/*.test.ts', ...TEST_SUPPORT.map((dir) => `${dir}/**`)],
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: [{ target: ['src/**', 'agents/**'], from: 'scripts', message: 'src/ and agents/ never import the CLI (scripts/)' }] }],
    },
  },
);
