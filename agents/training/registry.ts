import type { Learner, LearnerSpec } from '../agent.ts';

/** The learners `train` knows, by name. */
export const AGENT_NAMES = ['dqn', 'ppo', 'tabular-q', 'menace'] as const;
/** One of `AGENT_NAMES`. */
export type AgentName = (typeof AGENT_NAMES)[number];
/** Learners that need tfjs (and so `initBackend` before loading). */
export const TFJS_AGENTS: readonly string[] = ['dqn', 'ppo'];

// Imported on demand: the tabular learners need no tfjs, and tfjs must not start before its backend is chosen.
const LOADERS: Record<
  AgentName,
  () => Promise<{
    create: (spec: LearnerSpec, config: Record<string, unknown>) => Promise<Learner> | Learner;
    fromCheckpoint: (dir: string) => Promise<Learner>;
  }>
> = {
  dqn: async () => {
    const { DqnAgent } = await import('../dqn/dqn.ts');
    return { create: (s, c) => DqnAgent.create(s, c), fromCheckpoint: (d) => DqnAgent.fromCheckpoint(d) };
  },
  ppo: async () => {
    const { PpoAgent } = await import('../ppo/ppo.ts');
    return { create: (s, c) => PpoAgent.create(s, c), fromCheckpoint: (d) => PpoAgent.fromCheckpoint(d) };
  },
  'tabular-q': async () => {
    const { TabularQAgent } = await import('../tabular-q/tabular-q.ts');
    return { create: (s, c) => TabularQAgent.create(s, c), fromCheckpoint: (d) => TabularQAgent.fromCheckpoint(d) };
  },
  menace: async () => {
    const { MenaceAgent } = await import('../menace/menace.ts');
    return { create: (s, c) => MenaceAgent.create(s, c), fromCheckpoint: (d) => MenaceAgent.fromCheckpoint(d) };
  },
};

/** Makes a fresh learner; `config` overrides the agent's defaults. */
export async function createLearner(name: AgentName, spec: LearnerSpec, config: Record<string, unknown> = {}): Promise<Learner> {
  return (await LOADERS[name]()).create(spec, config);
}

/** Loads a learner saved with `save(dir)`, ready to act and to go on learning. */
export async function loadLearner(name: AgentName, dir: string): Promise<Learner> {
  return (await LOADERS[name]()).fromCheckpoint(dir);
}

/**
 * Checks a learner's config overrides (`--agent-config`) against the
 * learner's own schema, before anything is created; throws InvalidOptionError
 * naming the field (`Expected gamma to be a number from 0 to 1, got 1.5`).
 */
export async function validateAgentConfig(name: AgentName, config: Record<string, unknown>): Promise<void> {
  const check: Record<AgentName, () => Promise<unknown>> = {
    dqn: async () => (await import('../dqn/config.ts')).resolveDqnConfig(config),
    ppo: async () => (await import('../ppo/config.ts')).resolvePpoConfig(undefined, config),
    'tabular-q': async () => (await import('../tabular-q/config.ts')).resolveTabularQConfig(config),
    menace: async () => (await import('../menace/config.ts')).resolveMenaceConfig(config),
  };
  await check[name]();
}
