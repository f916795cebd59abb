"""netlink: a pod's attachment to its node's bridge made with rtnetlink requests from the command
helper, the work the CNI bridge plugin does (its IPAM, host-local's, is the agent's: see
native-bridge.ts). The plugin is a Go program and runs host-local, another one: two processes per
pod start and two per pod deletion, ~65 ms of CPU per pod where forks are slow; here it is a few
requests on a socket.

What a pod gets is what the plugin gives it: the bridge (created once, up, the gateway address on
it), a veth pair whose host end ("veth" + 8 hex digits) is a port of the bridge with hairpin mode
on, and whose other end (ifName) is created straight in the pod's network namespace with the pod's
address, arp_notify on (gratuitous ARP when it comes up: a reused address's new MAC is learned at
once), and a default route through the gateway.
"""
import ctypes
import errno
import os
import socket
import struct

NETLINK_ROUTE = 0
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_GETADDR, RTM_NEWROUTE = 20, 22, 24
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x300, 0x200, 0x400
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MASTER, IFLA_LINKINFO, IFLA_NET_NS_FD = 1, 3, 10, 18, 28
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST = 1, 2, 4
RTA_OIF, RTA_GATEWAY = 4, 5
RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST = 254, 3, 0, 1
IFF_UP = 0x1
CLONE_NEWNET = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)
# The helper's own network namespace, to return to after working in a pod's.
HOST_NETNS = os.open('/proc/self/ns/net', os.O_RDONLY | os.O_CLOEXEC)


def attr(kind, data):
    n = 4 + len(data)
    return struct.pack('=HH', n, kind) + data + b'\0' * (-n % 4)


def ifinfo(index=0, flags=0, change=0):
    return struct.pack('=BxHiII', socket.AF_UNSPEC, 0, index, flags, change)


def name_attr(name):
    return attr(IFLA_IFNAME, name.encode() + b'\0')


def parse_attrs(payload, off):
    out = {}
    while off + 4 <= len(payload):
        n, kind = struct.unpack_from('=HH', payload, off)
        if n < 4:
            break
        out[kind & 0x3fff] = payload[off + 4:off + n]
        off += (n + 3) & ~3
    return out


def mac_of(raw):
    return ':'.join(f'{b:02x}' for b in raw) if raw else ''


def ip4(text):
    return socket.inet_aton(text)


def broadcast(address, prefix):
    n = struct.unpack('!I', ip4(address))[0] | ((1 << (32 - prefix)) - 1 if prefix < 32 else 0)
    return struct.pack('!I', n)


class Netlink:
    """An rtnetlink socket of the network namespace this thread was in when it was made."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.seq = 0

    def close(self):
        self.sock.close()

    def request(self, kind, flags, body):
        """request sends one message and returns the replies' (type, payload); an error reply raises OSError."""
        self.seq += 1
        seq = self.seq
        self.sock.send(struct.pack('=LHHLL', 16 + len(body), kind, flags | NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body)
        replies = []
        while True:
            data = self.sock.recv(1 << 16)
            off = 0
            while off + 16 <= len(data):
                n, t, _, s, _ = struct.unpack_from('=LHHLL', data, off)
                payload = data[off + 16:off + n]
                off += (n + 3) & ~3
                if s != seq:
                    continue
                if t == NLMSG_ERROR:
                    code = struct.unpack_from('=i', payload)[0]
                    if code:
                        raise OSError(-code, os.strerror(-code))
                    return replies
                if t == NLMSG_DONE:
                    return replies
                replies.append((t, payload))

    def link(self, name):
        """link is an interface's (index, MAC), or None when there is none of that name."""
        try:
            replies = self.request(RTM_GETLINK, 0, ifinfo() + name_attr(name))
        except OSError as e:
            if e.errno == errno.ENODEV:
                return None
            raise
        for t, payload in replies:
            if t == RTM_NEWLINK:
                index = struct.unpack_from('=i', payload, 4)[0]
                return index, mac_of(parse_attrs(payload, 16).get(IFLA_ADDRESS))
        return None

    def create(self, attrs, exist_ok=False):
        """create makes an interface of the given attributes (name, kind)."""
        try:
            self.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifinfo() + attrs)
        except OSError as e:
            if not (exist_ok and e.errno == errno.EEXIST):
                raise

    def set_up(self, index, master=None):
        extra = attr(IFLA_MASTER, struct.pack('=I', master)) if master is not None else b''
        self.request(RTM_NEWLINK, 0, ifinfo(index, IFF_UP, IFF_UP) + extra)

    def delete(self, name):
        """delete removes an interface (a veth takes its peer with it); a missing one is no error."""
        try:
            self.request(RTM_DELLINK, 0, ifinfo() + name_attr(name))
        except OSError as e:
            if e.errno != errno.ENODEV:
                raise

    def add_address(self, index, address, prefix):
        body = struct.pack('=BBBBI', socket.AF_INET, prefix, 0, RT_SCOPE_UNIVERSE, index)
        body += attr(IFA_LOCAL, ip4(address)) + attr(IFA_ADDRESS, ip4(address))
        if prefix < 31:
            body += attr(IFA_BROADCAST, broadcast(address, prefix))
        try:
            self.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, body)
        except OSError as e:
            if e.errno != errno.EEXIST:
                raise

    def addresses(self, index):
        """addresses are the IPv4 addresses on an interface."""
        out = []
        for t, payload in self.request(RTM_GETADDR, NLM_F_DUMP, struct.pack('=BBBBI', socket.AF_INET, 0, 0, 0, 0)):
            if t != RTM_NEWADDR or struct.unpack_from('=I', payload, 4)[0] != index:
                continue
            local = parse_attrs(payload, 8).get(IFA_LOCAL)
            if local:
                out.append(socket.inet_ntoa(local))
        return out

    def add_default_route(self, index, gateway):
        body = struct.pack('=BBBBBBBBI', socket.AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0)
        body += attr(RTA_GATEWAY, ip4(gateway)) + attr(RTA_OIF, struct.pack('=I', index))
        try:
            self.request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, body)
        except OSError as e:
            if e.errno != errno.EEXIST:
                raise


class InNetns:
    """Runs its block in a pod's network namespace (this thread only), then back in the helper's.
    A namespace that is gone (its file no longer a namespace) raises FileNotFoundError."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                if e == errno.EINVAL:
                    raise FileNotFoundError(errno.ENOENT, f'{self.path} is not a network namespace')
                raise OSError(e, f'setns {self.path}: {os.strerror(e)}')
        finally:
            os.close(fd)
        return self

    def __exit__(self, *_):
        if libc.setns(HOST_NETNS, CLONE_NEWNET) != 0:
            # Every later command would run in the pod's network: better no helper (the agent starts another).
            os.write(2, f'command helper: cannot return to its network namespace: {os.strerror(ctypes.get_errno())}\n'.encode())
            os._exit(70)
        return False


def write_sysctl(path, value):
    with open(path, 'w') as f:
        f.write(value)


def veth_add(m):
    """veth_add attaches a pod (see the module's doc); returns the interfaces' names and MACs."""
    host = Netlink()
    try:
        host.create(name_attr(m['bridge']) + attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b'bridge')), exist_ok=True)
        bridge = host.link(m['bridge'])
        if bridge is None:
            raise OSError(errno.ENODEV, f"bridge {m['bridge']} vanished")
        host.add_address(bridge[0], m['gateway'], m['prefix'])
        host.set_up(bridge[0])
        with InNetns(m['netns']):
            pod = Netlink()
        try:
            if pod.link(m['ifName']) is not None:
                raise OSError(errno.EEXIST, f"container veth name provided ({m['ifName']}) already exists")
            fd = os.open(m['netns'], os.O_RDONLY | os.O_CLOEXEC)
            try:
                for _ in range(10):
                    name = 'veth' + os.urandom(4).hex()
                    peer = attr(VETH_INFO_PEER, ifinfo() + name_attr(m['ifName']) + attr(IFLA_NET_NS_FD, struct.pack('=I', fd)))
                    try:
                        host.create(name_attr(name) + attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b'veth') + attr(IFLA_INFO_DATA, peer)))
                        break
                    except OSError as e:
                        if e.errno != errno.EEXIST or pod.link(m['ifName']) is not None:
                            raise
                else:
                    raise OSError(errno.EEXIST, 'no free veth name after 10 tries')
            finally:
                os.close(fd)
            try:
                veth = host.link(name)
                host.set_up(veth[0], master=bridge[0])
                if m.get('hairpin'):
                    write_sysctl(f'/sys/class/net/{name}/brport/hairpin_mode', '1')
                inside = pod.link(m['ifName'])
                with InNetns(m['netns']):
                    write_sysctl(f"/proc/sys/net/ipv4/conf/{m['ifName']}/arp_notify", '1')
                pod.add_address(inside[0], m['address'], m['prefix'])
                pod.set_up(inside[0])
                pod.add_default_route(inside[0], m['gateway'])
            except BaseException:
                host.delete(name)
                raise
            return {'bridge': {'name': m['bridge'], 'mac': host.link(m['bridge'])[1]},
                    'host': {'name': name, 'mac': veth[1]}, 'pod': {'name': m['ifName'], 'mac': inside[1]}}
        finally:
            pod.close()
    finally:
        host.close()


def veth_del(m):
    """veth_del removes a pod's interface (its host end goes with it); a namespace or interface already gone is no error."""
    try:
        with InNetns(m['netns']):
            pod = Netlink()
    except FileNotFoundError:
        return {}
    try:
        pod.delete(m['ifName'])
    finally:
        pod.close()
    return {}


def veth_check(m):
    """veth_check fails unless the pod's interface is there, up, with its address."""
    with InNetns(m['netns']):
        pod = Netlink()
    try:
        inside = pod.link(m['ifName'])
        if inside is None:
            raise OSError(errno.ENODEV, f"Error: Container Interface name in prevResult: {m['ifName']} not found")
        if m['address'] not in pod.addresses(inside[0]):
            raise OSError(errno.EADDRNOTAVAIL, f"Error: IP address {m['address']} not found on {m['ifName']}")
    finally:
        pod.close()
    return {}
