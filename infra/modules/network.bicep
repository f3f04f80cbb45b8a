// The virtual network Nurture runs in: one subnet for the Container Apps environment, one delegated to the
// PostgreSQL Flexible Server, which then has no public endpoint at all.

@description('Azure region of the virtual network.')
param location string

@description('Name of the virtual network.')
param name string

@description('Address space of the virtual network.')
param addressPrefix string

@description('Subnet of the Container Apps environment (workload profiles: /27 or larger).')
param containerAppsSubnetPrefix string

@description('Subnet delegated to the PostgreSQL Flexible Server (/28 or larger).')
param postgresSubnetPrefix string

@description('Tags put on every resource.')
param tags object

resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'container-apps'
        properties: {
          addressPrefix: containerAppsSubnetPrefix
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: postgresSubnetPrefix
          delegations: [
            {
              name: 'postgres'
              properties: {
                serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers'
              }
            }
          ]
        }
      }
    ]
  }
}

@description('Resource id of the virtual network.')
output vnetId string = vnet.id

@description('Resource id of the Container Apps environment subnet.')
output containerAppsSubnetId string = vnet.properties.subnets[0].id

@description('Resource id of the subnet delegated to PostgreSQL.')
output postgresSubnetId string = vnet.properties.subnets[1].id
