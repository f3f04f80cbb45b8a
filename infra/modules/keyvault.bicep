// Key Vault with the deployment's secrets. The container app reads them through its user-assigned managed
// identity (Key Vault Secrets User); nothing secret is stored in the container app's own configuration.

@description('Azure region of the vault.')
param location string

@description('Globally unique vault name (3 to 24 characters).')
param name string

@description('Object (principal) id of the managed identity that may read the secrets.')
param readerPrincipalId string

@description('Turn on purge protection. It cannot be turned off again; keep it on in production.')
param enablePurgeProtection bool

@secure()
@description('Password of the PostgreSQL administrator login.')
param postgresAdminPassword string

@secure()
@description('The full NURTURE_DATABASE_URL, password included.')
param databaseUrl string

@description('Store the bot client secret (SingleTenant bots); a UserAssignedMSI bot has no secret.')
param storeBotAppPassword bool

@secure()
@description('Client secret of the bot app registration; ignored unless storeBotAppPassword.')
param botAppPassword string

@secure()
@description('Client secret of the tab\'s Entra ID app, for Graph tokens (NURTURE_GRAPH_CLIENT_SECRET); empty to skip.')
param graphClientSecret string

@description('Tags put on every resource.')
param tags object

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource postgresPassword 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'postgres-admin-password'
  properties: {
    value: postgresAdminPassword
    contentType: 'text/plain'
  }
}

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-url'
  properties: {
    value: databaseUrl
    contentType: 'text/plain'
  }
}

resource botPassword 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeBotAppPassword) {
  parent: vault
  name: 'bot-app-password'
  properties: {
    value: botAppPassword
    contentType: 'text/plain'
  }
}

resource graphSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(graphClientSecret)) {
  parent: vault
  name: 'graph-client-secret'
  properties: {
    value: graphClientSecret
    contentType: 'text/plain'
  }
}

resource readSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, readerPrincipalId, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Versionless URIs: Container Apps picks up a rotated secret within about 30 minutes (or on restart).
@description('Versionless URI of the database-url secret.')
output databaseUrlSecretUri string = '${vault.properties.vaultUri}secrets/${databaseUrlSecret.name}'

@description('Versionless URI of the bot-app-password secret (empty when there is none).')
output botAppPasswordSecretUri string = storeBotAppPassword ? '${vault.properties.vaultUri}secrets/bot-app-password' : ''

@description('Versionless URI of the graph-client-secret secret (empty when there is none).')
output graphClientSecretUri string = empty(graphClientSecret) ? '' : '${vault.properties.vaultUri}secrets/graph-client-secret'

@description('Name of the vault.')
output name string = vault.name
