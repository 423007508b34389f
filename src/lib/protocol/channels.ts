// One worker, several clients: each RpcClient gets its own MessageChannel into the same
// worker, so every client keeps its own call ids while the worker keeps one state (the model
// worker serves the engine and the trainer over one loaded base model: issue 8). A worker
// that dies dies for all: every channel sees the error and its client restarts the worker.
import type { WorkerLike } from './client';
import type { RpcSchema } from './rpc';
import { serve, type Handlers, type ServerPort } from './server';

/** The message that hands the worker a new client's port. */
interface ConnectMessage {
  kind: 'connect';
  port: MessagePort;
}

/** Worker side: serves `handlers` on the worker itself and on every port a client connects. */
export function serveChannels<S extends RpcSchema>(scope: ServerPort, handlers: Handlers<S>): void {
  serve(scope, handlers);
  scope.addEventListener('message', (e) => {
    const msg = e.data as Partial<ConnectMessage> | null;
    if (msg?.kind !== 'connect' || !msg.port) return;
    serve(msg.port, handlers);
    msg.port.start();
  });
}

type Listener = (e: Event) => void;

/** A real worker shared by the channels handed out; started on the first channel. */
export class WorkerHost {
  private worker: Worker | null = null;
  private channels = new Set<HostChannel>();

  constructor(private readonly spawn: () => Worker) {}

  /** A WorkerLike for one RpcClient (pass `() => host.channel()` as its spawn). */
  channel(): WorkerLike {
    const worker = this.ensureWorker();
    const { port1, port2 } = new MessageChannel();
    const channel = new HostChannel(port1, worker, this);
    this.channels.add(channel);
    worker.postMessage({ kind: 'connect', port: port2 } satisfies ConnectMessage, [port2]);
    return channel;
  }

  /** Stops the worker if `channel` still talks to it; every other channel sees an error. */
  terminate(channel: HostChannel): void {
    this.channels.delete(channel);
    if (channel.worker !== this.worker) return;
    this.fail('Worker stopped by another of its clients');
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = this.spawn();
    w.addEventListener('error', (e) => {
      if (w !== this.worker) return;
      e.preventDefault();
      this.fail(e.message || 'failed to load or threw');
    });
    // Fatal errors the worker reports outside any call reach the worker, not the ports.
    w.addEventListener('message', (e) => {
      if (w !== this.worker || (e.data as { kind?: string } | null)?.kind !== 'fatal') return;
      for (const c of [...this.channels]) c.deliver(e.data);
    });
    this.worker = w;
    return w;
  }

  private fail(message: string): void {
    const channels = [...this.channels];
    this.channels.clear();
    this.worker?.terminate();
    this.worker = null;
    for (const c of channels) c.crash(message);
  }
}

/** One client's end: messages go over its port; errors come from the shared worker. */
class HostChannel implements WorkerLike {
  private errorListeners: Listener[] = [];
  private messageListeners: Listener[] = [];

  constructor(
    private readonly port: MessagePort,
    readonly worker: Worker,
    private readonly host: WorkerHost,
  ) {}

  postMessage(msg: unknown, transfer: Transferable[] = []): void {
    this.port.postMessage(msg, transfer);
  }

  addEventListener(type: 'message' | 'error' | 'messageerror', fn: Listener): void {
    if (type === 'error') {
      this.errorListeners.push(fn);
      return;
    }
    if (type === 'message') this.messageListeners.push(fn);
    this.port.addEventListener(type, fn);
    this.port.start();
  }

  terminate(): void {
    this.port.close();
    this.host.terminate(this);
  }

  /** A message the worker sent to everyone (a fatal error). */
  deliver(data: unknown): void {
    const event = new MessageEvent('message', { data });
    for (const fn of this.messageListeners) fn(event);
  }

  /** The shared worker died: tell this channel's client as a Worker 'error' would. */
  crash(message: string): void {
    this.port.close();
    const event = { type: 'error', message, preventDefault() {} } as unknown as Event;
    for (const fn of this.errorListeners) fn(event);
  }
}
