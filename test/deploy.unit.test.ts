/**
 * The deployment files: deploy/compose.yaml validated and interpreted by Docker Compose itself
 * (`config`), then held to the topology `npm run cluster` runs (service names, ports, the app's
 * environment, search attributes, server versions); the Dockerfile's essentials.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { provisionComposeCli } from '../deploy/compose-cli.js';
import {
  keepShardCount,
  NEW_CLUSTER_SHARDS,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
} from '../deploy/temporal-server.js';
import {
  appEnvironment,
  appProcessEnv,
  appServices,
  DEFAULT_API_PORT,
  DEFAULT_WORKER_METRICS_PORT,
  infraServices,
  type AppServiceName,
  type SharedAppEnv,
} from '../deploy/topology.js';
import { devServerSearchAttributes } from '../temporal.config.js';
import { repoRoot } from './product.js';

const run = promisify(execFile);
const composeFile = path.join(repoRoot, 'deploy', 'compose.yaml');

interface ComposeService {
  image?: string;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: { target: number; published?: string; host_ip?: string }[];
  labels?: Record<string, string>;
  networks?: Record<string, unknown>;
  cap_drop?: string[];
  security_opt?: string[];
  volumes?: { source?: string; target: string }[];
}

describe('deploy/compose.yaml', { timeout: 900_000 }, () => {
  let services: Record<string, ComposeService>;
  let compose: string[];
  let envFile: string;

  beforeAll(async () => {
    compose = await provisionComposeCli();
    const dir = await mkdtemp(path.join(process.env.TEST_SCRATCH_DIR ?? tmpdir(), 'compose-'));
    envFile = path.join(dir, '.env');
    const example = await readFile(path.join(repoRoot, 'deploy', 'env.example'), 'utf8');
    // Every variable the example lists, filled in: compose must accept exactly that file.
    const filled = example.replace(/^([A-Z_]+)=$/gm, (_, name: string) => `${name}=${name.toLowerCase()}-value`);
    await writeFile(envFile, filled.replace(/^DOMAIN=.*$/m, 'DOMAIN=cc.example.org'));
    const [cmd, ...lead] = compose;
    const { stdout } = await run(
      cmd!,
      [...lead, '-f', composeFile, '--env-file', envFile, 'config', '--format', 'json'],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    services = (JSON.parse(stdout) as { services: Record<string, ComposeService> }).services;
  }, 900_000);

  it('is valid for Docker Compose and refuses to start without its required settings', async () => {
    const [cmd, ...lead] = compose;
    const missing = await run(cmd!, [...lead, '-f', composeFile, 'config', '-q'], {
      env: { ...process.env, DOMAIN: '', POSTGRES_PASSWORD: '' },
    }).then(
      () => '',
      (err: { stderr?: string }) => err.stderr ?? 'failed',
    );
    // Compose names the first unset one it meets (its order varies): each says what to set.
    const named = /required variable (\w+) is missing a value: set \1/.exec(missing)?.[1];
    const example = await readFile(path.join(repoRoot, 'deploy', 'env.example'), 'utf8');
    expect(named && new RegExp(`^${named}=$`, 'm').test(example), missing).toBe(true);
  });

  it('has the services, ports and app environment npm run cluster runs', () => {
    for (const name of [...Object.keys(appServices), ...Object.keys(infraServices)])
      expect(Object.keys(services)).toContain(name);
    for (const [name, spec] of Object.entries(infraServices)) {
      const published = (services[name]!.ports ?? []).map((p) => Number(p.published));
      if (spec.published) expect(published, name).toContain(spec.port);
      else expect(published, `${name} is not published on the host`).toEqual([]);
      for (const p of services[name]!.ports ?? [])
        expect(p.host_ip, `${name} is published on loopback only`).toBe('127.0.0.1');
    }
    const shared = Object.fromEntries(appEnvironment.map((k) => [k, 'x'])) as SharedAppEnv;
    for (const name of Object.keys(appServices) as AppServiceName[]) {
      const cluster = appProcessEnv(name, shared, {
        host: '0.0.0.0',
        apiPort: DEFAULT_API_PORT,
        metricsPort: DEFAULT_WORKER_METRICS_PORT,
      });
      const env = services[name]!.environment ?? {};
      expect(Object.keys(env).sort(), name).toEqual(Object.keys(cluster).sort());
      for (const key of ['PORT', 'METRICS_PORT', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE'])
        if (key in cluster && cluster[key] !== 'x') expect(env[key], `${name} ${key}`).toBe(cluster[key]);
      expect(env.TEMPORAL_TASK_QUEUE).toBe('command-center');
      expect(services[name]!.command).toEqual([appServices[name].command]);
    }
    // The reverse proxy is the only service published beyond loopback.
    const publicPorts = Object.entries(services).flatMap(([name, s]) =>
      (s.ports ?? []).filter((p) => p.host_ip !== '127.0.0.1').map(() => name),
    );
    expect([...new Set(publicPorts)]).toEqual(['reverse-proxy']);
  });

  it('has no default doors: pinned images, own database roles, no privileges, Temporal and the Docker API fenced off', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (svc.image) expect(svc.image, name).not.toMatch(/:(latest|main|master)$|^[^:]+$/);
      expect(svc.security_opt ?? [], name).toContain('no-new-privileges:true');
      if (!['uptime-kuma', 'docker-socket-proxy'].includes(name)) expect(svc.cap_drop ?? [], name).toContain('ALL');
      // Only the socket proxy sees the Docker socket.
      const socket = (svc.volumes ?? []).some((v) => v.source === '/var/run/docker.sock');
      expect(socket, `${name} mounts the Docker socket`).toBe(name === 'docker-socket-proxy');
    }
    // Who can reach Temporal's frontend: the app, Temporal's own jobs and its UI (the `core` network).
    const onCore = Object.entries(services)
      .filter(([, svc]) => Object.keys(svc.networks ?? {}).includes('core'))
      .map(([name]) => name)
      .sort();
    expect(onCore).toEqual(
      [
        'api-1',
        'api-2',
        'worker-1',
        'worker-2',
        'postgresql',
        'temporal',
        'temporal-admin-tools',
        'temporal-create-namespace',
        'temporal-postgresql',
        'temporal-ui',
      ].sort(),
    );
    expect(Object.keys(services.temporal!.networks ?? {})).toEqual(['core']);
    // The app and Windmill connect as their own roles, never as the superuser.
    for (const name of Object.keys(appServices))
      expect(services[name]!.environment!.DATABASE_URL, name).toMatch(/^postgres:\/\/command_center:/);
    for (const name of ['windmill-server', 'windmill-worker'])
      expect(services[name]!.environment!.DATABASE_URL, name).toMatch(/^postgres:\/\/windmill:/);
    // Windmill's documented default password is replaced at the first start.
    expect([services['windmill-first-run']!.command].flat().join('\n')).toContain('users/setpassword');
  });

  it('runs the Temporal versions the cluster builds, with the project search attributes and 4 shards', () => {
    expect(services.temporal!.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    expect(services['temporal-admin-tools']!.image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
    expect(services['temporal-ui']!.image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION}`);
    expect(services.temporal!.environment!.NUM_HISTORY_SHARDS).toBe('4');
    const script = [services['temporal-create-namespace']!.command].flat().join('\n');
    for (const sa of devServerSearchAttributes) expect(script).toContain(sa);
  });

  it('declares Uptime Kuma monitors for /health, /ready, the Temporal UI and each Windmill schedule', async () => {
    const labels = Object.values(services).flatMap((s) => Object.entries(s.labels ?? {}));
    const urls = labels.filter(([k]) => k.endsWith('.http.url')).map(([, v]) => v);
    for (const api of ['api-1:3000', 'api-2:3001']) {
      expect(urls).toContain(`http://${api}/health`);
      expect(urls).toContain(`http://${api}/ready`);
    }
    expect(urls).toContain('http://temporal-ui:8080/');
    const pushes = labels.filter(([k]) => k.endsWith('.push.name')).map(([, v]) => v);
    const schedules = await scheduleNames();
    expect(schedules.length).toBeGreaterThanOrEqual(4);
    for (const schedule of schedules) expect(pushes, schedule).toContain(`Windmill ${schedule}`);
  });

  it('builds one non-root image with a health check, api or worker by command', async () => {
    const dockerfile = await readFile(path.join(repoRoot, 'deploy', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*deploy\/healthcheck\.mjs/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["tini", "--", "npm", "run", "--silent"\]$/m);
    const scripts = (
      JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.api).toBe('node --import tsx api/main.ts');
    expect(scripts.worker).toBe('node --import tsx worker/main.ts');
  });
});

/** The Windmill schedules in the project (one *.schedule.yaml per schedule). */
async function scheduleNames(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const dir = path.join(repoRoot, 'windmill', 'f', 'command_center');
  return (await readdir(dir)).filter((f) => f.endsWith('.schedule.yaml')).map((f) => f.replace('.schedule.yaml', ''));
}

describe("the cluster's history shards", () => {
  it('a new cluster takes 4 (or the count asked for); an existing one keeps its own, and another count is refused', async () => {
    const fresh = await mkdtemp(path.join(tmpdir(), 'shards-'));
    expect(NEW_CLUSTER_SHARDS).toBe(4);
    expect(await keepShardCount(fresh, undefined)).toBe(4);
    expect(await readFile(path.join(fresh, 'history-shards'), 'utf8')).toBe('4\n');
    // Created with 16: it stays at 16 whether or not 16 is asked for, and 4 is refused.
    const made = await mkdtemp(path.join(tmpdir(), 'shards-'));
    expect(await keepShardCount(made, 16)).toBe(16);
    expect(await keepShardCount(made, undefined)).toBe(16);
    expect(await keepShardCount(made, 16)).toBe(16);
    await expect(keepShardCount(made, 4)).rejects.toThrow(
      /created with 16 history shards .* set CLUSTER_TEMPORAL_SHARDS=16 \(or leave it unset\), or use a new DATA_DIR for 4/,
    );
    expect(await readFile(path.join(made, 'history-shards'), 'utf8')).toBe('16\n');
  });
});
