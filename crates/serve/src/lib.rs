//! `framelens serve`: a local web workbench over one run folder. Analysts read the run (shares by outlet
//! with intervals, a filterable paragraph table, each paragraph in its article with its probabilities,
//! evidence and codebook entry), hand-code paragraphs from a queue with the keyboard, see agreement between
//! coders and between coders and the model, and train a head on the codes and relabel the run, without a
//! terminal.
//!
//! The flow inside is one way: [`run_data`] loads the run, [`codes`] keeps what coders decided (SQLite in
//! the run folder, one transaction per keystroke), [`queue`] picks the next paragraph, [`agreement`]
//! scores codings with framelens' own `evaluate` code, [`jobs`] runs training and relabelling, and
//! [`pages`] renders HTML; [`server`] wires them to HTTP behind [`auth`]'s session token.
//!
//! Every page is rendered by `maud`, which escapes every interpolated value: corpus text is untrusted
//! input and a paragraph holding `<script>` shows as text. The pages load nothing from outside the binary
//! (the Content-Security-Policy says so to the browser too).
#![warn(missing_docs)]

pub mod agreement;
pub mod auth;
pub mod codes;
mod error;
pub mod filter;
pub mod jobs;
pub mod pages;
pub mod queue;
pub mod run_data;
pub mod server;
pub mod sheet;

pub use error::ServeError;
pub use jobs::Relabel;
pub use server::{serve, ServeOptions};
