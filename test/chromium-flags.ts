// One list of Chromium flags for every browser runner (environment.md §9).
// --enable-unsafe-webgpu is the one that matters: it exposes the SwiftShader adapter.
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];
