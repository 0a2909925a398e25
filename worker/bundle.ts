/** `npm run build`: prebuild the workflow bundle the worker loads in production. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { defaultBundlePath, workflowsPath } from './worker.js';

const { code } = await bundleWorkflowCode({ workflowsPath });
await mkdir(path.dirname(defaultBundlePath), { recursive: true });
await writeFile(defaultBundlePath, code);
console.log(
  `Workflow bundle written to ${path.relative(process.cwd(), defaultBundlePath)} (${(code.length / 1024).toFixed(0)} KiB)`,
);
