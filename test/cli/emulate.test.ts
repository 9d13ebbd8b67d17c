/**
 * `interchange emulate` as a user's own test rig: the Azure OpenAI emulator with the user's deployments and a fixed
 * Entra bearer, the Vertex AI emulator with an opaque bearer, each announcing itself once, driven by the vendors' SDKs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, GoogleGenAI, type GoogleGenAIOptions } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { AzureOpenAI } from 'openai';
import { startCliUntil } from '../support/cli-process.ts';

const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

/** Starts `interchange emulate …`; `started` resolves with its URL once it says it listens. */
function emulate(args: string[]) {
  const child = startCliUntil(['emulate', ...args, '--port', '0'], listening);
  return { ...child, started: child.started.then((stdout) => listening.exec(stdout)![1]) };
}

/** The listening line appears once, on stdout. */
function assertAnnouncedOnce(output: { stdout: string; stderr: string }): void {
  assert.equal(output.stdout.match(/listening/g)?.length, 1, output.stdout);
  assert.doesNotMatch(output.stderr, /listening/);
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(promise, (error: { status?: number }) => {
    assert.equal(error.status, status);
    return true;
  });
}

describe('interchange emulate azure-openai --deployments --accept-token', () => {
  it('serves the given deployments to a client with the fixed Entra bearer, and no other', async () => {
    const emulator = emulate(['azure-openai', '--deployments', 'chat-prod=gpt-4o, embeddings=text-embedding-3-large', '--deployments', 'gpt-4.1', '--accept-token', 'entra-token-1']);
    try {
      const url = await emulator.started;
      const client = (deployment: string, token: string) =>
        new AzureOpenAI({ endpoint: url, apiVersion: '2024-10-21', deployment, maxRetries: 0, azureADTokenProvider: async () => token });
      const completion = await client('chat-prod', 'entra-token-1').chat.completions.create({ model: 'ignored', messages: [{ role: 'user', content: 'Say hi' }] });
      assert.equal(completion.model, 'gpt-4o-2024-11-20');
      assert.match(completion.choices[0].message.content ?? '', /deterministic reply from the gpt-4o emulator/);
      assert.equal((await client('gpt-4.1', 'entra-token-1').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] })).model, 'gpt-4.1-2025-04-14');
      const embedding = await client('embeddings', 'entra-token-1').embeddings.create({ model: 'ignored', input: 'hello' });
      assert.equal(embedding.data.length, 1);
      // Another bearer, and a deployment it was not given (a default one), are refused as Azure refuses them.
      await rejectsWithStatus(client('chat-prod', 'entra-token-2').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }), 401);
      await rejectsWithStatus(client('gpt-4o-mini', 'entra-token-1').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }), 404);
      const keyed = new AzureOpenAI({ endpoint: url, apiVersion: '2024-10-21', deployment: 'chat-prod', maxRetries: 0, apiKey: 'entra-token-1' });
      await rejectsWithStatus(keyed.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }), 401);
      assert.match(emulator.output().stdout, /deployments chat-prod \(gpt-4o\), embeddings \(text-embedding-3-large\), gpt-4\.1\)\n$/);
      assertAnnouncedOnce(emulator.output());
    } finally {
      assert.equal(await emulator.stop(), 0);
    }
  });
});

describe('interchange emulate vertex --accept-token', () => {
  it('accepts the opaque bearer it was given, and refuses another or none', async () => {
    const emulator = emulate(['vertex', '--accept-token', 'ya29.opaque-token', '--project', 'rig-project']);
    try {
      const url = await emulator.started;
      const genai = (bearer: string, project = 'rig-project') => {
        const authClient = new OAuth2Client();
        authClient.setCredentials({ access_token: bearer, expiry_date: Date.now() + 3_600_000 });
        return new GoogleGenAI({
          vertexai: true,
          project,
          location: 'us-central1',
          httpOptions: { baseUrl: url },
          googleAuthOptions: { authClient: authClient as unknown as NonNullable<GoogleGenAIOptions['googleAuthOptions']>['authClient'] },
        });
      };
      const response = await genai('ya29.opaque-token').models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hi' });
      assert.match(response.text ?? '', /deterministic reply from the gemini-2\.5-flash emulator/);
      for (const bearer of ['ya29.other-token', 'a.b.c']) {
        await assert.rejects(genai(bearer).models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }), (error: unknown) => {
          assert.ok(error instanceof ApiError);
          assert.equal(error.status, 401);
          return true;
        });
      }
      const anonymous = await fetch(`${url}/v1/projects/rig-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
      });
      assert.equal(anonymous.status, 401);
      await anonymous.text();
      // --project is the one requests must name.
      await assert.rejects(genai('ya29.opaque-token', 'interchange-demo').models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }), (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.status, 403);
        return true;
      });
      assertAnnouncedOnce(emulator.output());
    } finally {
      assert.equal(await emulator.stop(), 0);
    }
  });
});
