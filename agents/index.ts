// The public API of `game-server-gym/agents`: learners, the trainer, evaluation, tournaments and collection.
export type { Learner, LearnerSpec, LearnStats, TransitionBatch } from './agent.ts';
export { AGENT_NAMES, createLearner, loadLearner } from './training/registry.ts';
export type { AgentName } from './training/registry.ts';
export { DqnAgent } from './dqn/dqn.ts';
export { DQN_DEFAULTS, DqnConfigSchema, resolveDqnConfig } from './dqn/config.ts';
export type { DqnConfig } from './dqn/config.ts';
export { PpoAgent } from './ppo/ppo.ts';
export { PPO_DEFAULTS, PpoConfigSchema, resolvePpoConfig } from './ppo/config.ts';
export type { PpoConfig } from './ppo/config.ts';
export { TabularQAgent } from './tabular-q/tabular-q.ts';
export { TABULAR_Q_DEFAULTS, TabularQConfigSchema, resolveTabularQConfig } from './tabular-q/config.ts';
export type { TabularQConfig } from './tabular-q/config.ts';
export { MenaceAgent } from './menace/menace.ts';
export { MENACE_DEFAULTS, MenaceConfigSchema, resolveMenaceConfig } from './menace/config.ts';
export type { MenaceConfig } from './menace/config.ts';
export { BotAgent, botAgent } from './bots.ts';
export type { BotName } from './bots.ts';
export { initBackend, describeBackend } from './tf/backend.ts';
export type { BackendChoice, BackendName } from './tf/backend.ts';

export { TRAIN_DEFAULTS, resolveTrainConfig, train } from './training/trainer.ts';
export type { TrainConfig, TrainHooks, TrainOpponent, TrainResult } from './training/trainer.ts';
export { evaluatePolicy } from './training/evaluate.ts';
export type { EvaluateOptions, EvaluationResult, ResultCounts } from './training/evaluate.ts';
export { TOURNAMENT_DEFAULTS, resolveTournamentConfig, runTournament, tournamentMarkdown, writeTournament } from './tournament/tournament.ts';
export type { AgentInfo, PairResult, ScoreResult, TournamentConfig, TournamentHooks, TournamentResult } from './tournament/tournament.ts';
export { COLLECT_DEFAULTS, collect, resolveCollectConfig, summaryLine } from './collect/collect.ts';
export type { CollectConfig, CollectHooks, CollectResult } from './collect/collect.ts';
