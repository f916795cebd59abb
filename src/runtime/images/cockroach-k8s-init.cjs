#!/usr/bin/env node
// cockroach-k8s-init stand-in (cockroachdb/cockroach-k8s-init: Kubernetes' peer-finder with the
// image's /on-start.sh): `-on-start=SCRIPT -service=SVC [-on-change=SCRIPT] [-ns=NS]
// [-domain=cluster.local]` looks up the SRV records of SVC every second through the pod's resolver
// (the search path of /etc/resolv.conf, as Go's resolver applies it) until the set of peers holds
// this pod's own name (HOSTNAME.SVC.NS.svc.DOMAIN), then runs SCRIPT with the sorted peers on its
// stdin, one a line, and exits 0 when there is no -on-change script. A headless Service lists a pod
// only once it is ready, unless it publishes not-ready addresses: without that the init container
// loops here, as the real one does on Kubernetes since CoreDNS reads EndpointSlices.
'use strict';
const dns = require('node:dns');
const fs = require('node:fs');
const os = require('node:os');
const { spawnSync } = require('node:child_process');

const POLL_MS = 1000;

/** logf prints a line as Go's log package does: "2017/08/10 12:34:56 message". */
function logf(msg) {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  process.stderr.write(`${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${msg}\n`);
}
/** fatalf is log.Fatalf: the line, then exit 1. */
function fatalf(msg) { logf(msg); process.exit(1); }

/** parseArgs reads Go's flag syntax: -name=value, --name=value, -name value. */
function parseArgs(args) {
  const known = { 'on-change': '', 'on-start': '', service: '', ns: '', domain: 'cluster.local' };
  const flags = { ...known };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a === '-' || a === '--') break;
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    if (name === 'h' || name === 'help') { usage(); process.exit(2); }
    if (!(name in known)) { process.stderr.write(`flag provided but not defined: -${name}\n`); usage(); process.exit(2); }
    if (eq >= 0) flags[name] = body.slice(eq + 1);
    else if (i + 1 < args.length) flags[name] = args[++i];
    else { process.stderr.write(`flag needs an argument: -${name}\n`); usage(); process.exit(2); }
  }
  return flags;
}
function usage() {
  process.stderr.write(`Usage of /peer-finder:\n` +
    `  -domain string\n    \tThe Cluster Domain which is used by the Cluster. (default "cluster.local")\n` +
    `  -ns string\n    \tThe namespace this pod is running in. If unspecified, the POD_NAMESPACE env var is used.\n` +
    `  -on-change string\n    \tScript to run on change, must accept a new line separated list of peers via stdin.\n` +
    `  -on-start string\n    \tScript to run on start, must accept a new line separated list of peers via stdin.\n` +
    `  -service string\n    \tGoverning service responsible for the DNS records of the domain this pod is in.\n`);
}

/**
 * resolvConf reads the resolver's nameservers, search list and ndots from /etc/resolv.conf
 * (TSKUBE_RESOLV_CONF names another file for the stand-in's unit test, whose nameserver lines may
 * carry a :port).
 */
function resolvConf() {
  const conf = { servers: [], search: [], ndots: 1 };
  let text = '';
  try { text = fs.readFileSync(process.env.TSKUBE_RESOLV_CONF || '/etc/resolv.conf', 'utf8'); } catch { return conf; }
  for (const line of text.split('\n')) {
    const [key, ...vals] = line.trim().split(/\s+/);
    if (key === 'nameserver' && vals[0]) conf.servers.push(vals[0]);
    else if (key === 'search' || key === 'domain') conf.search = vals;
    else if (key === 'options') for (const o of vals) if (o.startsWith('ndots:')) conf.ndots = Math.min(15, Number(o.slice(6)) || 0);
  }
  return conf;
}

/** nameList is Go's dnsConfig.nameList: a name with fewer dots than ndots is tried with the search domains first. */
function nameList(name, conf) {
  if (name.endsWith('.')) return [name];
  const withSearch = conf.search.map((s) => `${name}.${s.replace(/\.$/, '')}`);
  const dots = name.split('.').length - 1;
  return dots >= conf.ndots ? [name, ...withSearch] : [...withSearch, name];
}

/** lookup is net.LookupSRV("", "", svc): the set of SRV targets, without their final dot. */
async function lookup(svc) {
  const conf = resolvConf();
  const resolver = new dns.promises.Resolver({ timeout: 2000, tries: 2 });
  if (conf.servers.length) resolver.setServers(conf.servers);
  let lastErr;
  for (const fqdn of nameList(svc, conf)) {
    try {
      const recs = await resolver.resolveSrv(fqdn);
      return new Set(recs.map((r) => r.name.replace(/\.$/, '')));
    } catch (e) { lastErr = e; }
  }
  const last = conf.servers[conf.servers.length - 1] ?? '127.0.0.1';
  const server = /:\d+$/.test(last) && !last.includes('::') ? last : `${last}:53`;
  const why = lastErr?.code === 'ENOTFOUND' || lastErr?.code === 'ENODATA' ? 'no such host' : lastErr?.code === 'ETIMEOUT' ? 'i/o timeout' : 'server misbehaving';
  throw new Error(`lookup ${svc} on ${server}: ${why}`);
}

/** shellOut is peer-finder's: `echo -e 'PEERS' | SCRIPT` through bash, its combined output logged. */
function shellOut(peers, script) {
  logf(`execing: ${script} with stdin: ${peers}`);
  const r = spawnSync('bash', ['-c', `echo -e '${peers}' | ${script}`], { encoding: 'utf8' });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) fatalf(`Failed to execute ${script}: ${output}, err: exit status ${r.status ?? 1}`);
  logf(output);
}

const setEq = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));
const list = (s) => `[${[...s].sort().join(' ')}]`;

async function main() {
  const flags = parseArgs(process.argv.slice(2));
  const ns = flags.ns || process.env.POD_NAMESPACE || '';
  if (!flags.service || !ns || (!flags['on-change'] && !flags['on-start'])) {
    fatalf('Incomplete args, require -on-change and/or -on-start, -service and -ns or an env var for POD_NAMESPACE.');
  }
  const myName = [os.hostname(), flags.service, ns, 'svc', flags.domain].join('.');
  let script = flags['on-start'];
  if (!script) {
    script = flags['on-change'];
    logf(`No on-start supplied, on-change ${script} will be applied on start.`);
  }
  let peers = new Set();
  let stopped = false;
  process.on('SIGTERM', () => { stopped = true; process.exit(143); });
  while (script && !stopped) {
    try {
      const newPeers = await lookup(flags.service);
      if (!setEq(newPeers, peers) && newPeers.has(myName)) {
        logf(`Peer list updated\nwas ${list(peers)}\nnow ${list(newPeers)}`);
        shellOut([...newPeers].sort().join('\n'), script);
        peers = newPeers;
        script = flags['on-change'];
        if (!script) break;
      }
    } catch (e) {
      logf(e.message);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  logf('Peer finder exiting');
}

main();
