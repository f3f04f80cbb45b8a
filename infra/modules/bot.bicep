// The Azure Bot resource (the bot's registration with the Bot Framework) and its Microsoft Teams channel.

@description('Name of the Azure Bot resource (unique within the subscription).')
param name string

@description('Name people see for the bot in the Azure portal.')
param displayName string

@description('Messaging endpoint, https://<host>/api/messages.')
param endpoint string

@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
@description('How the bot identity is registered: an app registration with a secret, or a managed identity.')
param appType string

@description('The bot\'s Microsoft App id: the app registration\'s client id, or the managed identity\'s client id.')
param appId string

@description('Entra ID tenant the bot identity lives in.')
param tenantId string

@description('Resource id of the user-assigned managed identity (UserAssignedMSI only, otherwise empty).')
param msiResourceId string

@allowed([
  'F0'
  'S1'
])
@description('F0 is free for the Teams channel (standard channels are unmetered); S1 for premium channels.')
param sku string

@description('Tags put on every resource.')
param tags object

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: endpoint
    msaAppId: appId
    msaAppType: appType
    msaAppTenantId: tenantId
    msaAppMSIResourceId: appType == 'UserAssignedMSI' ? msiResourceId : null
    publicNetworkAccess: 'Enabled'
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
      enableCalling: false
    }
  }
}

@description('Name of the Azure Bot resource.')
output name string = bot.name
