// Errors cross the worker boundary as data (SerializedError) and are rebuilt as the same
// named classes on the other side, so callers can `instanceof` them and show specific,
// actionable messages (style.md §3.3; web-llm loses its error classes by stringifying).

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Structured fields of the specific class (file, line, neededBytes, ...). */
  data?: Record<string, unknown>;
}

/** Base class: every error the app raises on purpose. `data` holds the structured fields. */
export class AppError extends Error {
  override name = 'AppError';
  data: Record<string, unknown>;
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.data = data;
  }
}

/** No usable WebGPU adapter: the app falls back to wasm where it can. */
export class WebGpuUnavailableError extends AppError {
  override name = 'WebGpuUnavailableError';
}

/** The browser lacks something the app needs (IndexedDB, workers, streams). */
export class UnsupportedBrowserError extends AppError {
  override name = 'UnsupportedBrowserError';
}

/** Storage is full. `neededBytes` is how much more space the write wanted, when known. */
export class QuotaExceededError extends AppError {
  override name = 'QuotaExceededError';
  get neededBytes(): number | undefined {
    return this.data.neededBytes as number | undefined;
  }
  get availableBytes(): number | undefined {
    return this.data.availableBytes as number | undefined;
  }
}

/** A model could not be downloaded, parsed or placed on the device. */
export class ModelLoadError extends AppError {
  override name = 'ModelLoadError';
  get modelId(): string | undefined {
    return this.data.modelId as string | undefined;
  }
}

/** Bad user input. Names the file and, where it applies, the line, record or field. */
export class InputError extends AppError {
  override name = 'InputError';
  constructor(
    message: string,
    where: { file?: string; line?: number; record?: number; field?: string } = {},
  ) {
    super(InputError.describe(message, where), { ...where, reason: message });
  }
  get file(): string | undefined {
    return this.data.file as string | undefined;
  }
  get line(): number | undefined {
    return this.data.line as number | undefined;
  }
  get record(): number | undefined {
    return this.data.record as number | undefined;
  }
  get field(): string | undefined {
    return this.data.field as string | undefined;
  }
  get reason(): string {
    return (this.data.reason as string | undefined) ?? this.message;
  }
  private static describe(
    message: string,
    where: { file?: string; line?: number; record?: number; field?: string },
  ): string {
    const at = [
      where.file,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.record !== undefined ? `record ${where.record}` : undefined,
      where.field !== undefined ? `field "${where.field}"` : undefined,
    ].filter(Boolean);
    return at.length ? `${at.join(', ')}: ${message}` : message;
  }
}

/** The job was cancelled by the user; work done before the cancel is kept. */
export class CancelledError extends AppError {
  override name = 'CancelledError';
  constructor(message = 'Cancelled') {
    super(message);
  }
}

/** The worker died (uncaught error, failed to load, out of memory) or was terminated. */
export class WorkerCrashedError extends AppError {
  override name = 'WorkerCrashedError';
}

/** Something the caller asked for does not exist (workspace, run, model). */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
}

/**
 * Someone else changed the record this write was based on: another tab or worker runs the
 * same job. The write is refused so that no work is committed twice.
 */
export class ConflictError extends AppError {
  override name = 'ConflictError';
}

/**
 * An OpenAI-compatible server (engines/server) refused or failed a request. `url` is the
 * request's URL, `status` its HTTP status (0: no answer at all: refused, unreachable, CORS).
 */
export class ServerError extends AppError {
  override name = 'ServerError';
  get url(): string | undefined {
    return this.data.url as string | undefined;
  }
  get status(): number | undefined {
    return this.data.status as number | undefined;
  }
}

type ErrorClass = new (message: string, data?: Record<string, unknown>) => AppError;

const registry = new Map<string, ErrorClass>([
  ['AppError', AppError],
  ['WebGpuUnavailableError', WebGpuUnavailableError],
  ['UnsupportedBrowserError', UnsupportedBrowserError],
  ['QuotaExceededError', QuotaExceededError],
  ['ModelLoadError', ModelLoadError],
  ['WorkerCrashedError', WorkerCrashedError],
  ['NotFoundError', NotFoundError],
  ['ConflictError', ConflictError],
  ['ServerError', ServerError],
]);

export function serializeError(err: unknown): SerializedError {
  if (err instanceof AppError) {
    return { name: err.name, message: err.message, stack: err.stack, data: { ...err.data } };
  }
  if (err instanceof Error) {
    // DOMException QuotaExceededError from IndexedDB/Cache Storage keeps its meaning.
    if (err.name === 'QuotaExceededError') {
      return { name: 'QuotaExceededError', message: err.message, stack: err.stack, data: {} };
    }
    if (err.name === 'AbortError') return { name: 'CancelledError', message: err.message };
    return { name: err.name || 'Error', message: err.message, stack: err.stack };
  }
  return { name: 'Error', message: typeof err === 'string' ? err : JSON.stringify(err) };
}

/** Rebuilds the named class; unknown names become a plain Error with the same name. */
export function deserializeError(s: SerializedError): Error {
  let err: Error;
  if (s.name === 'InputError') {
    const d = s.data ?? {};
    err = new InputError(
      String(d.reason ?? s.message),
      d as ConstructorParameters<typeof InputError>[1],
    );
  } else if (s.name === 'CancelledError') {
    err = new CancelledError(s.message);
  } else {
    const Cls = registry.get(s.name);
    if (Cls) err = new Cls(s.message, s.data ?? {});
    else {
      err = new Error(s.message);
      err.name = s.name;
    }
  }
  if (s.stack) err.stack = s.stack;
  return err;
}

/** True for a user-requested cancel, whichever side raised it. */
export function isCancel(err: unknown): boolean {
  return err instanceof CancelledError || (err instanceof Error && err.name === 'AbortError');
}
