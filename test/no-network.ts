/** Tests talk only to loopback: any other destination fails the test at once. */
import net from 'node:net';

const loopback = (host: string | undefined) =>
  !host || host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string;
  const host =
    typeof first === 'object' && first !== null ? first.host : typeof args[1] === 'string' ? args[1] : undefined;
  const isPath = typeof first === 'object' && first !== null && 'path' in first && first.path;
  if (!isPath && !loopback(host)) throw new Error(`network access outside loopback is blocked in tests: ${host}`);
  return (original as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
