//! Shared harness for the end-to-end tests: the real server on loopback
//! (`retour_server::running`: bound first, then served; stoppable and restartable on the same
//! port) with its mail spool read back, temporary data directories, app cores with the test-only
//! in-memory token store, and a small fault proxy.

#![forbid(unsafe_code)]

pub mod canary;
pub mod proxy;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use retour_app::{App, CartEdit, CartView, Config, TokenStoreChoice};
use retour_domain::api::{self, DeliveryNote};
use retour_server::running::{self, RunningServer};
use retour_server::AppState;
use retour_sync::{ApiClient, Backoff, Timeouts, TokenStore};

pub use retour_mail::spool_reader::{self, ReadMail};
pub use retour_server::demo::{CUSTOMER_A as EMAIL, CUSTOMER_PASSWORD as PASSWORD};

/// A temporary folder on a RAM disk when there is one (fast fsyncs), else in the system's.
pub fn fast_tempdir() -> Result<tempfile::TempDir> {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return Ok(dir);
        }
    }
    Ok(tempfile::tempdir()?)
}

/// The reference backend running in this process on a loopback port, over a temporary folder
/// (the shared [`RunningServer`] with the folder it serves).
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The bound address (kept across restarts).
    pub addr: SocketAddr,
    running: RunningServer,
    dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with the demo data (two garages, BLs of the last 30 days, always open).
    pub async fn start() -> Result<TestServer> {
        TestServer::start_with(|_| Ok(())).await
    }

    /// Starts a server with the demo data plus what `extra` seeds (such as `seed_bulk`).
    pub async fn start_with(
        extra: impl FnOnce(&AppState) -> Result<()> + Send + 'static,
    ) -> Result<TestServer> {
        TestServer::start_configured(|_| {}, None, extra).await
    }

    /// Starts a server whose configuration (schedule…) and clock the test chooses.
    pub async fn start_configured(
        configure: impl FnOnce(&mut retour_server::Config),
        clock: Option<retour_server::Clock>,
        extra: impl FnOnce(&AppState) -> Result<()> + Send + 'static,
    ) -> Result<TestServer> {
        let dir = fast_tempdir()?;
        let mut config = retour_server::Config::for_dir(dir.path());
        configure(&mut config);
        let mut state = AppState::new(config).context("server state")?;
        if let Some(clock) = clock {
            state = state.with_clock(clock);
        }
        running::seed_demo(&state).await?;
        let seed_state = state.clone();
        tokio::task::spawn_blocking(move || extra(&seed_state)).await??;
        let running = RunningServer::start(state).await?;
        Ok(TestServer {
            url: running.url().to_owned(),
            addr: running.addr(),
            running,
            dir,
        })
    }

    /// The server's state (its database).
    pub fn state(&self) -> &AppState {
        self.running.state()
    }

    /// The server's folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops serving (the port then refuses connections); the data stays.
    pub async fn stop(&mut self) -> Result<()> {
        Ok(self.running.stop().await?)
    }

    /// Serves again on the same port, with the same data.
    pub async fn restart(&mut self) -> Result<()> {
        self.running
            .restart()
            .await
            .with_context(|| format!("rebinding {}", self.addr))
    }

    /// A consistent copy of the server's database, taken while it serves (`VACUUM INTO`), as a
    /// nightly backup would be.
    pub fn backup(&self, to: &Path) -> Result<()> {
        let db = rusqlite::Connection::open(&self.state().config().db)?;
        db.execute("VACUUM INTO ?1", [to.to_string_lossy()])?;
        Ok(())
    }

    /// Stops the server, puts the database `backup` made back in place of its file and starts a
    /// new server process's state on it, at the same address: what an operator does to restore
    /// a backup. Every op accepted since the backup is lost on the server.
    pub async fn restore(self, backup: &Path) -> Result<TestServer> {
        let TestServer {
            url,
            addr,
            mut running,
            dir,
        } = self;
        running.stop().await?;
        let config = running.state().config().clone();
        drop(running);
        let wal = PathBuf::from(format!("{}-wal", config.db.display()));
        anyhow::ensure!(
            !wal.exists(),
            "the stopped server still holds its database open ({} is left)",
            wal.display()
        );
        std::fs::copy(backup, &config.db).context("restoring the backup")?;
        let state = AppState::new(config).context("server state")?;
        let running = RunningServer::start_on(state, addr)
            .await
            .with_context(|| format!("rebinding {addr}"))?;
        Ok(TestServer {
            url,
            addr,
            running,
            dir,
        })
    }

    /// The `.eml` files of the server's mail spool, oldest first, once its outbox is delivered.
    pub fn mail_files(&self) -> Result<Vec<PathBuf>> {
        retour_server::mail::deliver_due(self.state())?;
        Ok(spool_reader::spool_files(
            &self.state().config().mail_spool,
        )?)
    }

    /// The newest e-mail of the server's spool, as a mail client reads it, once its outbox is
    /// delivered.
    pub fn last_mail(&self) -> Result<ReadMail> {
        retour_server::mail::deliver_due(self.state())?;
        Ok(spool_reader::newest(&self.state().config().mail_spool)?)
    }
}

/// Quick retries so that tests about failures stay fast.
pub const TEST_BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(5),
    max: Duration::from_millis(40),
    attempts: 4,
};

/// A device: an app core on its own data folder, with the test-only in-memory token store.
pub struct Device {
    /// The app core.
    pub app: App,
    /// Its token store (to read the tokens in canary tests).
    pub tokens: TokenStore,
    dir: tempfile::TempDir,
}

impl Device {
    /// Puts one unit of an eligible line (as [`eligible_lines`] lists it) in the cart, with the
    /// line's first allowed reason.
    pub async fn add_one(&self, line: &(String, u32, u32, String)) -> Result<CartView> {
        self.app
            .cart_add(&CartEdit {
                delivery_note: line.0.clone(),
                line_no: line.1,
                qty: Some(1),
                reason: Some(line.3.clone()),
            })
            .await
            .map_err(|e| anyhow::anyhow!("cart: {e}"))
    }

    /// A new device talking to `server_url`.
    pub fn new(server_url: &str) -> Result<Device> {
        let dir = fast_tempdir()?;
        let tokens = TokenStore::in_memory_for_tests();
        let app = open_app(server_url, dir.path(), &tokens)?;
        Ok(Device { app, tokens, dir })
    }

    /// The device's data folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Signs in as the demo customer (kept in the in-memory store) and syncs.
    pub async fn login(&self) -> Result<()> {
        self.app
            .login(&retour_app::LoginArgs {
                email: EMAIL.into(),
                password: PASSWORD.into(),
                remember: true,
            })
            .await
            .map_err(|e| anyhow::anyhow!("login: {e}"))?;
        Ok(())
    }

    /// Reopens the app core over the same folder, as after a restart of the app.
    pub fn restart(&mut self, server_url: &str) -> Result<()> {
        self.app = open_app(server_url, self.dir.path(), &self.tokens)?;
        Ok(())
    }

    /// The local cart as (BL, line, qty, reason) tuples.
    pub fn cart_lines(&self) -> Result<Vec<LineTuple>> {
        let cart = self.app.cart_api().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(tuples(&cart))
    }
}

/// Opens an app core with fast retries and the given token store.
pub fn open_app(server_url: &str, data_dir: &Path, tokens: &TokenStore) -> Result<App> {
    let mut config = Config::new(server_url, data_dir);
    config.tokens = TokenStoreChoice::InMemoryForTests(tokens.clone());
    config.backoff = TEST_BACKOFF;
    config.timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(5),
    };
    config.device_name = "test-device".into();
    App::open(config).map_err(|e| anyhow::anyhow!("open app: {e}"))
}

/// A cart line as compared across devices: BL, line number, quantity, reason.
pub type LineTuple = (String, u32, u32, Option<String>);

/// The lines of an API cart as tuples.
pub fn tuples(cart: &api::Cart) -> Vec<LineTuple> {
    cart.lines
        .iter()
        .map(|l| {
            (
                l.delivery_note.clone(),
                l.line_no,
                l.qty,
                l.reason.as_ref().map(|r| r.as_str().to_owned()),
            )
        })
        .collect()
}

/// The server's cart for the demo customer, read through the API with a fresh session.
pub async fn server_cart(url: &str) -> Result<api::Cart> {
    let client = ApiClient::new(url, Timeouts::default())?;
    let session = client
        .login(&api::LoginRequest {
            email: EMAIL.into(),
            password: PASSWORD.into(),
            device_name: Some("test-observer".into()),
        })
        .await?;
    Ok(client.cart(&session.access_token).await?)
}

/// The server's dossier count for the demo customer (open + closed).
pub async fn server_dossier_total(url: &str) -> Result<u64> {
    let client = ApiClient::new(url, Timeouts::default())?;
    let session = client
        .login(&api::LoginRequest {
            email: EMAIL.into(),
            password: PASSWORD.into(),
            device_name: Some("test-observer".into()),
        })
        .await?;
    let list = client
        .dossiers(&session.access_token, &retour_sync::DossierQuery::default())
        .await?;
    Ok(list.counts.open + list.counts.closed)
}

/// Lines with something eligible, from the delivery notes the device has cached: (BL, line,
/// eligible quantity, a reason the line allows that is not deposit-only).
pub fn eligible_lines(app: &App) -> Result<Vec<(String, u32, u32, String)>> {
    let store = app.store().map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = retour_sync::engine::lock(&store);
    let mut out = Vec::new();
    for summary in store.delivery_notes_since(chrono::NaiveDate::MIN)? {
        let Some((note, _)): Option<(DeliveryNote, _)> = store.delivery_note(&summary.number)?
        else {
            continue;
        };
        for line in &note.lines {
            if line.eligible_qty == 0 {
                continue;
            }
            let reason = line
                .allowed_reasons
                .iter()
                .find(|r| r.as_str() == "new_part")
                .or_else(|| line.allowed_reasons.first());
            if let Some(reason) = reason {
                out.push((
                    note.number.clone(),
                    line.line_no,
                    line.eligible_qty,
                    reason.as_str().to_owned(),
                ));
            }
        }
    }
    Ok(out)
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// A Code 128 barcode of `text` as a PNG, black bars on white with quiet zones, centred on a
/// 640×360 page: what a photo of a BL's barcode looks like to the camera tests.
pub fn code128_png(text: &str) -> Result<Vec<u8>> {
    use rxing::Writer as _;
    let matrix = rxing::oned::Code128Writer
        .encode(text, &rxing::BarcodeFormat::CODE_128, 0, 1)
        .map_err(|e| anyhow::anyhow!("Code 128 of {text}: {e}"))?;
    bars_png(&matrix)
}

/// A Code 39 barcode of `text` (its `*` start and stop added by the encoder) as a PNG on the same
/// 640×360 page: the VIN label of a windscreen or a door pillar, such as `I1HGCM82633A004352`
/// (the North-American "imported" marker before the VIN).
pub fn code39_png(text: &str) -> Result<Vec<u8>> {
    use rxing::Writer as _;
    let matrix = rxing::oned::Code39Writer
        .encode(text, &rxing::BarcodeFormat::CODE_39, 0, 1)
        .map_err(|e| anyhow::anyhow!("Code 39 of {text}: {e}"))?;
    bars_png(&matrix)
}

/// A one-dimensional barcode's modules as bars on a 640×360 white page, centred, with quiet
/// zones.
fn bars_png(matrix: &rxing::common::BitMatrix) -> Result<Vec<u8>> {
    let modules = matrix.getWidth();
    let (width, height) = (640u32, 360u32);
    let module = ((width - 80) / modules).max(1);
    let left = (width - modules * module) / 2;
    let (top, bottom) = (90, 270);
    let page = image::GrayImage::from_fn(width, height, |x, y| {
        let dark = y >= top
            && y < bottom
            && x >= left
            && x < left + modules * module
            && matrix.get((x - left) / module, 0);
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    page.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(png)
}

/// An EXIF block (little-endian TIFF) whose GPS directory puts the picture in Paris
/// (48° 51′ 24″ N, 2° 21′ 3″ E), as a phone writes it, made here byte by byte.
pub fn gps_exif() -> Vec<u8> {
    let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(&value.to_le_bytes());
    };
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    let gps_ifd = 8 + 2 + 12 + 4;
    entry(&mut tiff, 0x8825, 4, 1, gps_ifd);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let data = gps_ifd + 2 + 4 * 12 + 4;
    tiff.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut tiff, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut tiff, 0x0002, 5, 3, data);
    entry(&mut tiff, 0x0003, 2, 2, u32::from_le_bytes(*b"E\0\0\0"));
    entry(&mut tiff, 0x0004, 5, 3, data + 24);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(48u32, 1u32), (51, 1), (24, 1), (2, 1), (21, 1), (3, 1)] {
        tiff.extend_from_slice(&num.to_le_bytes());
        tiff.extend_from_slice(&den.to_le_bytes());
    }
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&tiff);
    exif
}

/// A JPEG of `width` × `height` (a gradient tinted by `tint`) carrying [`gps_exif`] in an APP1
/// segment right after its start-of-image marker: a phone's photo with its position.
pub fn jpeg_with_gps(width: u32, height: u32, tint: u8) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, tint])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&picture)
        .expect("a JPEG");
    let exif = gps_exif();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(exif.len() + 2).expect("small").to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The markers of a JPEG's segments up to its image data (`0xE1` is APP1: EXIF or XMP).
pub fn jpeg_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    if jpeg.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return markers;
    }
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    markers
}

/// Whether a JPEG carries metadata: an APP1…APP15 segment (EXIF, GPS, XMP, ICC…), a comment, or
/// the bytes of [`gps_exif`] anywhere.
pub fn jpeg_has_metadata(jpeg: &[u8]) -> bool {
    let needle = gps_exif();
    jpeg_markers(jpeg)
        .iter()
        .any(|m| (0xE1..=0xEF).contains(m) || *m == 0xFE)
        || jpeg.windows(6).any(|w| w == b"Exif\0\0")
        || jpeg.windows(needle.len() - 6).any(|w| w == &needle[6..])
}

/// Rasterises the SVG path of a QR code the app draws (`M x y h n v1 h-n z` runs in a `side`
/// × `side` view box) at `scale` pixels per unit, as a PNG on a white page with a margin: what
/// the garage's screen shows the driver's camera.
pub fn qr_path_png(side: u32, path: &str, scale: u32) -> Result<Vec<u8>> {
    let margin = 40;
    let px = side * scale + 2 * margin;
    let mut page = image::GrayImage::from_pixel(px, px, image::Luma([255]));
    for run in path.split('M').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.split_once('h').context("a run's h")?;
        let (x, y) = xy.split_once(' ').context("a run's x y")?;
        let len = rest.split_once('v').context("a run's v")?.0;
        let (x, y, len): (u32, u32, u32) = (x.parse()?, y.parse()?, len.parse()?);
        for py in y * scale..(y + 1) * scale {
            for px in x * scale..(x + len) * scale {
                page.put_pixel(px + margin, py + margin, image::Luma([0]));
            }
        }
    }
    let mut png = Vec::new();
    page.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(png)
}

/// A real one-page PDF (an invoice) with a document information dictionary naming its author.
pub fn invoice_pdf() -> Vec<u8> {
    use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
    let mut pdf = Pdf::new();
    let (catalog, tree, page_id, font, content_id, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
    );
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
    page.parent(tree);
    page.contents(content_id);
    page.resources().fonts().pair(Name(b"F1"), font);
    page.finish();
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    let mut content = Content::new();
    content.begin_text();
    content.set_font(Name(b"F1"), 14.0);
    content.next_line(72.0, 770.0);
    content.show(Str(b"Facture de montage"));
    content.end_text();
    pdf.stream(content_id, &content.finish());
    pdf.document_info(info)
        .author(TextStr("Garage Dupont, poste 3"));
    pdf.finish()
}
