/**
 * Types of the Container Network Interface (CNI) exec protocol, as the spec
 * (github.com/containernetworking/cni SPEC.md) and libcni name them. A plugin is an executable
 * in CNI_PATH; the runtime runs it with CNI_* environment variables and the network
 * configuration as JSON on stdin, and reads a result (or an error) as JSON on stdout.
 */

/** CNI_VERSION is the spec version tskube writes into the configurations it generates. */
export const CNI_VERSION = '1.0.0';

/** CNICommand is CNI_COMMAND. VERSION asks a plugin which spec versions it speaks. */
export type CNICommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

/** NetConf is one plugin's configuration (the object a plugin reads on stdin). */
export interface NetConf {
  cniVersion?: string;
  name?: string;
  /** the plugin's executable name in CNI_PATH */
  type: string;
  /** runtime-provided values this plugin accepts (portMappings, bandwidth, …) */
  capabilities?: Record<string, boolean>;
  ipam?: { type: string; [k: string]: unknown };
  dns?: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
  [k: string]: unknown;
}

/** NetConfList is a network configuration list (a .conflist): plugins chained in order. */
export interface NetConfList {
  cniVersion: string;
  name: string;
  disableCheck?: boolean;
  plugins: NetConf[];
}

/** PortMapping is one entry of the portMappings capability (the portmap plugin's runtimeConfig). */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  /** tcp, udp or sctp (lower case, as the portmap plugin expects) */
  protocol: string;
  hostIP?: string;
}

/** RuntimeConf is what the runtime knows about one attachment (libcni's RuntimeConf). */
export interface RuntimeConf {
  /** CNI_CONTAINERID: the pod sandbox id */
  containerId: string;
  /** CNI_NETNS: path of the network namespace (may be empty on DEL when it is already gone) */
  netns: string;
  /** CNI_IFNAME: interface to create inside the namespace (eth0, lo) */
  ifName: string;
  /** CNI_ARGS as key/value pairs (K8S_POD_NAMESPACE, K8S_POD_NAME, …) */
  args?: [string, string][];
  /** values for plugins that declare the capability of the same name */
  capabilityArgs?: Record<string, unknown>;
}

/** IPConfig is one address of a result (spec ≥ 0.3.0 shape, normalised). */
export interface IPConfig {
  /** CIDR notation, e.g. 10.244.1.5/24 */
  address: string;
  gateway?: string;
  /** index into interfaces */
  interface?: number;
}

/** Interface is one interface a plugin created or configured. */
export interface Interface {
  name: string;
  mac?: string;
  /** the netns path when the interface lives in the container */
  sandbox?: string;
}

/** Route is one route a result asks for. */
export interface Route { dst: string; gw?: string }

/** Result is a plugin's successful ADD answer, normalised to the 1.0.0 shape whatever version it spoke. */
export interface Result {
  cniVersion: string;
  interfaces: Interface[];
  ips: IPConfig[];
  routes: Route[];
  dns: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
}

/** CNIError is a plugin's failure: its spec error code (1–99 well-known, 100+ plugin-specific) and message. */
export class CNIError extends Error {
  constructor(
    readonly plugin: string,
    readonly command: CNICommand,
    readonly code: number,
    readonly msg: string,
    readonly details?: string,
  ) {
    super(`plugin type="${plugin}" failed (${command.toLowerCase()}): ${msg}${details ? `: ${details}` : ''}`);
    this.name = 'CNIError';
  }
}
