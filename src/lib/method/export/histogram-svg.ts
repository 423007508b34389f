// The score histogram as a small self-contained SVG (issue 11 item 4: "histogram as an
// image" in the run report). Bar heights are proportional to counts, the tallest bar is
// BAR_AREA pixels; the text is ASCII (other characters as XML references), so the SVG can be
// base64-encoded into a data URI that Markdown viewers show inline.

export const BAR_AREA = 100;
const BAR_WIDTH = 36;
const GAP = 8;
const TOP = 28;
const BOTTOM = 20;

const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[^\x20-\x7e]/gu, (c) => `&#x${c.codePointAt(0)!.toString(16)};`);

export function histogramSvg(title: string, labels: string[], counts: number[]): string {
  const max = Math.max(0, ...counts);
  const width = GAP + labels.length * (BAR_WIDTH + GAP);
  const height = TOP + BAR_AREA + BOTTOM;
  const bars = counts.map((n, i) => {
    const h = max ? Math.round((n / max) * BAR_AREA * 100) / 100 : 0;
    const x = GAP + i * (BAR_WIDTH + GAP);
    const y = TOP + BAR_AREA - h;
    const cx = x + BAR_WIDTH / 2;
    return (
      `<rect x="${x}" y="${y}" width="${BAR_WIDTH}" height="${h}" fill="#4a7bd0"><title>${xml(labels[i])}: ${n}</title></rect>` +
      `<text x="${cx}" y="${y - 3}" font-size="10" text-anchor="middle">${n}</text>` +
      `<text x="${cx}" y="${height - 6}" font-size="11" text-anchor="middle">${xml(labels[i])}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    `<text x="${GAP}" y="14" font-size="12">${xml(title)}</text>` +
    bars.join('') +
    '</svg>'
  );
}

/** A data URI for the SVG (base64: Markdown image syntax breaks on raw parentheses). */
export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}
