// A method role's model (Workspace.roles) as the Augment/Curate stages load it: a role on the
// user's own OpenAI-compatible server is loaded through the server engine at the assigned URL
// (with the API key held in memory), and a role without its URL is a clear error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/lib/protocol/errors';
import { roleModelLoader } from '../../../src/lib/state/role-models';
import type { RoleAssignment } from '../../../src/lib/domain';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../helpers/openai-test-server';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await startOpenAiTestServer({ models: ['tiny-fake'], apiKey: 'sk-role' });
});
afterAll(() => server.close());

const role = (serverUrl?: string): RoleAssignment => ({
  engine: 'server',
  source: 'server',
  modelId: 'tiny-fake',
  ...(serverUrl ? { serverUrl } : {}),
  assignedAt: 1,
});

describe('roleModelLoader', () => {
  it('loads a server role at its URL with the in-memory API key, and generates there', async () => {
    const load = roleModelLoader({
      fake: false,
      adapterSpec: async () => {
        throw new Error('unused');
      },
      serverApiKey: () => 'sk-role',
    });
    const { engine, model } = await load('backward', role(server.baseUrl));
    expect(engine.kind).toBe('server');
    expect(model.lineage.engine).toBe('server');
    expect(model.label).toBe('tiny-fake');
    const prompt = [{ role: 'user' as const, content: 'Write an instruction.' }];
    const got = await engine.generate({ prompt, maxTokens: 4, temperature: 0 });
    const want = await server
      .engine('tiny-fake')
      .generate({ prompt, maxTokens: 4, temperature: 0 });
    expect(got.text).toBe(want.text);
    // The same role again reuses the loaded engine.
    expect((await load('backward', role(server.baseUrl))).engine).toBe(engine);
  });

  it('refuses a server role without a URL, naming the role', async () => {
    const load = roleModelLoader({
      fake: false,
      adapterSpec: async () => {
        throw new Error('unused');
      },
    });
    const err = await load('rater', role()).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/rater role's server has no URL/);
  });
});
