/**
 * Entries of a list of hosts and networks let through a fence (`image_fetch_allow`): a host name, an IP address, or a
 * network as `address/prefix` not wider than /8 (IPv4) or /32 (IPv6). Imports nothing from `src`.
 */
import { isIP } from 'node:net';

/** Why an entry of an allow list (`image_fetch_allow`) is not a host name, an address nor a network; undefined when it is one. */
export function hostAllowProblem(entry: string): string | undefined {
  const slash = entry.indexOf('/');
  if (slash !== -1) {
    const network = entry.slice(0, slash);
    const family = isIP(network);
    const prefix = entry.slice(slash + 1);
    const maximum = family === 4 ? 32 : 128;
    if (family === 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > maximum) return `"${entry}" is not a network (address/prefix, e.g. 10.20.0.0/16)`;
    // A network that wide is not an exception, it is the fence taken down.
    if (Number(prefix) < (family === 4 ? 8 : 32)) return `"${entry}" is too wide to allow (at most /8 for IPv4, /32 for IPv6)`;
    return undefined;
  }
  if (isIP(entry.startsWith('[') ? entry.slice(1, -1) : entry) !== 0) return undefined;
  return /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(entry)
    ? undefined
    : `"${entry}" is neither a host name, an address nor a network (address/prefix)`;
}
