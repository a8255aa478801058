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

  async function tryItOut(operationId: string, params: Record<string, string>, body?: string): Promise<string> {
    const operation = page.locator(`[id$="-${operationId}"]`).first();
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('.try-out__btn').click();
    for (const [name, value] of Object.entries(params)) {
      await operation.locator(`tr[data-param-name="${name}"] input`).fill(value);
    }
    if (body !== undefined) await operation.locator('textarea.body-param__text').fill(body);
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table tbody td.response-col_status').first();
    await status.waitFor({ timeout: 15_000 });
    return (await status.innerText()).trim();
  }

  it('opens /api/docs, authorises with HTTP Basic, creates a tenant and reads a device', async () => {
    await page.goto(`${t.baseUrl}/api/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('Device Registry');

    await page.locator('button.authorize').first().click();
    const basic = page.locator('.auth-container').filter({ hasText: 'basic' }).first();
    await basic.locator('input[type="text"]').fill(ADMIN.username);
    await basic.locator('input[type="password"]').fill(ADMIN.password);
    await basic.locator('button.authorize').click();
    await page.locator('.modal-ux button.close-modal').click();

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
