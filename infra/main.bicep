// Nurture on Azure: one container app (bot + REST API + tab, at least two replicas) in a Container Apps
// environment inside a virtual network, PostgreSQL Flexible Server with private access, Key Vault for the
// secrets, the Azure Bot with its Teams channel, Log Analytics and Application Insights.
//
//   az deployment group create -g <resource group> -f infra/main.bicep -p infra/main.parameters.json
//
// infra/README.md walks through the Entra ID setup this template needs and what to do after it ran.

targetScope = 'resourceGroup'

// --- parameters ------------------------------------------------------------------------------------------

@description('Azure region for everything except the bot, which is global.')
param location string = resourceGroup().location

@minLength(3)
@maxLength(12)
@description('Lower-case prefix of every resource name (letters, digits, hyphens), e.g. nurture.')
param namePrefix string = 'nurture'

@description('Tags put on every resource.')
param tags object = {
  app: 'nurture'
}

@description('The image to run, e.g. myregistry.azurecr.io/nurture:1.4.0 (built from infra/Dockerfile).')
param containerImage string

@description('Name of an Azure Container Registry in this resource group to pull the image from (the app\'s identity gets AcrPull on it); empty for a public image.')
param registryName string = ''

@minValue(2)
@description('Replicas that always run. Two or more, so one can restart while the other serves.')
param minReplicas int = 2

@minValue(2)
@maxValue(30)
@description('Upper bound for scale-out on HTTP load.')
param maxReplicas int = 4

@description('CPU cores per replica (0.25 steps; memory must be twice the cores in GiB on Consumption).')
param containerCpu string = '0.5'

@description('Memory per replica, e.g. 1Gi.')
param containerMemory string = '1Gi'

@description('Custom host name users reach Nurture on (bind it and its certificate to the container app yourself); empty uses the container app\'s own <app>.<environment domain> name.')
param publicHostName string = ''

@description('Application (client) id of the Entra ID app registration for the tab\'s SSO (NURTURE_ENTRA_CLIENT_ID).')
param entraClientId string

@description('Application ID URI exposed by that app registration (NURTURE_ENTRA_APP_ID_URI); empty means api://<public host>/<entraClientId>.')
param entraAppIdUri string = ''

@description('Accept tab sign-ins from this tenant only (NURTURE_ENTRA_TENANT_ID); empty accepts any tenant that installed the app.')
param entraTenantId string = tenant().tenantId

@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
@description('Bot identity: SingleTenant uses an app registration and its client secret; UserAssignedMSI makes the container app\'s managed identity the bot, with no secret at all.')
param botAppType string = 'SingleTenant'

@description('Client id of the bot\'s app registration (SingleTenant only; ignored for UserAssignedMSI).')
param botAppId string = ''

@secure()
@description('Client secret of the bot\'s app registration (SingleTenant only); stored in Key Vault.')
param botAppPassword string = ''

@secure()
@description('Client secret of the tab\'s Entra ID app (entraClientId), used for Microsoft Graph tokens; stored in Key Vault as NURTURE_GRAPH_CLIENT_SECRET. Empty: no conversation history from Graph.')
param graphClientSecret string = ''

@description('Display name of the Azure Bot resource.')
param botDisplayName string = 'Nurture'

@allowed([
  'F0'
  'S1'
])
@description('Azure Bot pricing tier; messages on the Teams channel are free on either.')
param botSku string = 'F0'

@description('The Teams app (manifest) id (NURTURE_TEAMS_APP_ID); cards then deep-link into the tab. Empty until the app package exists.')
param teamsAppId string = ''

@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
])
@description('Python logging level (NURTURE_LOG_LEVEL).')
param logLevel string = 'INFO'

@minValue(1)
@description('Database connections per replica (NURTURE_DB_POOL_SIZE), with as many again as overflow. Keep maxReplicas x 2 x this under the server\'s max_connections.')
param dbPoolSize int = 10

@description('PostgreSQL administrator login; the app connects as this role unless you switch it to a narrower one (infra/README.md).')
param postgresAdminLogin string = 'nurture_admin'

@secure()
@minLength(12)
@description('PostgreSQL administrator password; stored in Key Vault.')
param postgresAdminPassword string

@description('Name of the application database.')
param postgresDatabaseName string = 'nurture'

@allowed([
  '15'
  '16'
])
@description('PostgreSQL major version.')
param postgresVersion string = '16'

@description('PostgreSQL compute SKU.')
param postgresSkuName string = 'Standard_B2s'

@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
@description('PostgreSQL pricing tier, matching postgresSkuName.')
param postgresSkuTier string = 'Burstable'

@minValue(32)
@description('PostgreSQL storage in GiB (grows automatically).')
param postgresStorageSizeGB int = 32

@minValue(7)
@maxValue(35)
@description('Days of PostgreSQL point-in-time backups.')
param postgresBackupRetentionDays int = 14

@allowed([
  'Disabled'
  'ZoneRedundant'
])
@description('PostgreSQL high availability; ZoneRedundant needs GeneralPurpose or MemoryOptimized.')
param postgresHighAvailability string = 'Disabled'

@description('Address space of the virtual network.')
param vnetAddressPrefix string = '10.40.0.0/16'

@description('Container Apps environment subnet (/27 or larger).')
param containerAppsSubnetPrefix string = '10.40.0.0/23'

@description('PostgreSQL subnet (/28 or larger).')
param postgresSubnetPrefix string = '10.40.2.0/28'

@description('Key Vault purge protection; once on it stays on. Turn off only for throwaway test deployments.')
param keyVaultPurgeProtection bool = true

@minValue(30)
@maxValue(730)
@description('Days Log Analytics keeps logs.')
param logRetentionDays int = 30

// --- names -----------------------------------------------------------------------------------------------

var suffix = uniqueString(resourceGroup().id, namePrefix)
var appName = '${namePrefix}-app'
var names = {
  identity: 'id-${namePrefix}'
  logs: 'log-${namePrefix}'
  insights: 'appi-${namePrefix}'
  vnet: 'vnet-${namePrefix}'
  environment: 'cae-${namePrefix}'
  postgres: '${namePrefix}-pg-${suffix}'
  keyVault: take('kv-${namePrefix}-${suffix}', 24)
  bot: 'bot-${namePrefix}-${suffix}'
}

// --- identity --------------------------------------------------------------------------------------------

// The container app's identity: reads Key Vault secrets, pulls the image and, for a UserAssignedMSI bot,
// is the bot itself.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: tags
}

// --- monitoring ------------------------------------------------------------------------------------------

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: names.logs
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: names.insights
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    IngestionMode: 'LogAnalytics'
  }
}

// --- network and database --------------------------------------------------------------------------------

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    location: location
    name: names.vnet
    addressPrefix: vnetAddressPrefix
    containerAppsSubnetPrefix: containerAppsSubnetPrefix
    postgresSubnetPrefix: postgresSubnetPrefix
    tags: tags
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    location: location
    serverName: names.postgres
    databaseName: postgresDatabaseName
    version: postgresVersion
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageSizeGB
    backupRetentionDays: postgresBackupRetentionDays
    highAvailabilityMode: postgresHighAvailability
    administratorLogin: postgresAdminLogin
    administratorPassword: postgresAdminPassword
    vnetId: network.outputs.vnetId
    delegatedSubnetId: network.outputs.postgresSubnetId
    tags: tags
  }
}

// ssl=verify-full: asyncpg encrypts and checks the server's certificate and host name against the CA bundle
// that PGSSLROOTCERT names (the image sets it to the system bundle).
var databaseUrl = 'postgresql://${uriComponent(postgresAdminLogin)}:${uriComponent(postgresAdminPassword)}@${postgres.outputs.fqdn}:5432/${postgres.outputs.databaseName}?ssl=verify-full'

// --- secrets ---------------------------------------------------------------------------------------------

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    name: names.keyVault
    readerPrincipalId: identity.properties.principalId
    enablePurgeProtection: keyVaultPurgeProtection
    postgresAdminPassword: postgresAdminPassword
    databaseUrl: databaseUrl
    storeBotAppPassword: botAppType == 'SingleTenant'
    botAppPassword: botAppPassword
    graphClientSecret: graphClientSecret
    tags: tags
  }
}

// --- image registry --------------------------------------------------------------------------------------

var useRegistry = !empty(registryName)
var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

var registryServer = '${toLower(registryName)}${environment().suffixes.acrLoginServer}'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = if (useRegistry) {
  name: registryName
}

resource pullImages 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useRegistry) {
  scope: registry
  name: guid(resourceGroup().id, registryName, identity.id, acrPull)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// --- Container Apps --------------------------------------------------------------------------------------

resource appEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: names.environment
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
    vnetConfiguration: {
      infrastructureSubnetId: network.outputs.containerAppsSubnetId
      internal: false
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

var publicHost = empty(publicHostName) ? '${appName}.${appEnvironment.properties.defaultDomain}' : publicHostName
var publicUrl = 'https://${publicHost}'
var appIdUri = empty(entraAppIdUri) ? 'api://${publicHost}/${entraClientId}' : entraAppIdUri
var isMsiBot = botAppType == 'UserAssignedMSI'
var effectiveBotAppId = isMsiBot ? identity.properties.clientId : botAppId
var port = 3978

var registries = useRegistry ? [
  {
    server: registryServer
    identity: identity.id
  }
] : []

var databaseSecret = [
  {
    name: 'database-url'
    keyVaultUrl: vault.outputs.databaseUrlSecretUri
    identity: identity.id
  }
]
var botPasswordSecret = isMsiBot ? [] : [
  {
    name: 'bot-app-password'
    keyVaultUrl: vault.outputs.botAppPasswordSecretUri
    identity: identity.id
  }
]
var graphSecret = empty(graphClientSecret) ? [] : [
  {
    name: 'graph-client-secret'
    keyVaultUrl: vault.outputs.graphClientSecretUri
    identity: identity.id
  }
]
var secrets = concat(databaseSecret, botPasswordSecret, graphSecret)

// Every NURTURE_ name here is a field of app/config.py's Settings (tests/test_docs.py checks that).
var baseEnv = [
  {
    name: 'NURTURE_DATABASE_URL'
    secretRef: 'database-url'
  }
  {
    name: 'NURTURE_HOST'
    value: '0.0.0.0'
  }
  {
    name: 'NURTURE_PORT'
    value: string(port)
  }
  {
    name: 'NURTURE_LOG_LEVEL'
    value: logLevel
  }
  {
    name: 'NURTURE_DB_POOL_SIZE'
    value: string(dbPoolSize)
  }
  {
    name: 'NURTURE_PUBLIC_URL'
    value: publicUrl
  }
  {
    name: 'NURTURE_ENTRA_CLIENT_ID'
    value: entraClientId
  }
  {
    name: 'NURTURE_ENTRA_APP_ID_URI'
    value: appIdUri
  }
  {
    name: 'NURTURE_BOT_APP_ID'
    value: effectiveBotAppId
  }
  {
    name: 'NURTURE_BOT_APP_TYPE'
    value: botAppType
  }
  {
    name: 'NURTURE_BOT_TENANT_ID'
    value: tenant().tenantId
  }
]
var graphSecretEnv = empty(graphClientSecret) ? [] : [
  {
    name: 'NURTURE_GRAPH_CLIENT_SECRET'
    secretRef: 'graph-client-secret'
  }
]
var botPasswordEnv = isMsiBot ? [] : [
  {
    name: 'NURTURE_BOT_APP_PASSWORD'
    secretRef: 'bot-app-password'
  }
]
var entraTenantEnv = empty(entraTenantId) ? [] : [
  {
    name: 'NURTURE_ENTRA_TENANT_ID'
    value: entraTenantId
  }
]
var teamsAppEnv = empty(teamsAppId) ? [] : [
  {
    name: 'NURTURE_TEAMS_APP_ID'
    value: teamsAppId
  }
]
var appEnv = concat(baseEnv, botPasswordEnv, graphSecretEnv, entraTenantEnv, teamsAppEnv)

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    environmentId: appEnvironment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: port
        transport: 'http'
        allowInsecure: false
      }
      secrets: secrets
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'nurture'
          image: containerImage
          // The image's entry point migrates (under a PostgreSQL advisory lock) and then serves.
          args: [
            'serve'
          ]
          env: appEnv
          resources: {
            cpu: json(containerCpu)
            memory: containerMemory
          }
          probes: [
            {
              // Covers the migration at start: liveness and readiness begin once this passes.
              type: 'Startup'
              httpGet: {
                path: '/healthz'
                port: port
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              timeoutSeconds: 5
              failureThreshold: 10
            }
            {
              type: 'Liveness'
              httpGet: {
                path: '/healthz'
                port: port
              }
              periodSeconds: 30
              timeoutSeconds: 5
              failureThreshold: 3
            }
            {
              // 503 until the database answers and carries this build's migrations.
              type: 'Readiness'
              httpGet: {
                path: '/readyz'
                port: port
              }
              periodSeconds: 10
              timeoutSeconds: 5
              failureThreshold: 3
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
  dependsOn: [
    pullImages
  ]
}

// --- the bot ---------------------------------------------------------------------------------------------

module bot 'modules/bot.bicep' = {
  name: 'bot'
  params: {
    name: names.bot
    displayName: botDisplayName
    endpoint: '${publicUrl}/api/messages'
    appType: botAppType
    appId: effectiveBotAppId
    tenantId: tenant().tenantId
    msiResourceId: isMsiBot ? identity.id : ''
    sku: botSku
    tags: tags
  }
}

// --- availability test -----------------------------------------------------------------------------------

// Application Insights calls /readyz from three regions every five minutes, so an outage, an unmigrated
// database or an expiring certificate shows up before the sales team notices.
resource readiness 'Microsoft.Insights/webtests@2022-06-15' = {
  name: '${namePrefix}-readyz'
  location: location
  tags: union(tags, {
    'hidden-link:${insights.id}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: '${namePrefix}-readyz'
    Name: 'Nurture /readyz'
    Enabled: true
    Frequency: 300
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    Locations: [
      {
        Id: 'emea-nl-ams-azr'
      }
      {
        Id: 'us-va-ash-azr'
      }
      {
        Id: 'apac-sg-sin-azr'
      }
    ]
    Request: {
      RequestUrl: '${publicUrl}/readyz'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
  dependsOn: [
    app
  ]
}

// --- outputs ---------------------------------------------------------------------------------------------

@description('Where users and Teams reach Nurture (NURTURE_PUBLIC_URL).')
output publicUrl string = publicUrl

@description('The bot\'s messaging endpoint, as registered on the Azure Bot.')
output messagingEndpoint string = '${publicUrl}/api/messages'

@description('Application ID URI to expose on the Entra ID app registration (NURTURE_ENTRA_APP_ID_URI).')
output entraAppIdUri string = appIdUri

@description('The bot\'s Microsoft App id (NURTURE_BOT_APP_ID); for UserAssignedMSI, the managed identity\'s client id.')
output botAppId string = effectiveBotAppId

@description('Name of the Azure Bot resource.')
output botName string = bot.outputs.name

@description('Name of the container app, for az containerapp commands.')
output containerAppName string = app.name

@description('Name of the Key Vault holding the secrets.')
output keyVaultName string = vault.outputs.name

@description('Host name of the PostgreSQL server (reachable only from the virtual network).')
output postgresHost string = postgres.outputs.fqdn

@description('Client id of the app\'s managed identity.')
output identityClientId string = identity.properties.clientId
