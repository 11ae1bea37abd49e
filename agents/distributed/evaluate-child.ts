// An actor process of `evaluate --actors N` (see evaluate.ts): loads the tournament's agents and plays the units its parent sends.
import { openTournament, playUnit, type OpenTournament, type TournamentConfig } from '../tournament/tournament.ts';
import { GameGymError } from '../../src/core/errors.ts';
import type { EvaluateActorReply, EvaluateActorRequest } from './evaluate.ts';

let opened: OpenTournament | undefined;
let config: TournamentConfig | undefined;

function send(message: EvaluateActorReply): void {
  process.send?.(message);
}

// An actor whose parent is gone (killed, crashed) has no one to report to.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: EvaluateActorRequest) => {
  const work = async (): Promise<void> => {
    if (message.type === 'open') {
      config = message.config;
      opened = await openTournament(config);
      send({ type: 'ready' });
    } else if (message.type === 'unit') {
      if (!opened || !config) throw new GameGymError('E_ACTOR', 'a unit before the tournament was opened');
      send({ type: 'result', index: message.unit.index, result: await playUnit(message.unit, opened, config) });
    } else if (message.type === 'close') {
      for (const a of opened?.agents ?? []) a.dispose();
      process.exit(0);
    }
  };
  work().catch((error: unknown) => {
    send({ type: 'error', code: error instanceof GameGymError ? error.code : 'E_ACTOR', message: error instanceof Error ? error.message : String(error) });
  });
});
