export interface NginxConfigOptions {
  prefix: string;
  port: number;
  upstreams: string[];
  logDir: string;
  listenHost?: string;
  proxyTimeoutSeconds?: number;
  daemon?: boolean;
  fileLimit?: number;
  stickyByAddress?: boolean;
  /** Owner hint: requests whose sid starts with `<id>.` go to `address` first. */
  owners?: Array<{ id: string; address: string }>;
}
export function renderNginxConfig(options: NginxConfigOptions): string;
export function writeNginxConfig(options: NginxConfigOptions): string;
