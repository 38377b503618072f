//! The QR code of a reservation's check-in token, as the desk scans it: an
//! inline SVG for the page "my reservation" and a PNG for the mails.
//!
//! The code carries the token only (32 hex digits, QR alphanumeric mode:
//! a version-2 code of 25 × 25 modules at error correction level M), with
//! the quiet zone of 4 modules that scanners need. This crate opens
//! nothing and sends nothing: the public process links it.
//!
//! With the feature `decode` (for tests), `decode_png` reads a PNG back.

use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};
use sesshu_domain::CheckInToken;

/// Modules of white around the code, as the standard asks.
pub const QUIET_ZONE: u32 = 4;

/// Why a code could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the QR code could not be made: {0}")]
    Code(#[from] qrcode::types::QrError),
    #[error("the PNG could not be written: {0}")]
    Png(#[from] png::EncodingError),
}

fn code(token: &CheckInToken) -> Result<QrCode, QrError> {
    Ok(QrCode::with_error_correction_level(
        token.as_str(),
        EcLevel::M,
    )?)
}

/// The code as an `<svg>` element to put inline in a page, `size` CSS
/// pixels wide and high (a stylesheet may scale it: the drawing is in
/// module units, in its `viewBox`). Black modules on a white ground, as
/// `fill` attributes: no `style`, nothing a Content-Security-Policy has to
/// allow, no XML declaration. Hidden from assistive technology: the page
/// names the code on the element around it (`role="img"` with a label in
/// the reader's language), which this crate does not know.
pub fn svg(token: &CheckInToken, size: u32) -> Result<String, QrError> {
    let code = code(token)?;
    let image = code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(1, 1)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    let side = modules_with_quiet_zone(&code);
    // The renderer writes `<?xml …?><svg … width="N" height="N" viewBox=…>`
    // with N in modules: the element alone, at the size asked for.
    let start = image.find("<svg").unwrap_or(0);
    let element = image[start..].replacen(
        &format!(r#" width="{side}" height="{side}""#),
        &format!(r#" width="{size}" height="{size}" aria-hidden="true" focusable="false""#),
        1,
    );
    Ok(element)
}

/// The code as an 8-bit greyscale PNG, `module_pixels` pixels per module
/// (quiet zone included).
pub fn png(token: &CheckInToken, module_pixels: u32) -> Result<Vec<u8>, QrError> {
    let code = code(token)?;
    let scale = module_pixels.max(1);
    let side = modules_with_quiet_zone(&code);
    let pixels = side * scale;
    let colors = code.to_colors();
    let width = code.width() as u32;
    let mut data = Vec::with_capacity((pixels * pixels) as usize);
    for y in 0..pixels {
        for x in 0..pixels {
            let (mx, my) = (x / scale, y / scale);
            let dark = mx >= QUIET_ZONE
                && my >= QUIET_ZONE
                && mx < QUIET_ZONE + width
                && my < QUIET_ZONE + width
                && colors[((my - QUIET_ZONE) * width + (mx - QUIET_ZONE)) as usize] == Color::Dark;
            data.push(if dark { 0 } else { 255 });
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, pixels, pixels);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&data)?;
        writer.finish()?;
    }
    Ok(out)
}

fn modules_with_quiet_zone(code: &QrCode) -> u32 {
    code.width() as u32 + 2 * QUIET_ZONE
}

/// The text of the first QR code found in a PNG (any colour type, 8 bits
/// per channel or fewer), `None` if it cannot be read or holds none.
#[cfg(any(test, feature = "decode"))]
pub fn decode_png(bytes: &[u8]) -> Option<String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let at = (y * w + x) * channels;
        // The first channel (grey, or red): codes are black on white.
        buf[at]
    });
    let grids = image.detect_grids();
    let (_, content) = grids.first()?.decode().ok()?;
    Some(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> CheckInToken {
        CheckInToken::parse("0123456789ABCDEF0F1E2D3C4B5A6978").unwrap()
    }

    #[test]
    fn the_png_reads_back_as_the_token() {
        for scale in [3, 6] {
            let png = png(&token(), scale).unwrap();
            assert_eq!(&png[1..4], b"PNG");
            assert_eq!(decode_png(&png).as_deref(), Some(token().as_str()));
        }
        let other = CheckInToken::generate(&mut rand::rng());
        let png = png(&other, 6).unwrap();
        assert_eq!(decode_png(&png).as_deref(), Some(other.as_str()));
        assert_ne!(other, token());
    }

    #[test]
    fn a_png_without_a_code_reads_as_none() {
        assert_eq!(decode_png(b"not a png"), None);
        let mut blank = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut blank, 40, 40);
            encoder.set_color(png::ColorType::Grayscale);
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&[255; 1600]).unwrap();
        }
        assert_eq!(decode_png(&blank), None);
    }

    /// Draws the SVG's path (`M{x} {y}h{w}v{h}H{x}V{y}` per dark run, in
    /// module units) on a bitmap and reads the code from it.
    #[test]
    fn the_svg_draws_the_same_code() {
        let svg = svg(&token(), 240).unwrap();
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(!svg.contains("<?xml"), "inline in HTML");
        assert!(!svg.contains("style"), "no inline styles: {svg}");
        assert!(svg.contains(r#"width="240" height="240""#), "{svg}");
        let side = 25 + 2 * QUIET_ZONE as usize;
        assert!(
            svg.contains(&format!(r#"viewBox="0 0 {side} {side}""#)),
            "{svg}"
        );
        assert!(
            !svg.contains(token().as_str()),
            "the token is drawn, not written"
        );

        let path = svg.split(r#" d=""#).nth(1).unwrap();
        let path = &path[..path.find('"').unwrap()];
        let mut dark = vec![false; side * side];
        for rect in path.split('M').filter(|r| !r.is_empty()) {
            let numbers: Vec<usize> = rect
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().unwrap())
                .collect();
            let [x, y, w, h, ..] = numbers[..] else {
                panic!("{rect}")
            };
            for yy in y..y + h {
                for xx in x..x + w {
                    dark[yy * side + xx] = true;
                }
            }
        }
        let scale = 4;
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(side * scale, side * scale, |x, y| {
                if dark[(y / scale) * side + x / scale] {
                    0
                } else {
                    255
                }
            });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].decode().unwrap().1, token().as_str());
        // The quiet zone is white.
        assert!((0..side).all(|i| !dark[i] && !dark[i * side]));
    }
}
