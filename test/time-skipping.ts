/**
 * Temporal's time-skipping test server for workflow tests whose timers span minutes (the straggler
 * window, Telnyx's redelivery gaps). The TypeScript SDK would download it from GitHub, which this
 * machine cannot reach; it ships on Maven Central as `io.temporal:temporal-test-server`, so it is
 * installed once with Maven (its jars into `.tools/temporal-test-server-<version>/lib`) and run with
 * Java through a small launcher script the SDK starts as an existing executable.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolsDir } from '../deploy/temporal-cli.js';
import { searchAttributes } from '../temporal.config.js';
import { makeToolFolder, publishTool } from '../deploy/tools-dir.js';

const run = promisify(execFile);
export const TEST_SERVER_VERSION = '1.31.0';
const home = path.join(toolsDir, `temporal-test-server-${TEST_SERVER_VERSION}`);
const launcher = path.join(home, 'test-server');

const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.command-center</groupId>
  <artifactId>temporal-test-server-install</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;

/** The launcher of the installed test server, installing it first (Maven and Java must be on PATH). */
export async function provisionTimeSkippingServer(say: (s: string) => void = () => {}): Promise<string> {
  if (
    await access(launcher).then(
      () => true,
      () => false,
    )
  )
    return launcher;
  say(`installing Temporal's time-skipping test server ${TEST_SERVER_VERSION} from Maven Central into .tools ...`);
  const work = await mkdtemp(path.join(tmpdir(), 'temporal-test-server-'));
  const partial = `${home}.partial-${process.pid}`;
  try {
    await writeFile(path.join(work, 'pom.xml'), pom);
    await makeToolFolder(partial);
    await run(
      'mvn',
      ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${partial}/lib`],
      { cwd: work, timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    ).catch((err: NodeJS.ErrnoException & { stdout?: string }) => {
      const said = err.code === 'ENOENT' ? 'mvn is not on PATH' : (err.stdout || err.message).trim().slice(-400);
      throw new Error(`Temporal's test server could not be installed with Maven: ${said}`);
    });
    await writeFile(
      path.join(partial, 'test-server'),
      `#!/bin/sh\nexec java -Xss1m -cp "${home}/lib/*" io.temporal.testserver.TestServer "$@"\n`,
      { mode: 0o755 },
    );
    await publishTool(partial);
    await rename(partial, home).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished first: keep its copy.
      if (
        !(await access(launcher).then(
          () => true,
          () => false,
        ))
      )
        throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(partial, { recursive: true, force: true });
  }
  return launcher;
}

/** A time-skipping test environment on the locally installed server, with the project's search attributes. */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const launcher = await provisionTimeSkippingServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: launcher } },
  });
  // IndexedValueType: KEYWORD = 2, KEYWORD_LIST = 7 (the proto enum's values).
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.values(searchAttributes).map((k) => [k.name, k.type === 'KEYWORD_LIST' ? 7 : 2]),
    ) as never,
  });
  return env;
}
