// Azure Database for PostgreSQL Flexible Server with private access (VNet integration), the `nurture`
// database, and TLS required for every connection.

@description('Azure region of the server.')
param location string

@description('Globally unique server name; the host becomes <name>.postgres.database.azure.com.')
param serverName string

@description('Name of the application database.')
param databaseName string

@description('PostgreSQL major version.')
param version string

@description('Compute SKU, e.g. Standard_B2s (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param skuName string

@description('Pricing tier matching skuName: Burstable, GeneralPurpose or MemoryOptimized.')
param skuTier string

@description('Storage size in GiB.')
param storageSizeGB int

@description('Days of point-in-time backups to keep (7 to 35).')
param backupRetentionDays int

@description('ZoneRedundant for a hot standby in another zone (not on Burstable), or Disabled.')
param highAvailabilityMode string

@description('Administrator login; the application connects as this role (see infra/README.md).')
param administratorLogin string

@secure()
@description('Administrator password.')
param administratorPassword string

@description('Resource id of the virtual network, linked to the private DNS zone.')
param vnetId string

@description('Resource id of the subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers.')
param delegatedSubnetId string

@description('Tags put on every resource.')
param tags object

// A server with private access resolves through a private DNS zone whose name ends in
// .postgres.database.azure.com; the public name <server>.postgres.database.azure.com points into it.
resource dnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: '${serverName}.private.postgres.database.azure.com'
  location: 'global'
  tags: tags
}

resource dnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: dnsZone
  name: 'nurture-vnet'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnetId
    }
  }
}

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: serverName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: version
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    authConfig: {
      activeDirectoryAuth: 'Disabled'
      passwordAuth: 'Enabled'
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: highAvailabilityMode
    }
    network: {
      delegatedSubnetResourceId: delegatedSubnetId
      privateDnsZoneArmResourceId: dnsZone.id
      publicNetworkAccess: 'Disabled'
    }
  }
  dependsOn: [
    dnsLink
  ]
}

// On by default; pinned here so nobody turns it off by hand without the template putting it back.
resource requireTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'require_secure_transport'
  properties: {
    value: 'ON'
    source: 'user-override'
  }
}

resource minTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'ssl_min_protocol_version'
  properties: {
    value: 'TLSv1.2'
    source: 'user-override'
  }
  dependsOn: [
    requireTls // the server applies one configuration change at a time
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
  dependsOn: [
    minTls
  ]
}

@description('Host name the application connects to.')
output fqdn string = server.properties.fullyQualifiedDomainName

@description('Name of the application database.')
output databaseName string = database.name
