/** Deleting workflow executions (erasure), over the worker's own connection to Temporal. */
import type { NativeConnection } from '@temporalio/worker';
import type { ExecutionEraser } from '../activities/forget.js';

const NOT_FOUND = 5;
const code = (err: unknown) => (err as { code?: number }).code;

export function executionEraser(connection: NativeConnection, namespace: string): ExecutionEraser {
  const service = connection.workflowService;
  return {
    async erase(workflowId) {
      try {
        await service.terminateWorkflowExecution({
          namespace,
          workflowExecution: { workflowId },
          reason: 'erased on request',
        });
      } catch (err) {
        if (code(err) !== NOT_FOUND) throw err; // finished already, or never existed
      }
      try {
        await service.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId } });
        return true;
      } catch (err) {
        if (code(err) === NOT_FOUND) return false;
        throw err;
      }
    },
    async idsStartingWith(prefix) {
      const ids: string[] = [];
      let nextPageToken: Uint8Array | undefined;
      do {
        const res = await service.listWorkflowExecutions({
          namespace,
          query: `WorkflowId STARTS_WITH "${prefix.replace(/"/g, '')}"`,
          pageSize: 100,
          nextPageToken,
        });
        for (const e of res.executions ?? []) if (e.execution?.workflowId) ids.push(e.execution.workflowId);
        nextPageToken = res.nextPageToken && res.nextPageToken.length ? res.nextPageToken : undefined;
      } while (nextPageToken);
      return [...new Set(ids)];
    },
  };
}
