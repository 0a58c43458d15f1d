import { barChart, last24Hours, statusTimeline } from './svg-charts';

describe('server-side SVG charts', () => {
  it('draws one bar per point, scaled to the largest, with the failed part over it', () => {
    const svg = barChart([{ label: 'a', value: 10 }, { label: 'b', value: 5, alert: 5 }, { label: 'c', value: 0 }], { label: 'runs', width: 30, height: 10 });
    expect(svg.match(/class="bar"/g)).toHaveLength(3);
    expect(svg).toContain('class="bar" x="0.0" y="0.0" width="9.0" height="10.0"');
    expect(svg).toContain('class="bar-alert" x="10.0" y="5.0"');
    expect(svg).toContain('<title>b: 5 (5 failed)</title>');
    expect(svg).toContain('role="img" aria-label="runs"');
  });

  it('escapes every text it puts in the markup', () => {
    const svg = barChart([{ label: '<script>x</script>', value: 1 }], { label: '"><script>', unit: '<b>' });
    expect(svg).not.toMatch(/<script>|<b>|"><script/);
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;');
    const tl = statusTimeline([{ toStatus: 'healthy', reason: '<img src=x onerror=alert(1)>', at: new Date('2026-01-01T00:00:00Z') }], new Date('2026-01-02T00:00:00Z'), { label: 'h' });
    expect(tl).not.toContain('<img');
    expect(tl).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
  });

  it('lays status bands out in time, an unknown status in a neutral colour', () => {
    const at = (h: number) => new Date(Date.UTC(2026, 0, 1, h));
    const tl = statusTimeline([{ toStatus: 'healthy', reason: null, at: at(0) }, { toStatus: 'degraded', reason: null, at: at(6) }, { toStatus: '"bogus', reason: null, at: at(9) }], at(12), { label: 'h', width: 120 });
    expect(tl).toContain('class="tl-healthy" x="0.0" y="0" width="60.0"');
    expect(tl).toContain('class="tl-degraded" x="60.0" y="0" width="30.0"');
    expect(tl).toContain('class="tl-unknown" x="90.0"');
  });

  it('fills the last 24 hours, empty hours as zero', () => {
    const now = new Date('2026-01-01T12:30:00Z');
    const points = last24Hours([{ hour: new Date('2026-01-01T12:00:00Z'), n: 7 }, { hour: new Date('2025-12-31T13:00:00Z'), n: 2 }], (r) => r.n, now);
    expect(points).toHaveLength(24);
    expect(points[0]).toMatchObject({ label: '13:00 UTC', value: 2 });
    expect(points[23]).toMatchObject({ label: '12:00 UTC', value: 7 });
    expect(points.slice(1, 23).every((p) => p.value === 0)).toBe(true);
  });
});
