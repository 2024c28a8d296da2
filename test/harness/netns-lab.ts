import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NetnsLabOptions {
  /**
   * Every namespace and root-namespace link the lab creates is named
   * `<family><pid>-…` (the pid in base 36), so two runs never meet; leftovers of
   * a family whose process is gone (a crashed run's) are removed first.
   */
  family: string;
  /** Host names, short (a link name holds at most 15 characters). */
  hosts: string[];
  /**
   * Candidate /24 networks (first three octets); the first that overlaps no route
   * of the machine is used. @default 10.213.0, 10.213.1, 10.231.0, 172.31.213
   */
  subnets?: string[];
}

export interface LabHost {
  name: string;
  netns: string;
  address: string;
  /** Runs a command inside this host's namespace (a ManagedProcess launcher). */
  launcher: string[];
}

const DEFAULT_SUBNETS = ['10.213.0', '10.213.1', '10.231.0', '172.31.213'];
/** Host addresses start here: .1 is the test process's own (root namespace). */
const FIRST_HOST_OCTET = 10;

/** Why the lab cannot be built here (not root, no `ip`, namespaces refused), or undefined. */
export async function netnsLabProblem(family: string): Promise<string | undefined> {
  const needs = 'needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN (network namespaces, veth links, a bridge)';
  if (process.getuid?.() !== 0) return `${needs}; run it as root, as CI does`;
  const probe = `${labPrefix(family)}-probe`;
  try {
    await ip('netns', 'add', probe);
    await ip('netns', 'del', probe);
  } catch (error) {
    return `${needs}, and could not create one here: ${(error as Error).message}`;
  }
  return undefined;
}

/**
 * A lab of "hosts" on one machine: each host a Linux network namespace with an
 * address of its own on one /24, wired by a veth pair to a bridge in a namespace
 * of its own (the switch: traffic between hosts never meets the machine's own
 * firewall). The test process reaches the lab from the root namespace through
 * one more veth. Needs root. docs/deploy.md shows the same `ip` commands.
 */
export class NetnsLab {
  /** The test process's address on the lab network (root namespace). */
  readonly rootAddress: string;
  private readonly hosts = new Map<string, LabHost>();

  private constructor(
    private readonly prefix: string,
    readonly subnet: string,
    hostNames: string[],
  ) {
    this.rootAddress = `${subnet}.1`;
    hostNames.forEach((name, i) => {
      const netns = `${prefix}-${name}`;
      const address = `${subnet}.${FIRST_HOST_OCTET + i}`;
      this.hosts.set(name, { name, netns, address, launcher: ['ip', 'netns', 'exec', netns] });
    });
  }

  /** Removes the family's leftovers, then builds the lab (undone again if a step fails). */
  static async create(options: NetnsLabOptions): Promise<NetnsLab> {
    await removeLeftovers(options.family);
    const subnet = await freeSubnet(options.subnets ?? DEFAULT_SUBNETS);
    const lab = new NetnsLab(labPrefix(options.family), subnet, options.hosts);
    try {
      await lab.build();
    } catch (error) {
      await lab.destroy();
      throw error;
    }
    return lab;
  }

  host(name: string): LabHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no lab host ${name}`);
    return host;
  }

  /** Pulls the host's cable: its switch port goes down, its own config stays. */
  async cut(name: string): Promise<void> {
    await ip('-n', this.switchNetns, 'link', 'set', 'dev', this.host(name).name, 'down');
  }

  async restore(name: string): Promise<void> {
    await ip('-n', this.switchNetns, 'link', 'set', 'dev', this.host(name).name, 'up');
  }

  /** Kills whatever still runs in the lab's namespaces and removes them all. */
  destroy(): Promise<void> {
    return removeNetnsLab(this.prefix);
  }

  private get switchNetns(): string {
    return `${this.prefix}-switch`;
  }

  private async build(): Promise<void> {
    const sw = this.switchNetns;
    await ip('netns', 'add', sw);
    await ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', sw, 'link', 'set', 'dev', 'br0', 'up');
    for (const host of this.hosts.values()) {
      await ip('netns', 'add', host.netns);
      // eth0 in the host, its peer (named after the host) a port of the bridge.
      await ip(
        'link',
        'add',
        'eth0',
        'netns',
        host.netns,
        'type',
        'veth',
        'peer',
        'name',
        host.name,
        'netns',
        sw,
      );
      await ip('-n', sw, 'link', 'set', 'dev', host.name, 'master', 'br0', 'up');
      await ip('-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
      await ip('-n', host.netns, 'link', 'set', 'dev', 'eth0', 'up');
      await ip('-n', host.netns, 'link', 'set', 'dev', 'lo', 'up');
    }
    const rootLink = `${this.prefix}-root`;
    await ip('link', 'add', rootLink, 'type', 'veth', 'peer', 'name', 'root', 'netns', sw);
    await ip('-n', sw, 'link', 'set', 'dev', 'root', 'master', 'br0', 'up');
    await ip('addr', 'add', `${this.rootAddress}/24`, 'dev', rootLink);
    await ip('link', 'set', 'dev', rootLink, 'up');
  }
}

function labPrefix(family: string, pid = process.pid): string {
  return `${family}${pid.toString(36)}`;
}

/** Labs of the family whose process is gone: what a crashed or killed run left behind. */
async function removeLeftovers(family: string): Promise<void> {
  const owner = new RegExp(`^${family}([0-9a-z]+)-`);
  const names = [
    ...(await ip('netns', 'list')).split('\n').map((line) => line.split(' ')[0] ?? ''),
    ...(JSON.parse(await ip('-j', 'link', 'show')) as Array<{ ifname: string }>).map((link) => link.ifname),
  ];
  const pids = new Set(names.map((name) => owner.exec(name)?.[1]).filter((pid) => pid !== undefined));
  for (const pid of pids) {
    if (!isRunning(parseInt(pid, 36))) await removeNetnsLab(`${family}${pid}`);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes every namespace named `<prefix>-*` (killing its processes first: a
 * namespace lives on while a process holds it) and the root link `<prefix>-root`.
 */
async function removeNetnsLab(prefix: string): Promise<void> {
  const listed = (await ip('netns', 'list')).split('\n');
  const namespaces = listed
    .map((line) => line.split(' ')[0])
    .filter((name) => name?.startsWith(`${prefix}-`));
  for (const netns of namespaces) {
    const pids = (await ip('netns', 'pids', netns).catch(() => '')).split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await ip('netns', 'del', netns);
  }
  // Deleting the switch namespace took the pair's other end, and so this one, along.
  await ip('link', 'del', 'dev', `${prefix}-root`).catch(() => undefined);
}

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: 10_000 });
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`ip ${args.join(' ')} failed: ${stderr?.trim() || (error as Error).message}`);
  }
}

/** The first candidate /24 that overlaps no IPv4 route of the machine. */
async function freeSubnet(candidates: string[]): Promise<string> {
  const routes = JSON.parse(await ip('-j', '-4', 'route', 'show', 'table', 'all')) as Array<{ dst: string }>;
  const taken = routes.map((route) => route.dst).filter((dst) => dst !== 'default');
  const free = candidates.find((subnet) => !taken.some((dst) => overlaps(`${subnet}.0/24`, dst)));
  if (!free) throw new Error(`every lab network overlaps a route here: ${candidates.join(', ')} (.0/24)`);
  return free;
}

function overlaps(a: string, b: string): boolean {
  const [addressA, lengthA] = parsePrefix(a);
  const [addressB, lengthB] = parsePrefix(b);
  const length = Math.min(lengthA, lengthB);
  const mask = length === 0 ? 0 : (~0 << (32 - length)) >>> 0;
  return (addressA & mask) >>> 0 === (addressB & mask) >>> 0;
}

function parsePrefix(text: string): [number, number] {
  const [address = '', length = '32'] = text.split('/');
  const value = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  return [value, Number(length)];
}
