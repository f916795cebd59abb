/**
 * componentUserAgent is client-go's default User-Agent shape, `NAME/VERSION (OS/ARCH) kubernetes/COMMIT`.
 * The API server takes the part before the first '/' as the field manager of a write that names
 * none, so tskube's components appear in managedFields as Kubernetes' own do (kube-controller-manager,
 * kube-scheduler, kubelet).
 */
export function componentUserAgent(name: string, version: string): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  return `${name}/${version} (${process.platform}/${arch}) kubernetes/tskube`;
}
