/**
 * serverless-offline takes fixed ports, so `sls offline` in tests is given ports picked first. The
 * local cloud in the same process then opens its emulators on port 0: a picked port must never be
 * one the system may hand to them (CI saw serverless-offline fail with EADDRINUSE).
 */
import { expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { freePorts } from '#lib/sls-offline-process';

it('picks distinct ports that are free and outside the range listen(0) draws from', async () => {
  const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  for (let round = 0; round < 20; round++) {
    const ports = await freePorts(3);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow as number);
    // Each is free: something can listen on it now.
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    expect((server.address() as AddressInfo).port).toBe(ports[0]);
    await new Promise((resolve) => server.close(resolve));
  }
});
