import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderValues, type PathSegment } from './problem.ts';
import {
  formatBytes,
  formatDuration,
  parseAmount,
  parseBaseUrl,
  parseBoolean,
  formatBasisPoints,
  formatMicros,
  formatMinuteOfDay,
  parseCount,
  parseCurrency,
  parseDate,
  parseDuration,
  parseListen,
  parseNumber,
  parsePercent,
  parsePort,
  parsePrice,
  parseShare,
  parseSize,
  parseTimeRange,
  startOfDay,
  type Report,
} from './values.ts';

interface Outcome<T> {
  readonly value: T | undefined;
  readonly problems: string[];
}

/** Run a parser; problems rendered as `path: message` (path omitted when empty), values as JSON strings. */
function run<T>(parse: (input: unknown, report: Report) => T | undefined, input: unknown): Outcome<T> {
  const problems: string[] = [];
  const value = parse(input, (message: string, path?: readonly PathSegment[]) => {
    const text = renderValues(message, (quoted) => JSON.stringify(quoted));
    problems.push(path === undefined || path.length === 0 ? text : `${path.join('.')}: ${text}`);
  });
  return { value, problems };
}

test('durations: numbers are milliseconds; text takes ms, s, m, h, decimals and combinations', () => {
  const cases: Array<[unknown, number]> = [
    [250, 250],
    [1.6, 2],
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['1m 30s', 90_000],
    ['2 minutes', 120_000],
    ['  45S ', 45_000],
    ['1500', 1500],
  ];
  for (const [input, expected] of cases) assert.deepEqual(run(parseDuration, input), { value: expected, problems: [] }, String(input));
});

test('durations: clear errors for unknown units, nonsense, bad types and out-of-range values', () => {
  assert.deepEqual(run(parseDuration, '10 parsecs').problems, [
    'invalid duration "10 parsecs": unknown unit "parsecs" (units: ms, s, m, h; e.g. "500ms", "30s", "10m" or "1h30m")',
  ]);
  assert.match(run(parseDuration, '10 sec0').problems[0], /^invalid duration "10 sec0"; expected e\.g\. "500ms"/);
  assert.deepEqual(run(parseDuration, '5 mins'), { value: 300_000, problems: [] });
  assert.match(run(parseDuration, '5 sek').problems[0], /unknown unit "sek"; did you mean "sec"\?/);
  assert.match(run(parseDuration, 'soon').problems[0], /^invalid duration "soon"/);
  assert.deepEqual(run(parseDuration, '-5s').problems, ['must be positive, got "-5s"']);
  assert.deepEqual(run(parseDuration, -5).problems, ['must be a positive number of milliseconds']);
  assert.deepEqual(run(parseDuration, 0).problems, ['must be at least 1ms']);
  assert.deepEqual(run(parseDuration, '0.2ms').problems, ['must be at least 1ms']);
  assert.match(run(parseDuration, '25d').problems[0], /unknown unit "d"/);
  assert.deepEqual(run(parseDuration, '600h').problems, ['must be at most 2147483647ms (about 24.8 days)']);
  assert.match(run(parseDuration, [1]).problems[0], /^expected a duration .*, got a list$/);
  assert.equal(run(parseDuration, '10 parsecs').value, undefined);
});

test('sizes: bytes, or binary units in any case', () => {
  const cases: Array<[unknown, number]> = [
    [1024, 1024],
    ['4mb', 4 * 1024 * 1024],
    ['4 MiB', 4 * 1024 * 1024],
    ['512kb', 512 * 1024],
    ['512 KiB', 512 * 1024],
    ['1.5mb', 1.5 * 1024 * 1024],
    ['1g', 1024 ** 3],
    ['100', 100],
    ['100b', 100],
  ];
  for (const [input, expected] of cases) assert.deepEqual(run(parseSize, input), { value: expected, problems: [] }, String(input));
});

test('sizes: clear errors', () => {
  assert.match(run(parseSize, '10 parsecs').problems[0], /^invalid size "10 parsecs": unknown unit "parsecs"/);
  assert.match(run(parseSize, '4 mbs').problems[0], /unknown unit "mbs"; did you mean "mb"\?/);
  assert.match(run(parseSize, 'big').problems[0], /^invalid size "big"; expected a number of bytes or e\.g\. "512kb"/);
  assert.deepEqual(run(parseSize, '-1kb').problems, ['must be positive, got "-1kb"']);
  assert.deepEqual(run(parseSize, 0).problems, ['must be at least 1 byte']);
  assert.deepEqual(run(parseSize, '2gb').problems, ['must be at most 1 GiB (1073741824 bytes)']);
  assert.match(run(parseSize, true).problems[0], /got true$/);
});

test('formatBytes and formatDuration read back naturally', () => {
  assert.equal(formatBytes(4 * 1024 * 1024), '4 MiB');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(100), '100 bytes');
  assert.equal(formatDuration(600_000), '600s');
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(3_600_000), '1h');
});

test('listen: host:port, bracketed IPv6, a port or a host alone, or { host, port }', () => {
  const cases: Array<[unknown, { host: string; port: number }]> = [
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['localhost:9000', { host: 'localhost', port: 9000 }],
    ['[::1]:8081', { host: '::1', port: 8081 }],
    ['::', { host: '::', port: 8080 }],
    ['gateway.internal', { host: 'gateway.internal', port: 8080 }],
    [9090, { host: '127.0.0.1', port: 9090 }],
    ['9090', { host: '127.0.0.1', port: 9090 }],
    [{ host: '0.0.0.0', port: 80 }, { host: '0.0.0.0', port: 80 }],
    [{ port: '81' }, { host: '127.0.0.1', port: 81 }],
    [{}, { host: '127.0.0.1', port: 8080 }],
  ];
  for (const [input, expected] of cases) assert.deepEqual(run(parseListen, input), { value: expected, problems: [] }, JSON.stringify(input));
});

test('listen: explains what is wrong', () => {
  assert.deepEqual(run(parseListen, ':8080').problems, [
    'has no host; write "0.0.0.0:8080" to listen on every interface or "127.0.0.1:8080" for this machine only',
  ]);
  assert.match(run(parseListen, 'http://127.0.0.1:8080').problems[0], /without a scheme/);
  assert.match(run(parseListen, 'localhost:http').problems[0], /^invalid port "http" in "localhost:http"/);
  assert.match(run(parseListen, 'localhost:70000').problems[0], /from 0 to 65535, got 70000/);
  assert.match(run(parseListen, 'bad host:80').problems[0], /^invalid host "bad host"/);
  assert.match(run(parseListen, '[nonsense]:80').problems[0], /IPv6/);
  assert.deepEqual(run(parseListen, { hots: 'x', port: 'y' }).problems, [
    'hots: unknown field; did you mean "host"?',
    'port: expected a port number (0-65535), got text',
  ]);
  assert.match(run(parseListen, [8080]).problems[0], /got a list$/);
});

test('ports, counts and booleans accept the text environment variables produce', () => {
  assert.equal(run(parsePort, '443').value, 443);
  assert.match(run(parsePort, 1.5).problems[0], /whole number from 0 to 65535/);
  assert.equal(run((input, report) => parseCount(input, report, 1, 10), ' 7 ').value, 7);
  assert.deepEqual(run((input, report) => parseCount(input, report, 1, 10), 11).problems, ['must be from 1 to 10, got 11']);
  assert.deepEqual(run((input, report) => parseCount(input, report, 1, 10), 2.5).problems, ['must be a whole number, got 2.5']);
  assert.equal(run(parseBoolean, 'FALSE').value, false);
  assert.equal(run(parseBoolean, true).value, true);
  assert.deepEqual(run(parseBoolean, 'yes').problems, ['expected true or false, got "yes"']);
  assert.deepEqual(run(parseBoolean, 1).problems, ['expected true or false, got a whole number']);
});

test('base URLs: http(s) only, trailing slashes removed, no credentials, query or fragment', () => {
  assert.equal(run(parseBaseUrl, 'https://api.openai.com/v1/').value, 'https://api.openai.com/v1');
  assert.equal(run(parseBaseUrl, 'http://127.0.0.1:8000/v1//').value, 'http://127.0.0.1:8000/v1');
  assert.equal(run(parseBaseUrl, 'HTTP://Example.COM').value, 'http://example.com');
  assert.equal(run(parseBaseUrl, ' https://h/v1 ').value, 'https://h/v1');
  assert.deepEqual(run(parseBaseUrl, 'ftp://h/v1').problems, ['must use http or https, not "ftp"']);
  assert.match(run(parseBaseUrl, 'api.openai.com/v1').problems[0], /needs a scheme/);
  assert.match(run(parseBaseUrl, 'http://').problems[0], /not a valid URL/);
  assert.deepEqual(run(parseBaseUrl, 'https://h/v1?x=1').problems, ['must not contain a query string ("?…"); use headers for extra parameters']);
  assert.deepEqual(run(parseBaseUrl, 'https://h/v1#top').problems, ['must not contain a fragment ("#…")']);
  assert.deepEqual(run(parseBaseUrl, 'https://h/v1?').problems.length, 1, 'an empty query is still a query');
  const withCredentials = run(parseBaseUrl, 'https://user:hunter2@h/v1');
  assert.deepEqual(withCredentials.problems, ['must not contain credentials (user:password@); use auth.api_key or headers']);
  assert.equal(withCredentials.value, undefined);
  assert.match(run(parseBaseUrl, 5).problems[0], /got a whole number$/);
});

test('no parser message repeats a base URL, which may carry a secret', () => {
  for (const input of ['https://user:hunter2@h/v1', 'https://h/v1?key=hunter2', 'https://h/hunter2#x', 'hunter2', 'gopher://hunter2']) {
    for (const problem of run(parseBaseUrl, input).problems) assert.doesNotMatch(problem, /hunter2/, input);
  }
});

test('counts without a practical upper bound say only the lower one', () => {
  const positive = (input: unknown, report: Report) => parseCount(input, report, 1, Number.MAX_SAFE_INTEGER);
  assert.deepEqual(run(positive, '2000000'), { value: 2_000_000, problems: [] });
  assert.deepEqual(run(positive, 0).problems, ['must be at least 1, got 0']);
  assert.deepEqual(run(positive, 2 ** 60).problems, [`must be from 1 to ${Number.MAX_SAFE_INTEGER}, got ${2 ** 60}`]);
});

test('numbers: decimals and text, within exclusive and inclusive bounds', () => {
  const weight = (input: unknown, report: Report) => parseNumber(input, report, { above: 0, atMost: 100 });
  assert.deepEqual(run(weight, 0.5), { value: 0.5, problems: [] });
  assert.deepEqual(run(weight, ' 3 '), { value: 3, problems: [] });
  assert.deepEqual(run(weight, 0).problems, ['must be greater than 0, got 0']);
  assert.deepEqual(run(weight, '-1').problems, ['must be greater than 0, got -1']);
  assert.deepEqual(run(weight, 101).problems, ['must be at most 100, got 101']);
  assert.deepEqual(run(weight, 'heavy').problems, ['expected a number, got text']);
  assert.deepEqual(run(weight, Number.POSITIVE_INFINITY).problems, ['must be a finite number']);
  assert.deepEqual(run((input, report) => parseNumber(input, report, { atLeast: 1 }), 0.5).problems, ['must be at least 1, got 0.5']);
});

test('shares: 0 < x ≤ 1; a percentage is pointed out', () => {
  assert.deepEqual(run(parseShare, 0.5), { value: 0.5, problems: [] });
  assert.deepEqual(run(parseShare, 1), { value: 1, problems: [] });
  assert.deepEqual(run(parseShare, '0.25'), { value: 0.25, problems: [] });
  assert.deepEqual(run(parseShare, 0).problems, ['must be greater than 0, got 0']);
  assert.deepEqual(run(parseShare, 50).problems, ['must be at most 1 (a share: 0.5 is half), got 50']);
  assert.deepEqual(run(parseShare, '50%').problems, ['expected a share from 0 to 1 (0.5 is half), got "50%"']);
});

test('prices: currency units per million tokens become whole micro-units, never rounded', () => {
  const cases: Array<[unknown, number]> = [
    [2.5, 2_500_000],
    [10, 10_000_000],
    [0, 0],
    [0.075, 75_000],
    [0.000001, 1],
    [1.25, 1_250_000],
    ['2.50', 2_500_000],
    [' 0.15 ', 150_000],
    [1_000_000, 1_000_000_000_000],
  ];
  for (const [input, expected] of cases) assert.deepEqual(run(parsePrice, input), { value: expected, problems: [] }, String(input));
  const tooFine = 'must have at most 6 decimal places (prices are kept in millionths of a currency unit)';
  assert.deepEqual(run(parsePrice, 2.5000001).problems, [tooFine]);
  assert.deepEqual(run(parsePrice, 1e-7).problems, [tooFine]);
  assert.deepEqual(run(parsePrice, '0.0000001').problems, [tooFine]);
  assert.deepEqual(run(parsePrice, -1).problems, ['must not be negative, got -1']);
  assert.deepEqual(run(parsePrice, '-1').problems, ['must not be negative, got "-1"']);
  assert.deepEqual(run(parsePrice, 1_000_001).problems, ['must be at most 1000000 (per million tokens), got 1000001']);
  assert.deepEqual(run(parsePrice, '1000000.000001').problems, ['must be at most 1000000 (per million tokens), got "1000000.000001"']);
  assert.deepEqual(run(parsePrice, '$2.50').problems, [
    `invalid price "$2.50"; expected a number of currency units per million tokens, e.g. 2.50; the currency is metering.currency (or the agreement's currency:), not part of the number`,
  ]);
  assert.deepEqual(run(parsePrice, 'cheap').problems, ['invalid price "cheap"; expected a number of currency units per million tokens, e.g. 2.50']);
  assert.deepEqual(run(parsePrice, [1]).problems, ['expected a price per million tokens (e.g. 2.50), got a list']);
  assert.deepEqual(run(parsePrice, Number.NaN).problems, ['must be a finite number']);
});

test('amounts: greater than 0, at most 10^9 currency units, six decimals at most, as whole micro-units', () => {
  const cases: Array<[unknown, number]> = [
    [250_000, 250_000_000_000],
    ['1250.50', 1_250_500_000],
    [0.000001, 1],
    [1_000_000_000, 1_000_000_000_000_000],
    [' 42 ', 42_000_000],
  ];
  for (const [input, expected] of cases) assert.deepEqual(run(parseAmount, input), { value: expected, problems: [] }, String(input));
  assert.deepEqual(run(parseAmount, 0).problems, ['must be greater than 0, got 0']);
  assert.deepEqual(run(parseAmount, '0.000000').problems, ['must be greater than 0, got "0.000000"']);
  assert.deepEqual(run(parseAmount, -5).problems, ['must not be negative, got -5']);
  assert.deepEqual(run(parseAmount, 1_000_000_000.000001).problems, ['must be at most 1000000000, got 1000000000.000001']);
  assert.deepEqual(run(parseAmount, 0.0000001).problems, ['must have at most 6 decimal places (amounts are kept in millionths of a currency unit)']);
  assert.deepEqual(run(parseAmount, '1.0000001').problems, ['must have at most 6 decimal places (amounts are kept in millionths of a currency unit)']);
  assert.deepEqual(run(parseAmount, '1,000,000').problems, ['invalid amount "1,000,000"; expected a number of currency units, e.g. 250000, without thousands separators']);
  assert.deepEqual(run(parseAmount, '250000 USD').problems, [
    `invalid amount "250000 USD"; expected a number of currency units, e.g. 250000; the currency is metering.currency (or the agreement's currency:), not part of the number`,
  ]);
  assert.deepEqual(run(parseAmount, true).problems, ['expected an amount (e.g. 250000), got true']);
});

test('percentages: 25, "25%" and "12.5 %" become basis points; two decimals at most; bounds exact', () => {
  const share = (input: unknown) => run((value, report) => parsePercent(value, report, { positive: true, atMost: 100 }), input);
  const markup = (input: unknown) => run((value, report) => parsePercent(value, report, { positive: false, atMost: 1000 }), input);
  const cases: Array<[unknown, number]> = [
    [20, 2000],
    ['20%', 2000],
    ['12.5 %', 1250],
    [0.01, 1],
    [12.34, 1234],
    ['12.30', 1230],
    [100, 10_000],
  ];
  for (const [input, expected] of cases) assert.deepEqual(share(input), { value: expected, problems: [] }, String(input));
  assert.deepEqual(share(0).problems, ['must be greater than 0, got 0']);
  assert.deepEqual(share('0%').problems, ['must be greater than 0, got "0%"']);
  assert.deepEqual(share(100.01).problems, ['must be at most 100 (percent), got 100.01']);
  assert.deepEqual(share(12.345).problems, ['must have at most 2 decimal places (percentages are kept in hundredths of a percent)']);
  assert.deepEqual(share(1e-7).problems, ['must have at most 2 decimal places (percentages are kept in hundredths of a percent)']);
  assert.deepEqual(share('twenty').problems, ['invalid percentage "twenty"; expected a number of percent, e.g. 25 or "25%"']);
  assert.deepEqual(share('0.2 of it').problems, ['invalid percentage "0.2 of it"; expected a number of percent, e.g. 25 or "25%"']);
  assert.deepEqual(share([20]).problems, ['expected a percentage (e.g. 25 or "25%"), got a list']);
  assert.deepEqual(markup(0), { value: 0, problems: [] });
  assert.deepEqual(markup(1000), { value: 100_000, problems: [] });
  assert.deepEqual(markup(1000.01).problems, ['must be at most 1000 (percent), got 1000.01']);
  assert.deepEqual(markup(-1).problems, ['must not be negative, got -1']);
  assert.equal(formatBasisPoints(2000), '20');
  assert.equal(formatBasisPoints(1250), '12.5');
  assert.equal(formatBasisPoints(1), '0.01');
  assert.equal(formatBasisPoints(0), '0');
});

test('currencies: three upper-case letters', () => {
  assert.deepEqual(run(parseCurrency, 'EUR'), { value: 'EUR', problems: [] });
  assert.deepEqual(run(parseCurrency, ' USD '), { value: 'USD', problems: [] });
  assert.deepEqual(run(parseCurrency, 'usd').problems, ['invalid currency "usd"; did you mean "USD"? (ISO 4217 codes are upper case)']);
  assert.deepEqual(run(parseCurrency, 'abc').problems, ['invalid currency "abc"; expected an ISO 4217 code, three upper-case letters such as USD or EUR'], 'no code to suggest');
  assert.deepEqual(run(parseCurrency, 'US$').problems, ['invalid currency "US$"; expected an ISO 4217 code, three upper-case letters such as USD or EUR']);
  assert.deepEqual(run(parseCurrency, 'EURO').problems, ['invalid currency "EURO"; expected an ISO 4217 code, three upper-case letters such as USD or EUR']);
  assert.deepEqual(run(parseCurrency, 978).problems, ['expected a currency code (e.g. USD or EUR), got a whole number']);
});

test('formatMicros shows units with at least two decimals, exactly', () => {
  assert.equal(formatMicros(2_500_000), '2.50');
  assert.equal(formatMicros(75_000), '0.075');
  assert.equal(formatMicros(10_000_000), '10.00');
  assert.equal(formatMicros(1), '0.000001');
  assert.equal(formatMicros(0), '0.00');
});

test('dates: real YYYY-MM-DD days only', () => {
  assert.deepEqual(run(parseDate, '2032-12-31'), { value: '2032-12-31', problems: [] });
  assert.deepEqual(run(parseDate, ' 2024-02-29 '), { value: '2024-02-29', problems: [] });
  assert.deepEqual(run(parseDate, '2025-02-29').problems, ['invalid date "2025-02-29": there is no such day']);
  assert.deepEqual(run(parseDate, '2025-13-01').problems, ['invalid date "2025-13-01": there is no such day']);
  assert.deepEqual(run(parseDate, '1969-12-31').problems, ['invalid date "1969-12-31": must be in 1970 or later']);
  assert.deepEqual(run(parseDate, '31/12/2032').problems, ['invalid date "31/12/2032"; expected "YYYY-MM-DD", e.g. "2032-12-31"']);
  assert.deepEqual(run(parseDate, '2032-1-5').problems, ['invalid date "2032-1-5"; expected "YYYY-MM-DD", e.g. "2032-12-31"']);
  assert.deepEqual(run(parseDate, 2032).problems, ['expected a date "YYYY-MM-DD" (e.g. "2032-12-31"), got a whole number']);
  assert.equal(startOfDay('2032-12-31'), Date.UTC(2032, 11, 31));
});

test('time ranges: HH:MM-HH:MM, crossing midnight allowed, 24:00 only as an end', () => {
  assert.deepEqual(run(parseTimeRange, '22:00-06:00'), { value: { startMinute: 1320, endMinute: 360 }, problems: [] });
  assert.deepEqual(run(parseTimeRange, '9:30 - 17:45'), { value: { startMinute: 570, endMinute: 1065 }, problems: [] });
  assert.deepEqual(run(parseTimeRange, '00:00-24:00'), { value: { startMinute: 0, endMinute: 1440 }, problems: [] });
  const outOfRange = (text: string) => `invalid time range "${text}": hours are 00 to 23 and minutes 00 to 59 (24:00 only as an end)`;
  assert.deepEqual(run(parseTimeRange, '25:00-06:00').problems, [outOfRange('25:00-06:00')]);
  assert.deepEqual(run(parseTimeRange, '24:00-06:00').problems, [outOfRange('24:00-06:00')]);
  assert.deepEqual(run(parseTimeRange, '22:60-06:00').problems, [outOfRange('22:60-06:00')]);
  assert.deepEqual(run(parseTimeRange, '06:00-06:00').problems, ['invalid time range "06:00-06:00": the start and the end are the same time']);
  assert.deepEqual(run(parseTimeRange, '10pm-6am').problems, ['invalid time range "10pm-6am"; expected "HH:MM-HH:MM", e.g. "22:00-06:00"']);
  assert.deepEqual(run(parseTimeRange, 22).problems, ['expected a time range "HH:MM-HH:MM" (e.g. "22:00-06:00"), got a whole number']);
  assert.equal(formatMinuteOfDay(1320), '22:00');
  assert.equal(formatMinuteOfDay(1440), '24:00');
  assert.equal(formatMinuteOfDay(65), '01:05');
});
