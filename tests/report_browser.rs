//! The report rendered by a real browser: headless Chromium takes a screenshot (which must not be
//! blank) and dumps the DOM (which must hold every chart).
//!
//! Chromium is a system package (`apt-get install -y chromium`). Without it the test prints why it is
//! skipped, except under CI (env `CI` set), where a missing browser is a failure: CI must install it.
//! Set `FRAMELENS_SCREENSHOT_OUT=path.png` to keep the screenshot (used for the docs image).

mod report_common;
#[path = "common/mod.rs"]
mod test_common;
use report_common as common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::sample_copy;
use framelens::export::report::{write_report, CHART_DISTANCES, CHART_FRAMES, CHART_STANCE, CHART_TIME};

/// `FRAMELENS_CHROMIUM`, else `/usr/bin/chromium`, else `chromium` / `chromium-browser` on PATH.
fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FRAMELENS_CHROMIUM") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Runs the browser with the test flags plus `extra`, killing it after two minutes. Returns stdout.
fn run_chromium(browser: &Path, profile: &Path, extra: &[String], page: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--window-size=1280,2400")
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    // Read stdout on a thread so a large DOM cannot block the browser on a full pipe.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).ok();
        s
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

/// Distinct RGB colours and the share of clearly non-white pixels in a PNG.
fn png_stats(path: &Path) -> (usize, f64, (u32, u32)) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut decoder = png::Decoder::new(file);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "expected a colour screenshot, got {:?}", info.color_type);
    let mut colours = std::collections::HashSet::new();
    let mut ink = 0usize;
    let pixels = (info.width * info.height) as usize;
    for px in buf[..pixels * channels].chunks_exact(channels) {
        colours.insert((px[0], px[1], px[2]));
        if px[0] < 235 || px[1] < 235 || px[2] < 235 {
            ink += 1;
        }
    }
    (colours.len(), ink as f64 / pixels as f64, (info.width, info.height))
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(browser) = find_chromium() else {
        test_common::require("chromium (`apt-get update && apt-get install -y chromium`, or set FRAMELENS_CHROMIUM)");
        return;
    };
    let dir = sample_copy(true);
    let page = write_report(dir.path()).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let shot = dir.path().join("screenshot.png");

    run_chromium(&browser, profile.path(), &[format!("--screenshot={}", shot.display())], &page);
    let (colours, ink, size) = png_stats(&shot);
    eprintln!("screenshot: {colours} distinct colours, {:.1}% non-white", ink * 100.0);
    assert_eq!(size, (1280, 2400));
    // A blank or error page has a handful of colours; the report's charts have hundreds
    // (palette colours plus anti-aliasing), and text and bars cover a good part of the page.
    assert!(colours > 200, "only {colours} distinct colours: blank page?");
    assert!(ink > 0.05, "only {:.1}% non-white pixels: blank page?", ink * 100.0);
    if let Some(out) = std::env::var_os("FRAMELENS_SCREENSHOT_OUT") {
        std::fs::copy(&shot, out).unwrap();
    }

    let dom = run_chromium(&browser, profile.path(), &["--dump-dom".to_string()], &page);
    for id in [CHART_FRAMES, CHART_DISTANCES, CHART_STANCE, CHART_TIME] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "rendered DOM lacks {id}");
    }
    // The SVGs were parsed as SVG (not dropped as bad markup): their marks are in the DOM.
    assert!(dom.matches("<svg").count() >= 5);
    assert!(dom.matches("data-share=").count() > 40);
}
