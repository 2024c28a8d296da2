import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClusterView } from '@app/cluster';
import { ADMIN_COOKIE, AdminAuth, type AdminAccess } from './admin-auth.js';
import { ADMIN_CSS, renderAdminPage, renderSignIn } from './admin-page.js';
import { ClusterStats } from './cluster-stats.js';

/** A sign-in form holds one token: anything longer is not one. */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * The admin view: `/admin` for people (server-rendered HTML, no script),
 * `/admin/api` for programs (JSON). Both need the admin credential (AdminAuth).
 */
@Controller('admin')
export class AdminController {
  constructor(
    @Inject(AdminAuth) private readonly auth: AdminAuth,
    @Inject(ClusterStats) private readonly stats: ClusterStats,
    @Inject(ClusterView) private readonly cluster: ClusterView,
  ) {}

  @Get()
  async page(@Req() req: Request, @Res() res: Response): Promise<void> {
    const access = await this.auth.check(req.headers);
    noStore(res);
    if (!access.ok) {
      res
        .status(access.status)
        .type('html')
        .send(renderSignIn(access.status === 401 ? undefined : access.error));
      return;
    }
    res.type('html').send(renderAdminPage(await this.stats.gather(), this.cluster.self));
  }

  @Get('api')
  async api(@Req() req: Request, @Res() res: Response): Promise<void> {
    const access = await this.auth.check(req.headers);
    noStore(res);
    if (!refused(access, res)) res.json({ node: this.cluster.self, ...(await this.stats.gather()) });
  }

  @Get('admin.css')
  css(@Res() res: Response): void {
    res.type('css').setHeader('Cache-Control', 'max-age=3600').send(ADMIN_CSS);
  }

  /** The sign-in form's POST: a good token becomes an HttpOnly cookie for /admin. */
  @Post('login')
  async login(@Req() req: Request, @Res() res: Response): Promise<void> {
    const token = new URLSearchParams(await bodyOf(req)).get('token') ?? '';
    const access = await this.auth.checkCredential(token || undefined);
    noStore(res);
    if (!access.ok) {
      res.status(access.status).type('html').send(renderSignIn(access.error));
      return;
    }
    const secure = req.headers['x-forwarded-proto'] === 'https' || req.secure ? '; Secure' : '';
    res.setHeader(
      'Set-Cookie',
      `${ADMIN_COOKIE}=${encodeURIComponent(token)}; Path=/admin; HttpOnly; SameSite=Strict${secure}`,
    );
    res.redirect(303, '/admin');
  }

  @Post('logout')
  logout(@Res() res: Response): void {
    res.setHeader('Set-Cookie', `${ADMIN_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0`);
    res.redirect(303, '/admin');
  }
}

/** Answers a refusal as JSON; true when it did. */
function refused(access: AdminAccess, res: Response): boolean {
  if (access.ok) return false;
  if (access.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="ringchat admin"');
  res.status(access.status).json({ error: access.error, code: access.code });
  return true;
}

function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
}

/** The request body as text, at most MAX_FORM_BYTES (the node parses no bodies itself). */
function bodyOf(req: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_FORM_BYTES) {
        req.destroy();
        reject(new Error('form too large'));
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
