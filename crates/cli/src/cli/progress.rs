//! A progress bar on stderr that appears only once a job has run for a second, so quick commands and
//! scripted runs stay quiet; indicatif hides it anyway when stderr is not a terminal.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: bool,
    quiet: bool,
}

impl Progress {
    pub fn new(total: u64, unit: &str, quiet: bool) -> Self {
        Self::with_total(Some(total), unit, quiet)
    }

    /// A bar for `total` items, or a counter when the total is unknown.
    pub fn with_total(total: Option<u64>, unit: &str, quiet: bool) -> Self {
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        let template = match total {
            Some(_) => format!("{{bar:40}} {{pos}}/{{len}} {unit} · {{per_sec}} · ETA {{eta}} · {{msg}}"),
            None => format!("{{spinner}} {{pos}} {unit} · {{per_sec}} · {{msg}}"),
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        Progress { bar, started: Instant::now(), shown: false, quiet }
    }

    pub fn inc(&mut self, n: u64) {
        if !self.shown && !self.quiet && self.started.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar.inc(n);
    }

    pub fn set_message(&self, msg: String) {
        self.bar.set_message(msg);
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
