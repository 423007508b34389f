// One worker of the ingest pool: segmentation, filters and MinHash for groups of documents.
import { serveSegmenter } from '../src/lib/pipeline/segmenter-service';

serveSegmenter(self as unknown as Parameters<typeof serveSegmenter>[0]);
