// The public API of `game-server-gym`: an explicit list, so helpers the modules share among themselves stay internal.
export {
  AbortError,
  ClientStateError,
  ConnectionRefusedError,
  ConnectionResetError,
  GameGymError,
  GameServerError,
  IllegalMoveError,
  InvalidOptionError,
  ProtocolError,
  RequestTooLargeError,
  ServerLostError,
  SessionLostError,
  TimeoutError,
  TlsError,
} from './core/errors.ts';
export { EOT, REQUEST_DEPTH_MAX, REQUEST_SIZE_MAX, decodeResponse, encodeRequest } from './protocol/framing.ts';
export { parseGameState, parseJoinData, parseObserveData, parseResponse, unwrapResponse } from './protocol/messages.ts';
export { parseRecording } from './protocol/recording.ts';
export type { RecordedExchange } from './protocol/recording.ts';
export type { HandleContext, RequestHandler } from './protocol/handler.ts';
export type {
  ErrorResponse,
  GameState,
  IllegalMoveResponse,
  JoinData,
  JoinRequest,
  Json,
  JsonObject,
  MoveRequest,
  ObserveData,
  ObserveRequest,
  OkResponse,
  Request,
  RequestType,
  Response,
  RestartRequest,
  StateRequest,
} from './protocol/messages.ts';

export { GameClient } from './client/client.ts';
export type { CallOptions, ClientStats, GameClientOptions, JoinInfo } from './client/client.ts';
export { InProcessTransport } from './client/in-process.ts';
export { TcpTransport } from './client/tcp.ts';
export type { ClientTlsOptions, TcpTransportOptions } from './client/tcp.ts';
export type { RequestOptions, Transport } from './client/transport.ts';
export { watchSession } from './client/watch.ts';
export type { WatchOptions, WatchResult } from './client/watch.ts';
export { RecordingTransport, RecordingWriter } from './client/recording.ts';
export type { ClientConnectionOptions, RecordingWriterOptions } from './client/recording.ts';

export { GameServer } from './server/server.ts';
export type { GameServerOptions } from './server/server.ts';
export { GameFramework } from './server/framework.ts';
export type { FrameworkOptions, ServerEvent } from './server/framework.ts';
export { ReplayServer, startReplayServer } from './server/replay.ts';
export type { ReplayOptions, ReplayStats, StartReplayOptions } from './server/replay.ts';
export { SeededRng, randomSeed } from './core/rng.ts';
export { deriveSeed } from './core/seeds.ts';
export { GameRegistry, defaultGames } from './server/games/registry.ts';
export type { Game, GameDefinition, Rng } from './server/games/game.ts';
export { Chat, ChatGame } from './server/games/chat.ts';
export { Echo, EchoGame } from './server/games/echo.ts';
export { TicTacToe, TicTacToeGame } from './server/games/tictactoe.ts';
export { YAHTZEE_CATEGORIES, Yahtzee, YahtzeeGame, yahtzeeScore, yahtzeeTotal } from './server/games/yahtzee.ts';
export type { YahtzeeCategories, YahtzeeCategory } from './server/games/yahtzee.ts';

export { GameEnv, GameStuckError, WrappedGameEnv, make, makeEnv, makeSelfPlayEnvs } from './env/env.ts';
export type { Env, EnvOptions, EpisodeStats, GameEnvOptions, StepInfo, StepResult } from './env/env.ts';
export { ActionMask, IllegalActionPolicy, NormalizeObservation, ObservationWrapper, RecordEpisodeStatistics, TimeLimit, Wrapper, maskedSample } from './env/wrappers.ts';
export type { IllegalActionMode, NormalizationState } from './env/wrappers.ts';
export { adapterFactory, adapterNames, registerAdapter } from './env/adapter.ts';
export type { Adapter, AdapterFactory, EpisodeOutcome, SeatInfo, Symmetry } from './env/adapter.ts';
export { rawAdapter } from './env/adapters/raw.ts';
export type { RawAdapterOptions } from './env/adapters/raw.ts';
export { simpleAdapter } from './env/adapters/simple.ts';
export type { SimpleAdapterSpec } from './env/adapters/simple.ts';
export { TicTacToeAdapter } from './env/adapters/tictactoe.ts';
export { YAHTZEE_ACTIONS, YAHTZEE_ADD, YAHTZEE_CROSS, YAHTZEE_OBS, YAHTZEE_REROLLS, YahtzeeAdapter, diceOrder, rerollAction, rerollDice } from './env/adapters/yahtzee.ts';
export { MinimaxPolicy, RandomPolicy, YahtzeeGreedyPolicy, randomLegal } from './env/bots.ts';
export { botPolicy } from './env/opponents.ts';
export type { OpponentSpec } from './env/opponents.ts';
export type { Policy } from './env/policy.ts';
export type { ServerSpec } from './env/server-ref.ts';
export { Box, DEFAULT_SPACE_SEED, Dict, Discrete, JsonSpace, MultiBinary, MultiDiscrete, flatDim, flatten, spaceFromJSON } from './env/spaces.ts';
export type { BoundJson, MaskArray, SampleOptions, Space, SpaceJson } from './env/spaces.ts';
export { EnvCheckError, checkEnv } from './env/check-env.ts';
export type { CheckEnvOptions, CheckEnvReport } from './env/check-env.ts';

export { AsyncVectorEnv, VectorEnvError } from './vector/async-vector.ts';
export type { AsyncVectorEnvOptions, AutoresetMode, VectorBatch } from './vector/async-vector.ts';
export { SessionAEC } from './vector/aec.ts';
export type { AECLast, SessionAECOptions } from './vector/aec.ts';

export { DEFAULT_GAME } from './games/builtins.ts';
export { GameSpecError, UnknownGameError, botNames, findGame, getGame, listGames, makeBot, register, registerBot } from './games/registry.ts';
export type { BotFactory, GameSpec, RegisteredGame } from './games/registry.ts';
export { PluginError, loadPlugin, loadPlugins } from './games/plugins.ts';
export type { PluginApi } from './games/plugins.ts';
