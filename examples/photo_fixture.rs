//! Writes a test photo for `bench/photos.py`: a JPEG of WIDTH x HEIGHT noisy pixels (so it
//! compresses like a real photo, about 0.4 bytes a pixel at quality 92), drawn here rather than
//! downloaded.
//!
//!     cargo run --release --example photo_fixture -- 4000 3000 92 big.jpg

use image::{RgbImage, codecs::jpeg::JpegEncoder};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [width, height, quality, path] = args.as_slice() else {
        eprintln!("usage: photo_fixture WIDTH HEIGHT QUALITY OUT.jpg");
        std::process::exit(2);
    };
    let (width, height, quality): (u32, u32, u8) = (
        width.parse().expect("WIDTH"),
        height.parse().expect("HEIGHT"),
        quality.parse().expect("QUALITY"),
    );
    // A smooth sky and ground with per-pixel noise from a small xorshift generator.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let image = RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 48) as u8;
        let base = if y > height * 3 / 4 {
            [60, 100 + (x % 40) as u8, 50]
        } else {
            [120 + (y * 80 / height) as u8, 160, 220]
        };
        image::Rgb(base.map(|c| c.saturating_add(noise)))
    });
    let file = std::fs::File::create(path).expect("create the output file");
    JpegEncoder::new_with_quality(std::io::BufWriter::new(file), quality)
        .encode_image(&image)
        .expect("encode");
}
