//! What an uploaded file must be, and what is kept of it: the format is read from the bytes
//! (JPEG, PNG or WebP, whatever the file is called); the image is decoded within bounds, so a
//! decompression bomb (a small file claiming a huge canvas) is refused before anything is
//! allocated for it; a thumbnail is made once, turned upright by the EXIF orientation; and the
//! original is served without its metadata (EXIF GPS position, XMP, IPTC, text chunks), keeping
//! only the orientation it needs to display upright. CPU-bound: run it off the async runtime.

use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, codecs::jpeg::JpegEncoder,
    metadata::Orientation,
};
use img_parts::{Bytes, ImageEXIF, jpeg::Jpeg, png::Png, webp::WebP};
use sha2::{Digest, Sha256};

/// Widest or tallest accepted image, in pixels (a 100-megapixel camera is 12,288 wide).
pub(crate) const MAX_DIMENSION: u32 = 16_384;
/// Memory the decoder may use for one image: 16,384 x 8,192 RGBA, well under 1 GiB.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// The thumbnail's longer side.
pub(crate) const THUMBNAIL_SIZE: u32 = 320;
const THUMBNAIL_QUALITY: u8 = 80;

/// An accepted photo, ready to store.
#[derive(Debug)]
pub(crate) struct Picture {
    pub content_type: &'static str,
    /// The original, metadata stripped: what `GET /photos/{id}` serves.
    pub original: Bytes,
    /// As displayed (after the EXIF orientation).
    pub width: u32,
    pub height: u32,
    /// A JPEG at most [`THUMBNAIL_SIZE`] on its longer side, upright.
    pub thumbnail: Bytes,
    pub sha256: String,
    pub thumbnail_sha256: String,
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks and prepares an upload; the message says what is wrong with it. The upload's buffer
/// is the only full copy of the file until the stripped original is written beside it (and
/// then dropped): a photo is held at most twice.
pub(crate) fn prepare(bytes: Vec<u8>) -> Result<Picture, String> {
    let format = image::guess_format(&bytes)
        .ok()
        .filter(|f| matches!(f, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP))
        .ok_or("the file is not a JPEG, PNG or WebP image")?;
    // JPEG decoders are lenient and paint a cut-off scan grey: a JPEG must end its scan.
    if format == ImageFormat::Jpeg && !ends_its_scan(&bytes) {
        return Err(CORRUPT.into());
    }
    let content_type = match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        _ => "image/webp",
    };
    let Decoded {
        mut pixels,
        width,
        height,
        orientation,
    } = match format {
        ImageFormat::Jpeg => decode_jpeg(&bytes)?,
        _ => decode(&bytes, format)?,
    };
    pixels.apply_orientation(orientation);
    let (width, height) = if swaps_sides(orientation) {
        (height, width)
    } else {
        (width, height)
    };

    // Never enlarged: a small photo is its own thumbnail.
    // `thumbnail` averages areas in integers into the small output: no full-size float
    // intermediate as `resize` makes (which doubled the memory of a large photo).
    let thumbnail = if pixels.width() > THUMBNAIL_SIZE || pixels.height() > THUMBNAIL_SIZE {
        pixels.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE)
    } else {
        pixels
    }
    .into_rgb8();
    let mut thumbnail_bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut thumbnail_bytes, THUMBNAIL_QUALITY)
        .encode_image(&thumbnail)
        .map_err(|e| format!("could not make a thumbnail: {e}"))?;

    let original = strip_metadata(bytes, format, orientation)?;
    Ok(Picture {
        content_type,
        sha256: hex_sha256(&original),
        thumbnail_sha256: hex_sha256(&thumbnail_bytes),
        original,
        width,
        height,
        thumbnail: Bytes::from(thumbnail_bytes),
    })
}

const CORRUPT: &str = "the image is truncated or corrupt";

/// The pixels a thumbnail is made from (possibly fewer than the photo has), with the photo's
/// stored size and how it is to be turned.
struct Decoded {
    pixels: DynamicImage,
    width: u32,
    height: u32,
    orientation: Orientation,
}

fn check_dimensions(width: u32, height: u32) -> Result<(), String> {
    if width == 0 || height == 0 {
        return Err("the image has no pixels".into());
    }
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(too_large());
    }
    Ok(())
}

fn too_large() -> String {
    format!("the image is too large: at most {MAX_DIMENSION} x {MAX_DIMENSION} pixels")
}

/// A PNG or WebP (or an unusual JPEG), decoded whole by `image` within the limits.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<Decoded, String> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let pixels = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    Ok(Decoded {
        pixels,
        width,
        height,
        orientation,
    })
}

/// A JPEG decoded at the smallest DCT scale (1/8, 1/4, 1/2 or 1) that still covers the
/// thumbnail: a 4000 x 3000 photo becomes 500 x 375 pixels (0.6 MB) instead of 36 MB, and
/// every block of the scan is still decoded, so a broken file is still refused. `image`'s
/// decoder cannot scale (and reads the file into a second buffer first); `jpeg-decoder`,
/// from the same project, can. CMYK and 16-bit JPEGs, rare in photos, go to `image` whole.
fn decode_jpeg(bytes: &[u8]) -> Result<Decoded, String> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(MAX_DECODE_BYTES as usize);
    decoder.read_info().map_err(jpeg_refusal)?;
    let info = decoder.info().ok_or(CORRUPT)?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_dimensions(width, height)?;
    use jpeg_decoder::PixelFormat;
    if !matches!(info.pixel_format, PixelFormat::L8 | PixelFormat::RGB24) {
        return decode(bytes, ImageFormat::Jpeg);
    }
    let orientation = decoder
        .exif_data()
        .and_then(exif_orientation)
        .unwrap_or(Orientation::NoTransforms);
    let side = THUMBNAIL_SIZE as u16;
    let (scaled_width, scaled_height) = decoder.scale(side, side).map_err(jpeg_refusal)?;
    let data = decoder.decode().map_err(jpeg_refusal)?;
    let (w, h) = (u32::from(scaled_width), u32::from(scaled_height));
    let pixels = match info.pixel_format {
        PixelFormat::L8 => image::GrayImage::from_raw(w, h, data).map(DynamicImage::ImageLuma8),
        _ => image::RgbImage::from_raw(w, h, data).map(DynamicImage::ImageRgb8),
    }
    .ok_or(CORRUPT)?;
    Ok(Decoded {
        pixels,
        width,
        height,
        orientation,
    })
}

/// The Orientation field of a raw EXIF block (TIFF structure), if it has a valid one.
fn exif_orientation(raw: &[u8]) -> Option<Orientation> {
    let exif = exif::Reader::new().read_raw(raw.to_vec()).ok()?;
    let value = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)?
        .value
        .get_uint(0)?;
    Orientation::from_exif(u8::try_from(value).ok()?)
}

/// Whether displaying the stored pixels turns them a quarter (width and height trade places).
fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

fn jpeg_refusal(err: jpeg_decoder::Error) -> String {
    match err {
        jpeg_decoder::Error::Unsupported(feature) => {
            format!("the JPEG uses a feature that cannot be read: {feature:?}")
        }
        _ => CORRUPT.into(),
    }
}

/// Whether a JPEG has its end-of-image marker after the start of its scan. (Inside the
/// entropy-coded scan every 0xFF byte is followed by 0x00 or a restart marker, so 0xFF 0xD9
/// there is the real end.)
fn ends_its_scan(bytes: &[u8]) -> bool {
    let Some(scan) = bytes.windows(2).position(|w| w == [0xFF, 0xDA]) else {
        return false;
    };
    bytes[scan..].windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Why the decoder refused: a bomb or a broken file, never the decoder's internals.
fn refusal(err: image::ImageError) -> String {
    match err {
        image::ImageError::Limits(_) => too_large(),
        _ => CORRUPT.into(),
    }
}

/// The original without EXIF (where cameras put the GPS position), XMP, IPTC or text chunks;
/// a new EXIF holding only `orientation` when it is not upright already.
fn strip_metadata(
    bytes: Vec<u8>,
    format: ImageFormat,
    orientation: Orientation,
) -> Result<Bytes, String> {
    let broken = |_| CORRUPT.to_string();
    let exif = minimal_exif(orientation);
    let bytes = Bytes::from(bytes);
    let out = match format {
        ImageFormat::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(bytes).map_err(broken)?;
            // APP1 holds EXIF and XMP, APP13 Photoshop's IPTC; comments may hold anything.
            for marker in [0xE1, 0xED, 0xFE] {
                jpeg.remove_segments_by_marker(marker);
            }
            jpeg.set_exif(exif);
            jpeg.encoder().bytes()
        }
        ImageFormat::Png => {
            let mut png = Png::from_bytes(bytes).map_err(broken)?;
            for kind in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                png.remove_chunks_by_type(kind);
            }
            png.set_exif(exif);
            png.encoder().bytes()
        }
        _ => {
            let mut webp = WebP::from_bytes(bytes).map_err(broken)?;
            webp.remove_chunks_by_id(img_parts::webp::CHUNK_XMP);
            webp.set_exif(exif);
            webp.encoder().bytes()
        }
    };
    Ok(out)
}

/// A TIFF-structured EXIF block with one field, Orientation; none for an upright image.
fn minimal_exif(orientation: Orientation) -> Option<Bytes> {
    if orientation == Orientation::NoTransforms {
        return None;
    }
    let field = exif::Field {
        tag: exif::Tag::Orientation,
        ifd_num: exif::In::PRIMARY,
        value: exif::Value::Short(vec![u16::from(orientation.to_exif())]),
    };
    let mut writer = exif::experimental::Writer::new();
    writer.push_field(&field);
    let mut out = Cursor::new(Vec::new());
    writer.write(&mut out, false).ok()?;
    Some(Bytes::from(out.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&image)
            .unwrap();
        out
    }

    /// A JPEG with an EXIF block holding a GPS position and an orientation.
    fn jpeg_with_gps(orientation: u16) -> Vec<u8> {
        let fields = [
            exif::Field {
                tag: exif::Tag::Orientation,
                ifd_num: exif::In::PRIMARY,
                value: exif::Value::Short(vec![orientation]),
            },
            exif::Field {
                tag: exif::Tag::GPSLatitudeRef,
                ifd_num: exif::In::PRIMARY,
                value: exif::Value::Ascii(vec![b"N".to_vec()]),
            },
            exif::Field {
                tag: exif::Tag::GPSLatitude,
                ifd_num: exif::In::PRIMARY,
                value: exif::Value::Rational(vec![(48, 1).into(), (51, 1).into(), (24, 1).into()]),
            },
        ];
        let mut writer = exif::experimental::Writer::new();
        for field in &fields {
            writer.push_field(field);
        }
        let mut tiff = Cursor::new(Vec::new());
        writer.write(&mut tiff, false).unwrap();
        let mut jpeg = Jpeg::from_bytes(Bytes::from(super::tests::jpeg(40, 20))).unwrap();
        jpeg.set_exif(Some(Bytes::from(tiff.into_inner())));
        jpeg.encoder().bytes().to_vec()
    }

    #[test]
    fn a_rotated_photo_loses_its_gps_but_keeps_its_orientation() {
        // 6: the camera was turned a quarter; 40 x 20 stored, 20 x 40 displayed.
        let photo = prepare(jpeg_with_gps(6)).unwrap();
        assert_eq!(photo.content_type, "image/jpeg");
        assert_eq!((photo.width, photo.height), (20, 40));
        let served = exif::Reader::new()
            .read_from_container(&mut Cursor::new(&photo.original))
            .unwrap();
        assert!(
            served
                .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                .is_none()
        );
        assert_eq!(
            served
                .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
                .and_then(|f| f.value.get_uint(0)),
            Some(6)
        );
        let thumb = image::load_from_memory(&photo.thumbnail).unwrap();
        assert_eq!(
            (thumb.width(), thumb.height()),
            (20, 40),
            "upright, not enlarged"
        );
    }

    #[test]
    fn thumbnails_fit_320_pixels() {
        let photo = prepare(jpeg(1000, 500)).unwrap();
        let thumb = image::load_from_memory(&photo.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 160));
        assert!(
            exif::Reader::new()
                .read_from_container(&mut Cursor::new(&photo.original))
                .is_err(),
            "an upright photo is served with no EXIF at all"
        );
    }

    #[test]
    fn a_large_jpeg_keeps_its_size_and_gets_a_fitting_thumbnail() {
        // Decoded at 1/8 for the thumbnail (325 x 125), then fitted to 320.
        let photo = prepare(jpeg(2600, 1000)).unwrap();
        assert_eq!((photo.width, photo.height), (2600, 1000));
        let thumb = image::load_from_memory(&photo.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 123));
        // A grey JPEG: one channel, the same path.
        let grey = image::GrayImage::from_fn(900, 700, |x, y| image::Luma([((x + y) % 256) as u8]));
        let mut file = Vec::new();
        JpegEncoder::new_with_quality(&mut file, 90)
            .encode_image(&grey)
            .unwrap();
        let photo = prepare(file).unwrap();
        assert_eq!((photo.width, photo.height), (900, 700));
        let thumb = image::load_from_memory(&photo.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 249));
    }

    #[test]
    fn bad_files_are_refused_by_what_they_are() {
        assert!(
            prepare(b"GIF89a....".to_vec())
                .unwrap_err()
                .contains("not a JPEG")
        );
        assert!(
            prepare(b"plain text".to_vec())
                .unwrap_err()
                .contains("not a JPEG")
        );
        let mut truncated = jpeg(200, 200);
        truncated.truncate(truncated.len() / 2);
        assert!(prepare(truncated).unwrap_err().contains("truncated"));
        // A PNG whose header promises more rows than its data holds.
        let image = image::RgbImage::from_pixel(64, 64, image::Rgb([10, 20, 30]));
        let mut png = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let height_at = 8 + 8 + 4; // signature, IHDR length and type, width
        png[height_at..height_at + 4].copy_from_slice(&640u32.to_be_bytes());
        assert!(prepare(png.clone()).unwrap_err().contains("truncated"));
        png.truncate(png.len() - 20);
        assert!(prepare(png).unwrap_err().contains("truncated"));
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_it_is_decoded() {
        // A PNG header claiming 100,000 x 100,000 pixels (40 GB decoded) in 60 bytes.
        let mut png = Vec::new();
        png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        png.extend_from_slice(&(ihdr.len() as u32).to_be_bytes());
        let mut chunk = b"IHDR".to_vec();
        chunk.extend_from_slice(&ihdr);
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
        let message = prepare(png).unwrap_err();
        assert!(message.contains("too large"), "{message}");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}

#[cfg(test)]
mod memory {
    fn vm(key: &str) -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    }

    /// By hand: `cargo test --release --lib picture::memory -- --ignored --nocapture` with a
    /// photo at $HANGAR_PHOTO (bench/photos.py's figure, without the server around it).
    #[test]
    #[ignore]
    fn peak_memory_of_one_photo() {
        let path = std::env::var("HANGAR_PHOTO").unwrap();
        let bytes = std::fs::read(path).unwrap();
        let size = bytes.len() as u64 / 1024;
        let before = vm("VmHWM:");
        let picture = super::prepare(bytes).unwrap();
        let after = vm("VmHWM:");
        eprintln!(
            "file {} MB, {} x {}: peak grew {} MB",
            size / 1024,
            picture.width,
            picture.height,
            (after - before) / 1024
        );
    }
}
