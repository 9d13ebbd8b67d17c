import { readFileSync } from 'node:fs';
import { startAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { startBedrockEmulator } from '../../emulators/bedrock/index.ts';
import { startOpenAIEmulator } from '../../emulators/openai/index.ts';
import { startVertexEmulator } from '../../emulators/vertex/index.ts';
import { parseCommandArgs, parsePort, waitForShutdownSignal } from './main.ts';

const clouds = ['openai', 'azure-openai', 'bedrock', 'vertex'] as const;

export async function runEmulate(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('emulate', args, {
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
    'api-key': { type: 'string' },
    fault: { type: 'string' },
    'fault-count': { type: 'string' },
    quiet: { type: 'boolean' },
    region: { type: 'string' },
    'access-key-id': { type: 'string' },
    'secret-access-key': { type: 'string' },
    project: { type: 'string' },
    'public-key-file': { type: 'string' },
  });
  const cloud = positionals[0];
  if (cloud === undefined || !(clouds as readonly string[]).includes(cloud)) {
    process.stderr.write(`Usage: interchange emulate <cloud> [--host H] [--port N] [--api-key KEY] [--fault SPEC] [--fault-count N]\nClouds: ${clouds.join(', ')}\n`);
    return 2;
  }
  const faultCount = values['fault-count'] === undefined ? undefined : Number(values['fault-count']);
  if (faultCount !== undefined && (!Number.isInteger(faultCount) || faultCount < 0)) {
    process.stderr.write('--fault-count: expected a whole number\n');
    return 2;
  }
  const options = {
    host: values.host ?? '127.0.0.1',
    port: parsePort(values.port, '--port') ?? 0,
    apiKey: values['api-key'],
    fault: values.fault,
    faultCount,
    quiet: values.quiet,
  };
  let emulator: { url: string; close(): Promise<void> };
  if (cloud === 'vertex') {
    const publicKeyFile = values['public-key-file'];
    emulator = await startVertexEmulator({
      ...options,
      project: values.project,
      publicKey: publicKeyFile === undefined ? undefined : readFileSync(publicKeyFile, 'utf8'),
    });
    process.stdout.write(
      `${cloud} emulator listening on ${emulator.url} (/v1[beta1]/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent, …/endpoints/openapi/chat/completions)\n`,
    );
  } else if (cloud === 'bedrock') {
    const accessKeyId = values['access-key-id'];
    const secretAccessKey = values['secret-access-key'];
    emulator = await startBedrockEmulator({
      ...options,
      region: values.region,
      credentials: accessKeyId !== undefined && secretAccessKey !== undefined ? [{ accessKeyId, secretAccessKey }] : undefined,
      apiKeys: values['api-key'] === undefined ? undefined : [values['api-key']],
    });
    process.stdout.write(`${cloud} emulator listening on ${emulator.url} (/model/{modelId}/converse[-stream], /openai/v1/chat/completions; SigV4 service bedrock)\n`);
  } else if (cloud === 'azure-openai') {
    emulator = await startAzureOpenAIEmulator(options);
    process.stdout.write(`${cloud} emulator listening on ${emulator.url} (endpoint; /openai/deployments/{deployment}/… and /openai/v1/…)\n`);
  } else {
    const openai = await startOpenAIEmulator(options);
    emulator = openai;
    process.stdout.write(`${cloud} emulator listening on ${openai.url} (API base ${openai.baseUrl})\n`);
  }
  await waitForShutdownSignal();
  await emulator.close();
  return 0;
}
