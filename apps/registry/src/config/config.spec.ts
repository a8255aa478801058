import { ConfigError, loadConfig, withoutPassword } from './config';

/** loadConfig: the environment read once at start; every bad value is a ConfigError of one line naming the variable. */
const load = (env: Record<string, string | undefined>) => loadConfig(env, '/srv/registry', false);

function refusal(env: Record<string, string | undefined>): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig: defaults', () => {
  it('an empty environment is the documented defaults', () => {
    expect(load({})).toEqual({
      databaseUrl: undefined,
      dataDir: '/srv/registry/.data',
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:8080',
      adminUsername: undefined,
      adminPassword: undefined,
      maxBodyBytes: 16000,
      bcryptCost: 10,
      maxDevicesPerTenant: -1,
      sessionIdleSeconds: 180,
      trustProxy: [],
      secretKey: undefined,
      ocpi: { partyId: 'REG', countryCode: 'NL', role: 'CPO', businessName: 'Device Registry', httpTimeoutMs: 10000, allowPrivateNetworks: false },
      logLevel: 'info',
      logFormat: 'json',
      databaseWaitSeconds: 30,
      databasePreparedStatements: true,
      amqp: { port: 5672, tlsPort: 5671, tlsKey: undefined, tlsCert: undefined },
    });
  });

  it('an empty value is the default, as an unset one', () => {
    expect(load({ PORT: '', LOG_LEVEL: '', DATABASE_URL: '', OCPI_ALLOW_PRIVATE_NETWORKS: '' })).toEqual(load({}));
  });

  it('LOG_FORMAT defaults to pretty on a terminal, json elsewhere', () => {
    expect(loadConfig({}, '/srv', true).logFormat).toBe('pretty');
    expect(loadConfig({}, '/srv', false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, '/srv', true).logFormat).toBe('json');
  });

  it('PUBLIC_URL follows PORT, loses trailing slashes; DATA_DIR resolves against the working directory', () => {
    expect(load({ PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
    expect(load({ HOST: '127.0.0.1', PORT: '9000' })).toMatchObject({ host: '127.0.0.1', publicUrl: 'http://localhost:9000' });
    expect(load({ PUBLIC_URL: 'https://registry.example.com//' }).publicUrl).toBe('https://registry.example.com');
    expect(load({ DATA_DIR: 'state' }).dataDir).toBe('/srv/registry/state');
    expect(load({ DATA_DIR: '/var/lib/registry' }).dataDir).toBe('/var/lib/registry');
  });

  it('integers may carry spaces; booleans any case; TRUST_PROXY is a trimmed list', () => {
    const config = load({
      PORT: ' 0 ',
      BCRYPT_MAX_COST: '4',
      MAX_DEVICES_PER_TENANT: '-1',
      DATABASE_PREPARED_STATEMENTS: 'FALSE',
      OCPI_ALLOW_PRIVATE_NETWORKS: 'True',
      TRUST_PROXY: 'loopback, 10.0.0.0/8 ,::1,fd00::/8',
    });
    expect(config.port).toBe(0);
    expect(config.bcryptCost).toBe(4);
    expect(config.databasePreparedStatements).toBe(false);
    expect(config.ocpi.allowPrivateNetworks).toBe(true);
    expect(config.trustProxy).toEqual(['loopback', '10.0.0.0/8', '::1', 'fd00::/8']);
  });

  it('DATABASE_URL with SECRET_KEY; ADMIN_* and AMQP_TLS_* in pairs', () => {
    const config = load({
      DATABASE_URL: 'postgresql://registry:pw@db/registry',
      SECRET_KEY: 'k'.repeat(32),
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'secret',
      AMQP_TLS_KEY: '/tls/key.pem',
      AMQP_TLS_CERT: '/tls/cert.pem',
    });
    expect(config.databaseUrl).toBe('postgresql://registry:pw@db/registry');
    expect(config.secretKey).toBe('k'.repeat(32));
    expect([config.adminUsername, config.adminPassword]).toEqual(['admin', 'secret']);
    expect(config.amqp).toEqual({ port: 5672, tlsPort: 5671, tlsKey: '/tls/key.pem', tlsCert: '/tls/cert.pem' });
  });
});

describe('loadConfig: configuration errors name the variable in one line', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer, got "abc"'],
    [{ PORT: '70000' }, 'PORT must be between 0 and 65535, got 70000'],
    [{ PORT: '1.5' }, 'PORT must be an integer, got "1.5"'],
    [{ BCRYPT_MAX_COST: '99' }, 'BCRYPT_MAX_COST must be between 4 and 31, got 99'],
    [{ BCRYPT_MAX_COST: '3' }, 'BCRYPT_MAX_COST must be between 4 and 31, got 3'],
    [{ DATABASE_URL: 'notaurl' }, 'DATABASE_URL must be a URL, got "notaurl"'],
    [{ DATABASE_URL: 'mysql://db/registry' }, 'DATABASE_URL must start with postgres:// or postgresql://'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be pretty or json, got "xml"'],
    [{ MAX_BODY_BYTES: '-5' }, 'MAX_BODY_BYTES must be between 64 and 104857600, got -5'],
    [{ MAX_DEVICES_PER_TENANT: '-2' }, `MAX_DEVICES_PER_TENANT must be between -1 and ${Number.MAX_SAFE_INTEGER}, got -2`],
    [{ SESSION_IDLE_SECONDS: '0' }, `SESSION_IDLE_SECONDS must be between 1 and ${Number.MAX_SAFE_INTEGER}, got 0`],
    [{ SECRET_KEY: 'short' }, 'SECRET_KEY must be at least 32 characters (64 hex digits or a long random string)'],
    [{ OCPI_ROLE: 'KING' }, 'OCPI_ROLE must be one of CPO, EMSP, HUB, NAP, NSP, OTHER, SCSP, got "KING"'],
    [{ OCPI_PARTY_ID: 'RE' }, 'OCPI_PARTY_ID must be 3 letters or digits, got "RE"'],
    [{ OCPI_COUNTRY_CODE: 'NLD' }, 'OCPI_COUNTRY_CODE must be 2 letters, got "NLD"'],
    [{ OCPI_BUSINESS_NAME: 'x'.repeat(101) }, `OCPI_BUSINESS_NAME must be 1 to 100 characters, got "${'x'.repeat(101)}"`],
    [{ OCPI_HTTP_TIMEOUT_MS: '0' }, 'OCPI_HTTP_TIMEOUT_MS must be between 1 and 600000, got 0'],
    [{ OCPI_ALLOW_PRIVATE_NETWORKS: 'yes' }, 'OCPI_ALLOW_PRIVATE_NETWORKS must be true or false, got "yes"'],
    [{ DATABASE_PREPARED_STATEMENTS: 'sometimes' }, 'DATABASE_PREPARED_STATEMENTS must be true or false, got "sometimes"'],
    [{ DATABASE_WAIT_SECONDS: '3601' }, 'DATABASE_WAIT_SECONDS must be between 0 and 3600, got 3601'],
    [{ AMQP_PORT: 'amqp' }, 'AMQP_PORT must be an integer, got "amqp"'],
    [{ AMQPS_PORT: '99999' }, 'AMQPS_PORT must be between 0 and 65535, got 99999'],
    [{ AMQP_TLS_KEY: '/only/the/key.pem' }, 'AMQP_TLS_KEY and AMQP_TLS_CERT must be set together (AMQP_TLS_CERT is missing)'],
    [{ AMQP_TLS_CERT: '/only/the/cert.pem' }, 'AMQP_TLS_KEY and AMQP_TLS_CERT must be set together (AMQP_TLS_KEY is missing)'],
    [{ ADMIN_USERNAME: 'admin' }, 'ADMIN_PASSWORD must be set together with the other'],
    [{ ADMIN_PASSWORD: 'secret' }, 'ADMIN_USERNAME must be set together with the other'],
    [{ PUBLIC_URL: 'ftp://registry.example.com' }, 'PUBLIC_URL must start with http:// or https://'],
    [{ TRUST_PROXY: 'loopback,10.0.0.0/33' }, 'TRUST_PROXY must be a comma list of proxy addresses or CIDR ranges (or loopback, linklocal, uniquelocal), got "10.0.0.0/33"'],
    [{ TRUST_PROXY: 'proxy.example.com' }, 'TRUST_PROXY must be a comma list of proxy addresses or CIDR ranges (or loopback, linklocal, uniquelocal), got "proxy.example.com"'],
    [
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'SECRET_KEY is required with DATABASE_URL (generate one with: openssl rand -hex 32)',
    ],
  ])('%j → %s', (env, message) => {
    const text = refusal(env);
    expect(text).toBe(message);
    expect(text.split('\n')).toHaveLength(1);
  });

  it('a DATABASE_URL that is not a URL is shown without its password', () => {
    expect(refusal({ DATABASE_URL: 'postgres//registry:hunter2@db' })).toBe('DATABASE_URL must be a URL, got "postgres//registry:***@db"');
  });
});

describe('withoutPassword', () => {
  it('masks the password of a URL, keeps the user and everything else', () => {
    expect(withoutPassword('postgres://registry:hunter2@127.0.0.1:5432/registry')).toBe('postgres://registry:***@127.0.0.1:5432/registry');
    expect(withoutPassword('postgres://registry@db/registry')).toBe('postgres://registry@db/registry');
    expect(withoutPassword('postgres://db/registry')).toBe('postgres://db/registry');
  });
});
