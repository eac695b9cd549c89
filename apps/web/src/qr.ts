// Reading a voucher's QR code from a picture: a phone's camera (the file input's `capture`
// opens it) or an image file. jsQR finds and decodes the code in the picture's pixels.

/** The text of the QR code in `picture`; throws a sentence when there is none. */
export async function readQr(picture: Blob): Promise<string> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(picture);
  } catch {
    throw new Error("That file is not a picture.");
  }
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new Error("This browser cannot read pictures.");
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  // loaded when a resident first scans, not with the app
  const { default: jsQR } = await import("jsqr");
  const code = jsQR(pixels.data, pixels.width, pixels.height);
  if (!code || !code.data) throw new Error("No QR code found in that picture: try again, closer and sharper.");
  return code.data;
}
