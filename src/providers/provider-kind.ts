/**
 * What a provider kind tells the rest of the gateway about itself: the YAML fields it adds to a provider entry, how
 * they resolve into its settings, the rules that relate them, what routing reads from it, and how its adapter is
 * built. Each provider folder exports one `ProviderKindDefinition`; `providers/catalog.ts` lists them, and the
 * configuration loader, `check-config`, routing start-up and adapter creation read kinds only through that list.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { z } from 'zod';
import type { Fields, Reporter } from '../config-schema/checks.ts';
import type { ProviderAdapter } from './adapter.ts';
import type { TokenProvider } from './http/bearer-token-source.ts';
import type { UpstreamQueueOptions } from './http/upstream-pool.ts';

/**
 * A provider entry as the schema parsed it, for `resolve`: the fields every kind shares that a kind may read, and
 * the kind's own (`fields`, `auth`: parsed, snake_case as written). The cross-field checks have passed.
 */
export interface ProviderEntry<Own, OwnAuth> {
  readonly name: string;
  /** `api:` as written, or the kind's first API when absent; undefined for kinds with one API. */
  readonly api: string | undefined;
  /** `auth.api_key`; undefined when absent or empty. */
  readonly apiKey: string | undefined;
  /** `region:` as written. */
  readonly region: string | undefined;
  readonly fields: Own;
  readonly auth: OwnAuth;
}

export interface ResolvedProvider<Settings> {
  /** The URL every call goes to (the API base, or a resource or regional endpoint), without a trailing slash. */
  readonly baseUrl: string;
  readonly settings: Settings;
}

/** What an adapter is built from: the resolved provider as far as the call path needs it. */
export interface AdapterSource<Kind extends string, Settings> {
  readonly name: string;
  readonly kind: Kind;
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  /** The wait for a connection once all are busy (`UpstreamPool`). */
  readonly queue?: UpstreamQueueOptions;
  /** Non-public hosts and networks client-named images may be fetched from (`image_fetch_allow`). */
  readonly imageFetchAllow?: readonly string[];
  readonly settings: Settings;
}

/** A provider as the dependencies below see it. */
export interface ProviderIdentity {
  readonly name: string;
  readonly kind: string;
}

/** What adapters may be given instead of building it from configuration (tests inject credentials this way). */
export interface AdapterDependencies {
  /** The Entra ID credential for an azure-openai provider. */
  readonly entraCredential?: (provider: ProviderIdentity) => TokenCredential | undefined;
  /** The AWS credentials for a bedrock provider. */
  readonly awsCredentials?: (provider: ProviderIdentity) => AwsCredentialIdentityProvider | undefined;
  /** The Google token source for a vertex provider. */
  readonly googleTokens?: (provider: ProviderIdentity) => TokenProvider | undefined;
}

/** How `check-config` sums a provider up beside the common details (connections, timeout, headers…). */
export interface ProviderSummary {
  /** Shown first: the API style and its version, say. */
  readonly settings: readonly string[];
  /** How it authenticates; undefined: by API key (`API key set` / `no API key`). */
  readonly authentication: string | undefined;
}

/** A message for a field another kind owns, given a way to name the kinds that own any field. */
export type MisplacedFieldMessage = string | ((ownersOf: (field: string) => string) => string);

export interface ProviderKindDefinition<
  Kind extends string = string,
  Shape extends z.ZodRawShape = z.ZodRawShape,
  AuthShape extends z.ZodRawShape = z.ZodRawShape,
  Settings = unknown,
> {
  /** The `kind:` users write. */
  readonly kind: Kind;
  /** A minimal valid provider entry of this kind as flow-style YAML, for docs and the catalog's tests. */
  readonly example: string;
  /**
   * The provider-entry fields this kind reads beside the common ones (`kind`, `api`, `auth.api_key`, `headers`,
   * `region`, `connections`, `timeout`, `data_policy`). Parsed whatever the entry's kind (so one pass reports every
   * malformed value), hence optional in the schema: which are required is `check`'s call. A field several kinds
   * read must be parsed alike by each (the first kind's parser is used).
   */
  readonly fields: Shape;
  /** Fields under `auth:` this kind reads beside `api_key`, and how messages call each (`Google credentials`). */
  readonly authFields: AuthShape;
  readonly authNames: { readonly [Key in keyof AuthShape]: string };
  /** The APIs this kind can speak (`api:`); the first is the default. Empty: the kind has one API and no `api:`. */
  readonly apis: readonly string[];
  /**
   * Fields that name a file the gateway reads (a key file, a CA bundle), as paths relative to the entry. The loader
   * reads a relative path from the configuration file's folder and reports a file that cannot be read.
   */
  readonly files?: readonly (readonly string[])[];
  /** This kind's own wording for fields another kind owns (`base_url` on a kind that takes `endpoint`). */
  readonly misplacedFields?: Readonly<Record<string, MisplacedFieldMessage>>;
  /**
   * Rules that relate this kind's fields (what is required, which combinations conflict), on the entry as written;
   * paths are relative to the entry. Fields other kinds own and `api:` values are checked by the loader.
   */
  check(provider: Fields, report: Reporter): void;
  /** The entry's settings: environment references already resolved, defaults applied, endpoints derived. */
  resolve(entry: ProviderEntry<z.output<z.ZodObject<Shape>>, z.output<z.ZodObject<AuthShape>>>): ResolvedProvider<Settings>;
  /** The settings with every secret replaced by `redacted`, for printing a provider. */
  printable?(settings: Settings, redacted: string): Settings;
  summary?(settings: Settings): ProviderSummary;
  /** What routing reads from this kind. */
  readonly routing: {
    /** Where a provider serves from when its entry names no `region:` (a Vertex location, say). */
    region?(settings: Settings): string | undefined;
    /** Whether its channels can serve embedding models. */
    readonly embeddings: boolean;
    /**
     * For a kind that serves only some embedding models: why a channel's upstream model (as written) is not one of
     * them, or undefined when it is.
     */
    embeddingModelProblem?(model: string): string | undefined;
    /**
     * The media types of inline images its channels take (canonical: lower case, `image/jpeg`); undefined: any, the
     * upstream decides. A request with an inline image of another type passes its channels over as unable.
     */
    imageTypes?(settings: Settings): readonly string[] | undefined;
  };
  createAdapter(provider: AdapterSource<Kind, Settings>, dependencies: AdapterDependencies): ProviderAdapter;
}

/** A kind's configuration side (a folder's `settings.ts`): everything but the adapter. */
export type ProviderSettingsDefinition<
  Kind extends string = string,
  Shape extends z.ZodRawShape = z.ZodRawShape,
  AuthShape extends z.ZodRawShape = z.ZodRawShape,
  Settings = unknown,
> = Omit<ProviderKindDefinition<Kind, Shape, AuthShape, Settings>, 'createAdapter'>;

/** Checks a kind's configuration side against the contract and keeps its literal types (kind, fields, settings). */
export function defineProviderSettings<const Kind extends string, Shape extends z.ZodRawShape, AuthShape extends z.ZodRawShape, Settings>(
  definition: ProviderSettingsDefinition<Kind, Shape, AuthShape, Settings>,
): ProviderSettingsDefinition<Kind, Shape, AuthShape, Settings> {
  return definition;
}

/** Completes a kind with its adapter factory (a folder's `index.ts`). */
export function defineProviderKind<const Kind extends string, Shape extends z.ZodRawShape, AuthShape extends z.ZodRawShape, Settings>(
  settings: ProviderSettingsDefinition<Kind, Shape, AuthShape, Settings>,
  createAdapter: (provider: AdapterSource<Kind, Settings>, dependencies: AdapterDependencies) => ProviderAdapter,
): ProviderKindDefinition<Kind, Shape, AuthShape, Settings> {
  return Object.freeze({ ...settings, createAdapter });
}
