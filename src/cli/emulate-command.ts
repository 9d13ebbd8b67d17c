import { readFileSync } from 'node:fs';
import { startAzureOpenAIEmulator, type AzureDeployment } from '../../emulators/azure-openai/index.ts';
import { startBedrockEmulator } from '../../emulators/bedrock/index.ts';
import { startOpenAIEmulator } from '../../emulators/openai/index.ts';
import { startVertexEmulator } from '../../emulators/vertex/index.ts';
import { parseCommandArgs, parsePort, suggestion, usageProblem, waitForShutdownSignal } from './main.ts';

const clouds = ['openai', 'azure-openai', 'bedrock', 'vertex'] as const;
type Cloud = (typeof clouds)[number];

export const emulateUsage = `Usage: interchange emulate <cloud> [options]

Runs a local emulator of one cloud on loopback, for your own tests: it speaks the cloud's wire format, answers
deterministically and fails on request (docs/emulators.md). Clouds: ${clouds.join(', ')}.
It prints one line with its address once it listens, then a line per request on stderr (unless --quiet).

Every cloud:
      --host H                  the address to listen on (default 127.0.0.1)
  -p, --port N                  the port (default 0: any free port, printed)
      --fault SPEC              fail every request as SPEC says, e.g. "status=503" (docs/emulators.md#fault-injection)
      --fault-count N           only the first N requests
      --quiet                   no line per request
  -h, --help                    show this text
openai:
      --api-key KEY             require Authorization: Bearer KEY
azure-openai:
      --api-key KEY             require the api-key header KEY
      --accept-token TOKEN      accept Authorization: Bearer TOKEN as a Microsoft Entra token (repeatable)
      --deployments NAME=MODEL[,NAME=MODEL…]
                                the deployments it serves (NAME alone: a deployment named after its model; default
                                gpt-4o-mini, gpt-4.1, text-embedding-3-large, text-embedding-3-small)
bedrock:
      --region R                the region SigV4 signatures must name (default us-east-1)
      --access-key-id ID --secret-access-key KEY
                                the AWS credentials whose SigV4 signatures it accepts
      --api-key KEY             also accept the Bedrock API key KEY (Authorization: Bearer)
vertex:
      --project P               the project requests must name (default interchange-demo)
      --accept-token TOKEN      accept Authorization: Bearer TOKEN, an opaque OAuth access token (repeatable)
      --public-key-file PEM     accept the self-signed JWTs of the service account with this public key
With no credentials given, an emulator accepts every request.
`;

/** The options only some clouds take (the rest every cloud takes). */
const cloudOptions: Readonly<Record<string, readonly Cloud[]>> = {
  'api-key': ['openai', 'azure-openai', 'bedrock'],
  deployments: ['azure-openai'],
  'accept-token': ['azure-openai', 'vertex'],
  region: ['bedrock'],
  'access-key-id': ['bedrock'],
  'secret-access-key': ['bedrock'],
  project: ['vertex'],
  'public-key-file': ['vertex'],
};

export async function runEmulate(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('emulate', args, {
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
    'api-key': { type: 'string' },
    fault: { type: 'string' },
    'fault-count': { type: 'string' },
    quiet: { type: 'boolean' },
    deployments: { type: 'string', multiple: true },
    'accept-token': { type: 'string', multiple: true },
    region: { type: 'string' },
    'access-key-id': { type: 'string' },
    'secret-access-key': { type: 'string' },
    project: { type: 'string' },
    'public-key-file': { type: 'string' },
  });
  const [cloud, extra] = positionals;
  if (cloud === undefined) throw usageProblem('emulate', `which cloud? one of ${clouds.join(', ')}`);
  if (!isCloud(cloud)) throw usageProblem('emulate', `unknown cloud "${cloud}"${suggestion(cloud, clouds, '')} (clouds: ${clouds.join(', ')})`);
  if (extra !== undefined) throw usageProblem('emulate', `unexpected argument "${extra}"; one cloud at a time`);
  for (const [option, takers] of Object.entries(cloudOptions)) {
    if ((values as Record<string, unknown>)[option] !== undefined && !takers.includes(cloud)) {
      throw usageProblem('emulate', `--${option} is not an option of ${cloud} (only of ${takers.join(', ')})`);
    }
  }
  const faultCount = values['fault-count'] === undefined ? undefined : Number(values['fault-count']);
  if (faultCount !== undefined && (!Number.isInteger(faultCount) || faultCount < 0)) {
    throw usageProblem('emulate', `--fault-count: expected a whole number, got "${values['fault-count']}"`);
  }
  const acceptToken = acceptedTokens(values['accept-token']);
  const options = {
    host: values.host ?? '127.0.0.1',
    port: parsePort(values.port, '--port') ?? 0,
    fault: values.fault,
    faultCount,
    quiet: values.quiet,
  };
  let emulator: { url: string; close(): Promise<void> };
  let line: string;
  if (cloud === 'vertex') {
    const publicKeyFile = values['public-key-file'];
    emulator = await startVertexEmulator({
      ...options,
      project: values.project,
      publicKey: publicKeyFile === undefined ? undefined : readFileSync(publicKeyFile, 'utf8'),
      acceptToken,
    });
    line = `${emulator.url} (/v1[beta1]/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent and :predict, …/endpoints/openapi/chat/completions)`;
  } else if (cloud === 'bedrock') {
    const accessKeyId = values['access-key-id'];
    const secretAccessKey = values['secret-access-key'];
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      throw usageProblem('emulate', 'give --access-key-id and --secret-access-key together');
    }
    emulator = await startBedrockEmulator({
      ...options,
      region: values.region,
      credentials: accessKeyId !== undefined && secretAccessKey !== undefined ? [{ accessKeyId, secretAccessKey }] : undefined,
      apiKeys: values['api-key'] === undefined ? undefined : [values['api-key']],
    });
    line = `${emulator.url} (/model/{modelId}/converse[-stream] and /invoke, /openai/v1/chat/completions; SigV4 service bedrock)`;
  } else if (cloud === 'azure-openai') {
    const deployments = values.deployments === undefined ? undefined : parseDeployments(values.deployments);
    emulator = await startAzureOpenAIEmulator({ ...options, apiKey: values['api-key'], acceptToken, deployments });
    const served = deployments === undefined ? '' : `; deployments ${Object.entries(deployments).map(([name, { model }]) => (name === model ? name : `${name} (${model})`)).join(', ')}`;
    line = `${emulator.url} (endpoint; /openai/deployments/{deployment}/… and /openai/v1/…${served})`;
  } else {
    const openai = await startOpenAIEmulator({ ...options, apiKey: values['api-key'] });
    emulator = openai;
    line = `${openai.url} (API base ${openai.baseUrl})`;
  }
  process.stdout.write(`${cloud} emulator listening on ${line}\n`);
  await waitForShutdownSignal();
  await emulator.close();
  return 0;
}

function isCloud(name: string): name is Cloud {
  return (clouds as readonly string[]).includes(name);
}

/** `--accept-token` values as the emulators' `acceptToken` check. */
function acceptedTokens(given: readonly string[] | undefined): ((token: string) => boolean) | undefined {
  if (given === undefined) return undefined;
  const tokens = new Set(given.map((token) => token.trim()));
  if (tokens.has('')) throw usageProblem('emulate', '--accept-token needs a token');
  return (token) => tokens.has(token);
}

/** `--deployments gpt-4o-prod=gpt-4o,embeddings=text-embedding-3-large` (a bare name is its own model), repeatable. */
export function parseDeployments(given: readonly string[]): Record<string, AzureDeployment> {
  const deployments: Record<string, AzureDeployment> = {};
  for (const entry of given.flatMap((value) => value.split(','))) {
    const [name, model = name, rest] = entry.split('=').map((part) => part.trim());
    if (name === '' || model === '' || rest !== undefined) {
      throw usageProblem('emulate', `--deployments: expected NAME=MODEL[,NAME=MODEL…], got "${entry.trim()}"`);
    }
    if (Object.hasOwn(deployments, name)) throw usageProblem('emulate', `--deployments: deployment "${name}" is given twice`);
    deployments[name] = { model };
  }
  return deployments;
}
