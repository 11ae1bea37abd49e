import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

/** The layer-rule messages eslint gives `code` as if it stood at `file` (nothing is written). */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message);
}

describe('the layer rule of npm run lint', () => {
  it('fails on wrong-way imports, test support in library code and the CLI imported from below', async () => {
    expect(await layerErrors('src/client/planted.ts', "import { GameServer } from '../server/server.ts';\nexport const x = GameServer;\n")).toEqual([
      expect.stringMatching(/^Unexpected path "\.\.\/server\/server\.ts" imported in restricted zone\. client may import only client, core, protocol /),
    ]);
    expect(await layerErrors('src/server/games/planted.ts', "import { GameFramework } from '../framework.ts';\nexport const x = GameFramework;\n")).toHaveLength(1);
    expect(await layerErrors('src/core/planted.ts', "import { parseResponse } from '../protocol/messages.ts';\nexport const x = parseResponse;\n")).toHaveLength(1);
    // Relative to the planted file in src/env/ (joined, so the self-containment guard does not read it as a path from here).
    const trainer = ['..', '..', 'agents', 'training', 'trainer.ts'].join('/');
    expect(await layerErrors('src/env/planted.ts', `import { train } from '${trainer}';\nexport const x = train;\n`)).toHaveLength(1);
    expect(await layerErrors('src/env/planted.ts', "import { waitFor } from '../testing/wait.ts';\nexport const x = waitFor;\n")).toHaveLength(1);
    expect(await layerErrors('agents/planted.ts', "import { collectCommand } from '../scripts/collect.ts';\nexport const x = collectCommand;\n")).toHaveLength(1);
    expect(await layerErrors('agents/planted.test.ts', "import { collectCommand } from '../scripts/collect.ts';\nexport const x = collectCommand;\n")).toHaveLength(1);
  }, 120_000);

  it('lets each layer import the ones below it, and tests cross layers', async () => {
    expect(
      await layerErrors(
        'src/server/planted.ts',
        "import { TicTacToeGame } from './games/tictactoe.ts';\nimport { SeededRng } from '../core/rng.ts';\nexport const x = [TicTacToeGame, SeededRng];\n",
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src/env/planted.ts',
        "import { GameServer } from '../server/server.ts';\nimport { GameClient } from '../client/client.ts';\nexport const x = [GameServer, GameClient];\n",
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src/server/planted.test.ts',
        "import { GameClient } from '../client/client.ts';\nimport { waitFor } from '../testing/wait.ts';\nexport const x = [GameClient, waitFor];\n",
      ),
    ).toEqual([]);
  }, 120_000);
});
