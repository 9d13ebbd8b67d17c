// Real emulator responses as the gateway receives them: the OpenAI and Azure OpenAI emulators started in-process on
// loopback, sent the benchmark's request once, their body kept chunk by chunk as undici delivered it.

import { request } from 'undici';
import { startAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { startOpenAIEmulator } from '../../emulators/openai/index.ts';
import { AZURE_DIRECT_REQUEST, OPENAI_REQUEST } from '../lib/request-body.ts';
import type { TargetRequest } from '../lib/request-body.ts';

export type Cloud = 'openai' | 'azure-openai';

export async function emulatorResponse(cloud: Cloud, streaming: boolean): Promise<Buffer[]> {
  const emulator = cloud === 'openai' ? await startOpenAIEmulator({ quiet: true }) : await startAzureOpenAIEmulator({ quiet: true });
  const sent: TargetRequest = cloud === 'openai' ? OPENAI_REQUEST : AZURE_DIRECT_REQUEST;
  try {
    const response = await request(`${emulator.url}${sent.path}`, {
      method: 'POST',
      headers: sent.headers,
      body: streaming ? sent.streamingBody : sent.nonStreamingBody,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk as Buffer);
    if (response.statusCode !== 200) throw new Error(`${cloud} emulator: HTTP ${response.statusCode}: ${Buffer.concat(chunks).toString()}`);
    return chunks;
  } finally {
    await emulator.close();
  }
}
