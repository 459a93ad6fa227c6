// A camera for the browser tests: Chromium's fake capture device plays a Y4M file, so a page that calls
// getUserMedia sees the device's label as a phone held up to it would (the QR code on a white desk, off-centre).
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

/** The frame's size: a common camera resolution, larger than the label so that the page must find the code in it. */
const width = 640;
const height = 480;

/**
 * Writes to `path` a one-frame Y4M video (4:2:0, which Chromium's file capture reads) of the PNG `png` in grey on
 * white, placed off-centre. Chromium loops the frame for as long as the camera is open.
 */
export function writeLabelVideo(png: Buffer, path: string): void {
  const image = PNG.sync.read(png);
  if (image.width > width - 40 || image.height > height - 40)
    throw new Error(`the label (${image.width}×${image.height}) does not fit a ${width}×${height} frame`);
  const luma = Buffer.alloc(width * height, 235);
  const left = 40;
  const top = Math.floor((height - image.height) / 2);
  for (let y = 0; y < image.height; y += 1)
    for (let x = 0; x < image.width; x += 1) {
      const at = (y * image.width + x) * 4;
      const [r, g, b, a] = [image.data[at]!, image.data[at + 1]!, image.data[at + 2]!, image.data[at + 3]!];
      // BT.601 luma over the white desk, in the video range 16–235.
      const grey = (0.299 * r + 0.587 * g + 0.114 * b) * (a / 255) + 255 * (1 - a / 255);
      luma[(top + y) * width + left + x] = Math.round(16 + (grey * 219) / 255);
    }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`, 'ascii');
  writeFileSync(path, Buffer.concat([header, luma, chroma]));
}
