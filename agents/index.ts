// The public API of `game-server-gym/agents`: learners, the trainer, evaluation, tournaments and collection.
export type { Learner, LearnerSpec, LearnStats, TransitionBatch } from './agent.ts';
export { AGENT_NAMES, createLearner, loadLearner } from './training/registry.ts';
export type { AgentName } from './training/registry.ts';
export { DQN_DEFAULTS, DqnAgent, resolveDqnConfig } from './dqn.ts';
export type { DqnConfig } from './dqn.ts';
export { PPO_DEFAULTS, PpoAgent, resolvePpoConfig } from './ppo.ts';
export type { PpoConfig } from './ppo.ts';
export { TABULAR_Q_DEFAULTS, TabularQAgent, resolveTabularQConfig } from './tabular-q.ts';
export type { TabularQConfig } from './tabular-q.ts';
export { MENACE_DEFAULTS, MenaceAgent, resolveMenaceConfig } from './menace.ts';
export type { MenaceConfig } from './menace.ts';
export { BotAgent, botAgent } from './bots.ts';
export type { BotName } from './bots.ts';
export { initBackend, describeBackend } from '../src/tf/backend.ts';
export type { BackendChoice, BackendName } from '../src/tf/backend.ts';

export { TRAIN_DEFAULTS, resolveTrainConfig, train } from './training/trainer.ts';
export type { TrainConfig, TrainHooks, TrainOpponent, TrainResult } from './training/trainer.ts';
export { evaluatePolicy } from './training/evaluate.ts';
export type { EvaluateOptions, EvaluationResult, ResultCounts } from './training/evaluate.ts';
export { TOURNAMENT_DEFAULTS, resolveTournamentConfig, runTournament } from './tournament/tournament.ts';
export { tournamentMarkdown, writeTournament } from './tournament/report.ts';
export type { AgentInfo, PairResult, ScoreResult, TournamentConfig, TournamentHooks, TournamentResult } from './tournament/tournament.ts';
export { COLLECT_DEFAULTS, collect, resolveCollectConfig, summaryLine } from './collect/collect.ts';
export type { CollectConfig, CollectHooks, CollectResult } from './collect/collect.ts';
