/**
 * The Entra ID credential named in configuration, through @azure/identity. Built once at start-up; nothing is fetched
 * until the first request needs a token.
 */
import type { TokenCredential } from '@azure/core-auth';
import { AzureCliCredential, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential, WorkloadIdentityCredential } from '@azure/identity';

export interface EntraCredentialSettings {
  readonly credential: 'default' | 'azure-cli' | 'managed-identity' | 'workload-identity' | 'client-secret';
  readonly tenantId: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
}

export function createEntraCredential(settings: EntraCredentialSettings): TokenCredential {
  switch (settings.credential) {
    case 'default':
      return new DefaultAzureCredential(settings.clientId === undefined ? undefined : { managedIdentityClientId: settings.clientId });
    case 'azure-cli':
      return new AzureCliCredential(settings.tenantId === undefined ? undefined : { tenantId: settings.tenantId });
    case 'managed-identity':
      return settings.clientId === undefined ? new ManagedIdentityCredential() : new ManagedIdentityCredential({ clientId: settings.clientId });
    case 'workload-identity':
      return new WorkloadIdentityCredential({ tenantId: settings.tenantId, clientId: settings.clientId });
    case 'client-secret':
      // Configuration validation guarantees all three for this credential.
      return new ClientSecretCredential(settings.tenantId!, settings.clientId!, settings.clientSecret!);
  }
}
