#!/usr/bin/env node
import { Command, Option } from 'commander';
import { registerImagesCommand } from './images-command.js';
import { LOGGING_COMMANDS, addLoggingOptions, applyLoggingOptions } from './logging.js';
import { addClusterFlags } from './controller-flags.js';
import { log } from '../util/log.js';

/** collect gathers a repeatable flag's values (`--images a.yaml --images b.yaml`). */
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
/** storeOption: a store kind tskube does not have is refused by name, never replaced by the default. */
const storeOption = () => new Option('--store <kind>', 'sqlite (default) or etcd').choices(['sqlite', 'etcd']).default('sqlite');
const RUNTIME_HELP = 'container runtime of the nodes: process (the host\'s programs in namespaces), oci (images from registries, run with runc) or cri (containerd over the CRI)';
const CRI_ENDPOINT_HELP = 'the CRI socket of --runtime cri';
const REGISTRIES_HELP = 'registry mirrors, credentials and plain-HTTP registries for --runtime oci (like k3s\'s registries.yaml)';
/** addImageGCOptions adds the kubelet's image garbage collection flags to a command that runs node agents. */
const addImageGCOptions = (cmd: Command): Command => cmd
  .option('--image-gc-high-threshold <percent>', 'the percent of image filesystem usage above which image garbage collection always runs (0-100; 100 turns it off)', '85')
  .option('--image-gc-low-threshold <percent>', 'the percent of image filesystem usage image garbage collection frees down to, and below which it never runs', '80')
  .option('--image-minimum-gc-age <duration>', 'how long an unused image stays before it may be garbage collected', '2m0s');
const IMAGES_HELP = 'an extra image catalog (YAML like src/runtime/images.yaml; its entries win over the shipped ones); repeatable';

/** The `tskube` command: up (all-in-one), server (control plane only), agent (one node). */
const program = new Command();
program.name('tskube').description('Kubernetes, written in TypeScript');

program.command('up')
  .description('run an all-in-one cluster (API server, controllers, scheduler, node agents) in the foreground')
  .option('--data-dir <dir>', 'where state, credentials and the kubeconfig live', '.tskube')
  .option('--port <n>', 'API server port (0 picks a free one)', '6443')
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .option('--nodes <n>', 'number of node agents (host01, host02, ...)', '3')
  .option('--simulated-nodes <n>', 'extra simulated nodes whose pods run without processes', '0')
  .addOption(storeOption())
  .option('--etcd-endpoints <urls>', 'comma-separated etcd endpoints (with --store etcd)', 'http://127.0.0.1:2379')
  .option('--images <file>', IMAGES_HELP, collect, [])
  .option('--runtime <kind>', RUNTIME_HELP, 'process')
  .option('--cri-endpoint <url>', CRI_ENDPOINT_HELP, 'unix:///run/containerd/containerd.sock')
  .option('--registries <file>', REGISTRIES_HELP)
  .action(async (o) => { await (await import('./up.js')).runUp(o); });

program.command('server')
  .description('run the control plane alone (API server, controllers, scheduler)')
  .option('--data-dir <dir>', 'where state and credentials live', '.tskube')
  .option('--port <n>', 'API server port', '6443')
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .addOption(storeOption())
  .option('--etcd-endpoints <urls>', 'comma-separated etcd endpoints (with --store etcd)', 'http://127.0.0.1:2379')
  .action(async (o) => { await (await import('./server.js')).runServer(o); });

program.command('agent')
  .description('run one node agent against an API server')
  .requiredOption('--server <url>', 'API server URL')
  .requiredOption('--token <token>', 'the cluster\'s node token (DATA_DIR/node-token of tskube server); the agent authenticates as system:node:NAME')
  .requiredOption('--name <name>', 'node name')
  .option('--ca-file <path>', 'CA certificate of the API server, DATA_DIR/pki/ca.crt (default: skip verification)')
  .option('--root-dir <dir>', 'where pods and containers of this node live (default: .tskube/nodes/NAME)')
  .option('--runtime <kind>', `${RUNTIME_HELP}, or simulated (no processes)`, 'process')
  .option('--cri-endpoint <url>', CRI_ENDPOINT_HELP, 'unix:///run/containerd/containerd.sock')
  .option('--registries <file>', REGISTRIES_HELP)
  .option('--address <ip>', 'address the API server reaches this agent at', '127.0.0.1')
  .option('--cluster-dns <ip>', 'the cluster DNS address pods are given (the tenth address of the service range; default 10.96.0.10)')
  .option('--images <file>', IMAGES_HELP, collect, [])
  .action(async (o) => { await (await import('./agent.js')).runAgent(o); });

registerImagesCommand(program);

// The kubelet's image GC flags on the commands that run node agents.
for (const cmd of program.commands) if (cmd.name() === 'up' || cmd.name() === 'agent') addImageGCOptions(cmd);

// Node lifecycle and DefaultTolerationSeconds flags on the commands that run a control plane.
for (const cmd of program.commands) if (cmd.name() === 'up' || cmd.name() === 'server') addClusterFlags(cmd);

// Logging flags on every long-running command, applied before its action starts anything.
for (const cmd of program.commands) if (LOGGING_COMMANDS.includes(cmd.name())) addLoggingOptions(cmd);
program.hook('preAction', (_program, action) => {
  if (!LOGGING_COMMANDS.includes(action.name())) return;
  try { applyLoggingOptions(action.opts()); } catch (e) { action.error(`error: ${(e as Error).message}`); }
});

program.parseAsync(process.argv).catch((e) => {
  log.child({ component: 'tskube' }).error(e, 'tskube failed');
  process.exit(1);
});
