import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { Agent } from 'undici'

/**
 * Address ranges a webhook must never reach: this host, private networks, link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, multicast, reserved and documentation ranges (RFC 6890 special-purpose
 * registries), in IPv4 and IPv6. A webhook URL is chosen by an API client, so without this it is a way into
 * the server's own network (SSRF).
 */
const INTERNAL = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4]
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 127], // :: and ::1
  ['64:ff9b::', 96], // NAT64: the IPv4 inside may be internal
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8]
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv6')

/** True for an IP address a webhook may be delivered to. An IPv4-mapped IPv6 address is judged by its IPv4 part. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return !INTERNAL.check(address, 'ipv4')
  if (family !== 6) return false
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return isPublicAddress(mapped[1]!)
  return !INTERNAL.check(address, 'ipv6')
}

/**
 * Why a webhook URL may not be used, or null when it may. Looks at the URL only: names are checked when
 * they are resolved, at delivery ({@link publicOnlyAgent}).
 */
export function refusedWebhookUrl(url: string, options: { allowPrivateNetworks: boolean }): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'is not a URL'
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http or https URL'
  if (parsed.username || parsed.password) return 'must not carry credentials; receivers check the signature instead'
  if (options.allowPrivateNetworks) return null
  // A trailing dot names the same host ("localhost." is localhost).
  const host = parsed.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return 'names this server (localhost)'
  if (isIP(host) && !isPublicAddress(host)) return 'is an internal network address'
  return null
}

/**
 * An undici dispatcher that resolves names itself and refuses to connect to any internal address, at the
 * moment of connecting: a name that resolves (or is re-pointed, DNS rebinding) to 127.0.0.1 is refused too.
 */
export function publicOnlyAgent(): Agent {
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0)
      const allowed = addresses.filter((a) => isPublicAddress(a.address))
      if (allowed.length === 0) {
        const refused = Object.assign(new Error(`${hostname} resolves only to internal addresses; not delivered`), {
          code: 'CLEARFILE_INTERNAL_ADDRESS'
        })
        return callback(refused, '', 0)
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed)
      callback(null, allowed[0]!.address, allowed[0]!.family)
    })
  }
  return new Agent({ connect: { lookup } })
}
