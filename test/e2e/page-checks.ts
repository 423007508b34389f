// Checks every e2e screen walk shares: console and network problems, axe-core accessibility
// violations (serious and critical), and screenshots at a laptop and a projector size.
import type { Page } from '@playwright/test';

export const screens = 'test-results/screens';
export const sizes = [
  { width: 1280, height: 800 },
  { width: 1024, height: 768 },
];

/** Everything the browser complained about, as readable lines. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error')
      problems.push(`console ${m.type()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (r) =>
    problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`),
  );
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Serious and critical axe-core violations of the current screen, one readable line each. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window)))
    await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}\n` +
        v.nodes
          .slice(0, 5)
          .map((n) => `    at ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ')}`)
          .join('\n'),
    );
}

/**
 * What the user sees at each size (`<screen>-1280x800.png`), plus the whole page at the
 * laptop size (`<screen>-1280x800-full.png`) for what lies below the fold.
 */
export async function screenshots(page: Page, screen: string): Promise<void> {
  for (const size of sizes) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${screens}/${screen}-${size.width}x${size.height}.png` });
  }
  await page.setViewportSize(sizes[0]);
  const { width, height } = sizes[0];
  await page.screenshot({
    path: `${screens}/${screen}-${width}x${height}-full.png`,
    fullPage: true,
  });
}

/**
 * Where keyboard focus goes against where things are drawn: tabs through the controls inside
 * `selector` and returns a readable line for every step that jumps backwards in reading order
 * (up, or left on the same row) within one group (fieldset), and for groups visited out of
 * reading order. Also flags any positive tabindex on the page, which reorders focus.
 */
export async function focusOrderProblems(page: Page, selector: string): Promise<string[]> {
  const problems: string[] = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[tabindex]')]
      .filter((el) => el.tabIndex > 0)
      .map((el) => `positive tabindex on ${el.outerHTML.slice(0, 80)}`),
  );
  await page.locator(selector).locator('input, select, button, textarea').first().focus();
  type Stop = { name: string; group: number; top: number; left: number };
  const stops: Stop[] = [];
  for (let i = 0; i < 60; i++) {
    const stop = await page.evaluate((sel) => {
      const el = document.activeElement as HTMLElement | null;
      const root = document.querySelector(sel);
      if (!el || !root?.contains(el)) return null;
      const groups = [...root.querySelectorAll('fieldset')];
      const r = el.getBoundingClientRect();
      const group = groups.findIndex((g) => g.contains(el));
      const label = (el as HTMLInputElement).labels?.[0]?.textContent?.trim();
      const name = `${el.tagName.toLowerCase()} "${el.getAttribute('aria-label') ?? label ?? ''}"`;
      // Page coordinates: focusing scrolls the page, which moves viewport coordinates.
      return { name, group, top: r.top + scrollY, left: r.left + scrollX };
    }, selector);
    if (!stop) break;
    stops.push(stop);
    await page.keyboard.press('Tab');
  }
  const before = (a: { top: number; left: number }, b: { top: number; left: number }) =>
    b.top > a.top + 4 || (Math.abs(b.top - a.top) <= 4 && b.left >= a.left);
  for (let i = 1; i < stops.length; i++) {
    const [a, b] = [stops[i - 1], stops[i]];
    if (a.group === b.group && !before(a, b))
      problems.push(
        `focus moves back from ${a.name} (${a.left},${a.top}) to ${b.name} (${b.left},${b.top})`,
      );
  }
  const groupBoxes = await page
    .locator(selector)
    .locator('fieldset')
    .evaluateAll((fs) =>
      fs
        .map((f) => f.getBoundingClientRect())
        .map(({ top, left }) => ({ top: top + scrollY, left: left + scrollX })),
    );
  const visited = [...new Set(stops.map((s) => s.group))];
  for (let i = 1; i < visited.length; i++)
    if (!before(groupBoxes[visited[i - 1]], groupBoxes[visited[i]]))
      problems.push(`focus visits group ${visited[i]} after group ${visited[i - 1]}`);
  if (stops.length < 2) problems.push(`only ${stops.length} focus stop(s) in ${selector}`);
  return problems;
}
