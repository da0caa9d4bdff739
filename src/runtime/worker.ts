import path from 'node:path';
import type { DataConverter, LogLevel } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { correlationActivityInterceptor } from '../../activities/correlation.ts';
import { projectRoot } from './config.ts';
import { temporalConnectionOptions, type TemporalTls } from './temporal-tls.ts';

export interface RunningWorker {
  /** Polling its task queue: not yet started, draining or failed, it takes no work. */
  running(): boolean;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * The correlation id from the signal that brought a change to the log lines of the activities it
 * caused: the workflow side (bundled with the workflows) and the activity side. The replay test
 * replays with the same workflow modules.
 */
export const workflowInterceptorModules = [path.join(projectRoot, 'workflows/correlation-interceptors.ts')];

/**
 * Tenure stops its parts itself, in order, on Ctrl-C; the SDK's own signal handling would drain
 * the worker behind Tenure's back.
 */
function installRuntime(logLevel: LogLevel, log: ((entry: LogEntry) => void) | undefined, metricsAddress: string | undefined): void {
  if (runtimeInstalled) return;
  // The SDK's own metrics (task latencies, slots, polls) come from its native core, which serves them itself.
  const telemetryOptions = metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : undefined;
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger(logLevel, log), telemetryOptions });
  runtimeInstalled = true;
}

/** The identity workflows and Tenure's activities, unless a benchmark brings workflows of its own. */
export async function startWorker(options: {
  address: string;
  namespace: string;
  taskQueue: string;
  activities: object;
  workflowsPath?: string;
  logLevel: LogLevel;
  /** Encrypts what the worker hands to Temporal (src/payload-encryption); unset, payloads go as they are. */
  dataConverter?: DataConverter;
  /** Receives the worker's log entries instead of stderr (the runtime's first worker decides). */
  log?: (entry: LogEntry) => void;
  /** host:port where the SDK's Prometheus metrics are served (the runtime's first worker decides); unset, they are not. */
  metricsAddress?: string;
  /** TLS to the cluster (config.temporalTls); unset, the TEMPORAL_TLS_* settings; null, plain gRPC. */
  tls?: TemporalTls | null;
}): Promise<RunningWorker> {
  installRuntime(options.logLevel, options.log, options.metricsAddress);
  // TLS (and a client certificate) as every client of Tenure's connects.
  const connection = await NativeConnection.connect(temporalConnectionOptions(options.address, options.tls));
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: options.workflowsPath ?? path.join(projectRoot, 'workflows/index.ts'),
    activities: options.activities,
    dataConverter: options.dataConverter,
    interceptors: { workflowModules: workflowInterceptorModules, activity: [correlationActivityInterceptor] },
  });
  const running = worker.run();
  return {
    running: () => worker.getState() === 'RUNNING',
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
