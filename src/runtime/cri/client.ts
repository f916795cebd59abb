import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';

const requireModule = createRequire(import.meta.url);
let grpcModule: typeof Grpc | undefined;

/**
 * grpc is @grpc/grpc-js, loaded on first use: in the bundle an import at the top would load gRPC
 * (~11 MiB) at every start, though only `--runtime cri` needs it.
 */
export function grpc(): typeof Grpc {
  return (grpcModule ??= requireModule('@grpc/grpc-js') as typeof Grpc);
}

/** API_PROTO is the CRI v1 subset tskube speaks, beside this module (found from src/ with tsx). */
export const API_PROTO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'api.proto');

/** The proto-loader options cri-types.ts describes: snake_case fields, enum names, int64 as strings. */
const LOADER_OPTIONS: ProtoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

type ServiceCtor = new (address: string, credentials: Grpc.ChannelCredentials, options?: Grpc.ClientOptions) => Grpc.Client;

let loaded: { runtime: ServiceCtor; image: ServiceCtor } | undefined;

/** loadServices parses api.proto once per process and gives the two service client constructors. */
function loadServices(): { runtime: ServiceCtor; image: ServiceCtor } {
  if (loaded) return loaded;
  const def = (requireModule('@grpc/proto-loader') as typeof ProtoLoader).loadSync(API_PROTO, LOADER_OPTIONS);
  const pkg = grpc().loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: ServiceCtor; ImageService: ServiceCtor } } };
  loaded = { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
  return loaded;
}

/** CriCallError is a failed CRI call: the gRPC status code (grpc.status) and the runtime's message. */
export class CriCallError extends Error {
  constructor(readonly method: string, readonly code: Grpc.status, readonly details: string) {
    super(details || `${method}: ${grpc().status[code] ?? code}`);
  }
}

/** goCodeName is a gRPC status code as Go's codes.Code names it ("NotFound", "DeadlineExceeded", "Canceled"). */
export function goCodeName(code: Grpc.status): string {
  if (code === grpc().status.OK) return 'OK';
  if (code === grpc().status.CANCELLED) return 'Canceled';
  const name = grpc().status[code];
  if (!name) return `Code(${code})`;
  return name.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase());
}

/**
 * rpcErrorText is how a Go client prints a failed call ("rpc error: code = NotFound desc = …"):
 * the kubelet puts it verbatim into image pull events and ErrImagePull messages.
 */
export function rpcErrorText(err: CriCallError): string {
  return `rpc error: code = ${goCodeName(err.code)} desc = ${err.details}`;
}

/** isNotFound reports a CRI call that failed because the object does not exist. */
export function isNotFound(err: unknown): boolean {
  return err instanceof CriCallError && err.code === grpc().status.NOT_FOUND;
}

/**
 * CriClient is a connection to a CRI runtime's RuntimeService and ImageService on one endpoint
 * ("unix:///run/containerd/containerd.sock"), with promise-returning unary calls.
 */
export class CriClient {
  private readonly runtimeService: Grpc.Client;
  private readonly imageService: Grpc.Client;

  constructor(readonly endpoint: string, private readonly defaultTimeoutMs = 2 * 60_000) {
    const { runtime, image } = loadServices();
    // 16 MiB answers: ExecSync's output and big listings exceed gRPC's 4 MiB default.
    const options: Grpc.ClientOptions = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
    this.runtimeService = new runtime(endpoint, grpc().credentials.createInsecure(), options);
    // The image service shares the runtime service's channel, as both live on one socket.
    this.imageService = new image(endpoint, grpc().credentials.createInsecure(), { ...options, channelOverride: this.runtimeService.getChannel() });
  }

  /** runtime calls a RuntimeService method. */
  runtime<Res>(method: string, req: object, timeoutMs?: number, signal?: AbortSignal): Promise<Res> {
    return this.unary<Res>(this.runtimeService, method, req, timeoutMs, signal);
  }

  /** image calls an ImageService method. */
  image<Res>(method: string, req: object, timeoutMs?: number): Promise<Res> {
    return this.unary<Res>(this.imageService, method, req, timeoutMs);
  }

  /** stream opens a server-streaming RuntimeService call (GetContainerEvents). */
  stream<Res>(method: string, req: object): Grpc.ClientReadableStream<Res> {
    const fn = (this.runtimeService as unknown as Record<string, (r: object) => Grpc.ClientReadableStream<Res>>)[method];
    return fn.call(this.runtimeService, req);
  }

  close(): void {
    this.imageService.close();
    this.runtimeService.close();
  }

  private unary<Res>(client: Grpc.Client, method: string, req: object, timeoutMs = this.defaultTimeoutMs, signal?: AbortSignal): Promise<Res> {
    const fn = (client as unknown as Record<string, (...a: unknown[]) => Grpc.ClientUnaryCall>)[method];
    return new Promise<Res>((resolve, reject) => {
      const call = fn.call(client, req, new (grpc().Metadata)(), { deadline: new Date(Date.now() + timeoutMs) }, (err: Grpc.ServiceError | null, res: Res) => {
        signal?.removeEventListener('abort', cancel);
        if (err) reject(new CriCallError(method, err.code, err.details));
        else resolve(res);
      });
      const cancel = () => call.cancel();
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }
}
