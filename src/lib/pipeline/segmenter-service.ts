// The segmenter worker's side of segmenter-pool.ts (workers/segmenter.worker.ts wires it):
// prepares each group of documents and sends the results back with the signatures packed in
// one transferred buffer (no per-segment typed arrays to clone).
import { packSignatures, prepareDocument } from '../corpus/prepare';
import { serializeError } from '../protocol/errors';
import type { SegmenterRequest, SegmenterResponse } from './segmenter-pool';

interface Scope {
  addEventListener(type: 'message', fn: (ev: MessageEvent) => void): void;
  postMessage(msg: unknown, transfer: Transferable[]): void;
}

export function serveSegmenter(scope: Scope): void {
  scope.addEventListener('message', (ev) => {
    const req = ev.data as SegmenterRequest;
    let res: SegmenterResponse;
    let transfer: Transferable[] = [];
    const t0 = performance.now();
    try {
      const docs = req.docs.map((doc) => prepareDocument(doc, req.segment, req.hashing));
      const signatures = packSignatures(docs);
      res = { seq: req.seq, docs, signatures, busyMs: performance.now() - t0 };
      transfer = [signatures.buffer];
    } catch (err) {
      res = { seq: req.seq, failure: serializeError(err) };
    }
    scope.postMessage(res, transfer);
  });
}
