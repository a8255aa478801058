import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { http } from '../setup/http';
import { ADMIN, startTestApp, TestApp } from '../setup/test-app';

/** Debian's Chromium (apt-get install chromium); no browser is downloaded. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}
const describeWithBrowser = available ? describe : describe.skip;

jest.setTimeout(90_000);

describeWithBrowser('the API explorer in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    t = await startTestApp();
    const admin = http(t.baseUrl, t.admin);
    expect((await admin.post('/v1/tenants/browser-demo', {})).status).toBe(201);
    expect((await admin.post('/v1/devices/browser-demo/thermometer', { ext: { brand: 'acme' } })).status).toBe(201);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Opens an operation, presses "Try it out", fills what is given (nothing: the defaults as shown), presses Execute. */
  async function tryItOut(operationId: string, params: Record<string, string> = {}, body?: string): Promise<string> {
    const operation = page.locator(`[id$="-${operationId}"]`).first();
    if (!(await operation.locator('.opblock-body').isVisible())) await operation.locator('.opblock-summary').first().click();
    const tryOut = operation.locator('.try-out__btn');
    if ((await tryOut.innerText()).trim() === 'Try it out') await tryOut.click();
    for (const [name, value] of Object.entries(params)) {
      await operation.locator(`tr[data-param-name="${name}"] input`).fill(value);
    }
    if (body !== undefined) await operation.locator('textarea.body-param__text').fill(body);
    const previous = operation.locator('.live-responses-table');
    if (await previous.count()) await operation.locator('button.btn-clear').click();
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table tbody td.response-col_status').first();
    await status.waitFor({ timeout: 15_000 });
    return (await status.innerText()).trim();
  }

  async function authorize(): Promise<void> {
    await page.locator('button.authorize').first().click();
    const basic = page.locator('.auth-container').filter({ hasText: 'basic' }).first();
    await basic.locator('input[type="text"]').fill(ADMIN.username);
    await basic.locator('input[type="password"]').fill(ADMIN.password);
    await basic.locator('button.authorize').click();
    await page.locator('.modal-ux button.close-modal').click();
  }

  /** Everything the page keeps in the browser: storage of both kinds and cookies. */
  async function storedInBrowser(): Promise<string> {
    const storage = await page.evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })');
    const cookies = JSON.stringify(await page.context().cookies());
    return storage + cookies;
  }

  it('answers 401 in the page when a request is executed before authorising (no browser login prompt)', async () => {
    await page.goto(`${t.baseUrl}/api/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await tryItOut('DevicesController_get', { tenantId: 'browser-demo', deviceId: 'thermometer' })).toBe('401');
    expect(await page.locator('[id$="-DevicesController_get"] .live-responses-table').first().innerText()).toContain('authentication required');
  });

  it('executes the default examples of tenant create, device create and credentials PUT as shown', async () => {
    await page.goto(`${t.baseUrl}/api/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    await authorize();
    expect(await tryItOut('TenantsController_createWithId')).toBe('201');
    expect(await tryItOut('DevicesController_createWithId')).toBe('201');
    expect(await tryItOut('CredentialsController_update')).toBe('204');
    expect(await tryItOut('CredentialsController_get')).toBe('200');

    // what the page did really happened: tenant acme, its device sensor-1 with one credential of each type
    const admin = http(t.baseUrl, t.admin);
    expect((await admin.get('/v1/tenants/acme')).status).toBe(200);
    expect((await admin.get('/v1/devices/acme/sensor-1')).status).toBe(200);
    const credentials = await admin.get('/v1/credentials/acme/sensor-1');
    expect(credentials.body.map((credential: { type: string }) => credential.type)).toEqual(['hashed-password', 'psk', 'x509-cert', 'rpk', 'api-key']);
  });

  it('does not keep the typed password in the browser', async () => {
    await page.goto(`${t.baseUrl}/api/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    await authorize();
    expect(await tryItOut('UsersController_me')).toBe('200');
    const stored = await storedInBrowser();
    expect(stored).not.toContain(ADMIN.password);
    expect(stored).not.toContain(Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64'));
    // a new page load starts unauthorised
    await page.reload();
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await tryItOut('UsersController_me')).toBe('401');
  });

  it('authorises OVMS style with a username and a password in the URL', async () => {
    await page.goto(`${t.baseUrl}/api/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    await page.locator('button.authorize').first().click();
    for (const [scheme, value] of [
      ['url-username', ADMIN.username],
      ['url-password', ADMIN.password],
    ]) {
      const container = page.locator('.auth-container').filter({ has: page.locator('h4', { hasText: scheme }) });
      await container.locator('input').first().fill(value);
      await container.locator('button.authorize').click();
    }
    await page.locator('.modal-ux button.close-modal').click();
    expect(await tryItOut('UsersController_me')).toBe('200');
    expect(await page.locator('[id$="-UsersController_me"] .live-responses-table').first().innerText()).toContain('"via": "password"');
  });

  it('opens /api/docs, authorises with HTTP Basic, creates a tenant and reads a device', async () => {
    await page.goto(`${t.baseUrl}/api/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('Device Registry');

    await authorize();

    expect(await tryItOut('TenantsController_createWithId', { tenantId: 'from-the-browser' }, '{"ext": {"created-by": "swagger-ui"}}')).toBe('201');
    expect(await tryItOut('DevicesController_get', { tenantId: 'browser-demo', deviceId: 'thermometer' })).toBe('200');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'api-explorer.png'), fullPage: false });

    // what the browser did really happened
    const tenant = await http(t.baseUrl, t.admin).get('/v1/tenants/from-the-browser');
    expect(tenant.status).toBe(200);
    expect(tenant.body).toEqual({ ext: { 'created-by': 'swagger-ui' } });
  });
});
