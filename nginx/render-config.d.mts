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
}
export function renderNginxConfig(options: NginxConfigOptions): string;
export function writeNginxConfig(options: NginxConfigOptions): string;
