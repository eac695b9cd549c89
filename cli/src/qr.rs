//! A voucher's QR code: drawn for a terminal, or written as a PNG.

use anyhow::Context;
use qrcode::{render::unicode::Dense1x2, QrCode};
use smartcity_sdk::voucher::VoucherTicket;
use std::path::Path;

/// Draws and writes the QR code of a voucher's payload.
pub trait VoucherQr {
    /// The QR code drawn with Unicode half blocks, for a terminal.
    fn qr_terminal(&self) -> anyhow::Result<String>;
    /// Writes the QR code as a grayscale PNG, `pixels_per_module` pixels per module, with
    /// the standard 4-module quiet zone.
    fn write_qr_png(&self, path: &Path, pixels_per_module: u32) -> anyhow::Result<()>;
}

fn qr(ticket: &VoucherTicket) -> anyhow::Result<QrCode> {
    QrCode::new(ticket.payload().as_bytes()).context("payload does not fit a QR code")
}

impl VoucherQr for VoucherTicket {
    fn qr_terminal(&self) -> anyhow::Result<String> {
        Ok(qr(self)?
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build())
    }

    fn write_qr_png(&self, path: &Path, pixels_per_module: u32) -> anyhow::Result<()> {
        let code = qr(self)?;
        let modules = u32::try_from(code.width())?;
        let quiet = 4;
        let side = (modules + 2 * quiet) * pixels_per_module;
        let colors = code.to_colors();
        let mut pixels = vec![255u8; (side * side) as usize];
        for (index, color) in colors.iter().enumerate() {
            if *color != qrcode::Color::Dark {
                continue;
            }
            let index = u32::try_from(index)?;
            let (x0, y0) = (
                (index % modules + quiet) * pixels_per_module,
                (index / modules + quiet) * pixels_per_module,
            );
            for y in y0..y0 + pixels_per_module {
                for x in x0..x0 + pixels_per_module {
                    pixels[(y * side + x) as usize] = 0;
                }
            }
        }
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header()?.write_image_data(&pixels)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::AccountId;
    use secp256k1::SecretKey;

    fn ticket() -> VoucherTicket {
        VoucherTicket {
            token: AccountId::from([7; 32]),
            voucher_id: 42,
            secret: SecretKey::from_slice(&[9; 32]).unwrap(),
        }
    }

    #[test]
    fn qr_code_renders_for_terminal_and_png() {
        let ticket = ticket();
        assert!(ticket.qr_terminal().unwrap().lines().count() > 20);
        let path = std::env::temp_dir().join(format!("voucher-test-{}.png", std::process::id()));
        ticket.write_qr_png(&path, 4).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }
}
