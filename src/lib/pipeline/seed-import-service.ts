// Seed pairs (method.md §2 "Seed": instruction/output pairs the backward model and M0 are
// trained on): preview with the detected shape and field mapping, per-line validation errors,
// then an all-or-nothing write of the valid pairs.
import { readSeedRecords } from '../corpus/seeds/records';
import { importSeeds, type SeedFieldMapping } from '../corpus/seeds/seed-import';
import { InputError } from '../protocol/errors';
import type { Store } from '../store';
import type { Id } from '../domain';
import type { SeedImportOutcome, SeedPreview } from './ingest-protocol';

/** Line errors returned to the UI; the rest are counted. */
const maxListedErrors = 200;

export class SeedImporter {
  constructor(
    private readonly store: Store,
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
  ) {}

  async preview(
    file: File,
    mapping?: SeedFieldMapping,
    skipDuplicates = true,
  ): Promise<SeedPreview> {
    const fields = await this.fields(file);
    try {
      const parsed = await importSeeds(file, { mapping, previewSize: 5, skipDuplicates });
      return {
        file: file.name,
        fields,
        shape: parsed.shape,
        mapping: parsed.mapping ?? null,
        rows: parsed.preview.map(({ instruction, input, output }) =>
          input ? { instruction, input, output } : { instruction, output },
        ),
        valid: parsed.pairs.length,
        errors: parsed.errors.slice(0, maxListedErrors),
        duplicates: parsed.duplicates.slice(0, maxListedErrors),
        problem: parsed.pairs.length ? null : `${file.name}: no valid seed pair in the file`,
      };
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return {
        file: file.name,
        fields,
        shape: null,
        mapping: null,
        rows: [],
        valid: 0,
        errors: [],
        duplicates: [],
        problem: err.message,
      };
    }
  }

  async importFile(
    workspaceId: Id,
    file: File,
    mapping?: SeedFieldMapping,
    skipDuplicates = true,
  ): Promise<SeedImportOutcome> {
    const parsed = await importSeeds(file, { mapping, skipDuplicates });
    if (!parsed.pairs.length) {
      const first = parsed.errors[0];
      throw new InputError(first ? first.message : 'no valid seed pair in the file', {
        file: file.name,
        ...(first ? { line: first.line } : {}),
      });
    }
    await this.store.seeds.addMany(workspaceId, parsed.pairs);
    return {
      imported: parsed.pairs.length,
      duplicatesSkipped: skipDuplicates ? parsed.duplicates.length : 0,
      errors: parsed.errors.slice(0, maxListedErrors),
      moreErrors: Math.max(0, parsed.errors.length - maxListedErrors),
    };
  }

  async importFromUrl(workspaceId: Id, url: string): Promise<SeedImportOutcome> {
    const res = await this.fetchFn(url);
    if (!res.ok) throw new InputError(`download failed (HTTP ${res.status})`, { file: url });
    const name = url.slice(url.lastIndexOf('/') + 1) || 'seed.jsonl';
    return this.importFile(workspaceId, new File([await res.blob()], name));
  }

  /** Field names of the first records, so a failed detection can be mapped by hand. */
  private async fields(file: File): Promise<string[]> {
    try {
      const records = await readSeedRecords(file, []);
      const keys = new Set<string>();
      for (const r of records.slice(0, 50))
        if (r.value && typeof r.value === 'object' && !Array.isArray(r.value))
          for (const k of Object.keys(r.value)) keys.add(k);
      return [...keys];
    } catch {
      return [];
    }
  }
}
