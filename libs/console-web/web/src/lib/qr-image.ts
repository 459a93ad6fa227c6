// Decoding a QR code in the browser with jsQR: from an uploaded image, or from camera frames (getUserMedia).
import jsQR from 'jsqr';

function decodeCanvas(canvas: HTMLCanvasElement, width: number, height: number): string | undefined {
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) return undefined;
  const pixels = context.getImageData(0, 0, width, height);
  return jsQR(pixels.data, width, height, { inversionAttempts: 'attemptBoth' })?.data;
}

/** The text of the QR code in an image file, or undefined when none is found. */
export async function decodeQrFile(file: Blob): Promise<string | undefined> {
  const bitmap = await createImageBitmap(file);
  try {
    // Large photos are scaled down: jsQR's time grows with the pixels, and a QR code survives the scaling.
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, width, height);
    return decodeCanvas(canvas, width, height);
  } finally {
    bitmap.close();
  }
}

/** Whether this browser can ask for the camera. */
export const cameraAvailable = (): boolean =>
  typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';

/** Scans camera frames into `video` until a QR code is read or `signal` aborts; stops the camera either way. */
export async function scanCamera(video: HTMLVideoElement, signal: AbortSignal): Promise<string | undefined> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: 'environment' },
    audio: false,
  });
  try {
    video.srcObject = stream;
    await video.play();
    const canvas = document.createElement('canvas');
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { videoWidth: width, videoHeight: height } = video;
      if (width === 0 || height === 0) continue;
      canvas.width = width;
      canvas.height = height;
      canvas.getContext('2d')?.drawImage(video, 0, 0, width, height);
      const text = decodeCanvas(canvas, width, height);
      if (text !== undefined) return text;
    }
    return undefined;
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }
}
