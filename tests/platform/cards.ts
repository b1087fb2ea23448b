// What the link card tests read: a page's <meta> tags, and a card's PNG decoded.
import { createCanvas, loadImage } from '@napi-rs/canvas';

/** The page's <meta> tags, by property or name, their content unescaped. */
export function metaTags(html: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [, key, content] of html.matchAll(/<meta (?:property|name)="([^"]+)" content="([^"]*)">/g)) {
    tags[key] = content.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return tags;
}

/** The PNG decoded: its size, how many colours it holds, the share of its pixels not white, and whether a colour is in it. */
export async function decoded(png: Buffer) {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  const colours = new Set<number>();
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    colours.add(rgb);
    if (rgb !== 0xffffff) inked++;
  }
  const has = (hex: string) => colours.has(Number.parseInt(hex.slice(1), 16));
  return { width: image.width, height: image.height, colours: colours.size, inked: inked / (image.width * image.height), has };
}
