export * from './errors';
export * from './progress';
export * from './rpc';
export { RpcClient, type CallOptions, type WorkerLike, type RpcClientOptions } from './client';
export {
  serve,
  reportFatalErrors,
  type CallContext,
  type Handlers,
  type ServerPort,
} from './server';
