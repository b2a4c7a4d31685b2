// The contracts' ABIs, exported from the one `sol!` source of truth (contracts/abi) as JSON.
import type { Abi } from 'viem'
import court from '../../contracts/abi/json/ICourt.json'
import market from '../../contracts/abi/json/IMarket.json'
import registry from '../../contracts/abi/json/IRegistry.json'
import token from '../../contracts/abi/json/IStylusToken.json'

export const marketAbi = market as Abi
export const registryAbi = registry as Abi
export const tokenAbi = token as Abi
export const courtAbi = court as Abi
