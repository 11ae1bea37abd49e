import type { CommandModule } from 'yargs';
import type { SpaceJson } from '../src/env/spaces.ts';
import { listGames } from '../src/games/registry.ts';

/** `game-gym games`: the registered games (built-in and from plugins). */
export const gamesCommand: CommandModule<object, { json: boolean }> = {
  command: 'games',
  describe: 'List the registered games (built-ins and --plugin ones): ids, players, spaces, bots, embedded or remote rules',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON instead of a table' }) as never,
  handler: (args) => {
    const rows = listGames().map((g) => {
      const adapter = g.adapter();
      return {
        name: g.name,
        ids: g.ids,
        players: g.players,
        observation: describeSpace(adapter.observationSpace.toJSON()),
        action: describeSpace(adapter.actionSpace.toJSON()),
        bots: Object.keys(g.bots),
        evalOpponents: g.evalOpponents,
        results: g.results,
        rules: g.rules ? 'embedded' : 'remote only',
        source: g.source,
        description: g.description,
      };
    });
    if (args.json) {
      console.log(JSON.stringify(rows, null, 2));
      return;
    }
    console.log('| game | ids | players (default, min-max) | observation | action | bots | results | rules | from |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      const p = r.players;
      console.log(
        `| ${r.name} | ${r.ids.join(', ')} | ${p.default} (${p.min}-${p.max}) | ${r.observation} | ${r.action} | ${r.bots.join(', ')} | ${r.results} | ${r.rules} | ${r.source} |`,
      );
    }
  },
};

function describeSpace(s: SpaceJson): string {
  switch (s.type) {
    case 'Discrete':
      return `Discrete(${s.n})`;
    case 'Box': {
      const bound = (b: SpaceJson & { type: 'Box' } extends never ? never : typeof s.low): string => (Array.isArray(b) ? '..' : String(b));
      return `Box(${bound(s.low)}, ${bound(s.high)}, [${s.shape.join(', ')}])`;
    }
    case 'MultiDiscrete':
      return `MultiDiscrete([${s.nvec.join(', ')}])`;
    case 'MultiBinary':
      return `MultiBinary(${s.n})`;
    case 'Dict':
      return `Dict(${Object.keys(s.spaces).join(', ')})`;
    case 'Json':
      return 'raw JSON';
  }
}
