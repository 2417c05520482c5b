//! The import-direction rule of docs/architecture.md, enforced: data flows one way through the stages
//! `corpus → segment → encode → classify → aggregate → export`, so no library module may name (`crate::x`) a
//! module of a later stage, and none may name the command line (`crates/cli` belongs to the binary).
//! Between crates Cargo enforces it: framelens-encode depends on no other framelens crate, and
//! framelens-core on neither clap, anyhow nor ort ([`crates_depend_one_way`]).
//!
//! Every top-level module of framelens-core (`crates/core/src`, where `encode` and `atomic` are the
//! re-exported framelens-encode) has a rank ([`RANKS`]); a module may name its own items and those of a
//! module of lower rank. Foundations (rank 0) are the vocabulary every stage shares and may name only each
//! other. Test code (`tests.rs`, and everything from a file's first `#[cfg(test)]` on) and comments are not
//! checked: a test may wire later stages together.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// (module, rank). A module missing from this table fails the test, so a new one gets a place.
const RANKS: &[(&str, u32)] = &[
    // Foundations: the run folder's schema and labels, the paragraph record, the codebook, statistics,
    // number display, atomic writes, shard assignment, process memory.
    ("atomic", 0),
    ("codebook", 0),
    ("display", 0),
    ("memory", 0),
    ("record", 0),
    ("run", 0),
    ("shard", 0),
    ("stats", 0),
    // The stages, in data-flow order.
    ("corpus", 1),
    ("segment", 2),
    ("encode", 3),
    ("classify", 4),
    ("aggregate", 5),
    ("export", 6),
    // Readers of a finished run folder (and of hand codings).
    ("compare", 7),
    ("evaluate", 7),
    ("sample", 7),
    // Training heads: uses evaluate's metrics.
    ("train", 8),
    // Orchestration: `framelens run` wires every stage; the int8 quality gate runs the pipeline; the
    // synthetic benchmark corpus recombines segmented sentences.
    ("pipeline", 9),
    ("synth", 9),
    ("quantize", 10),
];

/// Deliberate exceptions: (from, to, why). Empty today; an entry needs a reason a reviewer accepts.
const EXCEPTIONS: &[(&str, &str, &str)] = &[];

fn rank(module: &str) -> Option<u32> {
    RANKS.iter().find(|(m, _)| *m == module).map(|&(_, r)| r)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file's code names as `crate::<module>` (or inside `crate::{…}`), with the line.
fn named_modules(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        let code = match line.find("//") {
            Some(c) => &line[..c],
            None => line,
        };
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let ident: String = part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    if !ident.is_empty() {
                        found.push((i + 1, ident));
                    }
                }
            } else {
                let ident: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !ident.is_empty() {
                    found.push((i + 1, ident));
                }
            }
            rest = after;
        }
    }
    found
}

#[test]
fn no_module_imports_a_later_stage_or_the_cli() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut unranked = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        let module = first.trim_end_matches(".rs").to_string();
        if matches!(module.as_str(), "lib" | "main" | "cli") {
            continue;
        }
        if rel.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let Some(own) = rank(&module) else {
            unranked.insert(module);
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, target) in named_modules(&text) {
            if target == module {
                continue;
            }
            if target == "cli" {
                violations.push(format!("{}:{line}: names the command line (crate::cli)", rel.display()));
                continue;
            }
            let Some(theirs) = rank(&target) else {
                unranked.insert(target);
                continue;
            };
            let allowed = if own == 0 { theirs == 0 } else { theirs < own };
            if !allowed && !EXCEPTIONS.iter().any(|(f, t, _)| *f == module && *t == target) {
                violations.push(format!(
                    "{}:{line}: `{module}` (rank {own}) names `{target}` (rank {theirs}), a later stage",
                    rel.display()
                ));
            }
        }
    }
    assert!(unranked.is_empty(), "modules without a rank in tests/architecture.rs: {unranked:?}");
    assert!(violations.is_empty(), "import-direction violations (docs/architecture.md):\n{}", violations.join("\n"));
}

#[test]
fn the_library_does_not_declare_the_cli() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/src/lib.rs")).unwrap();
    assert!(!lib.lines().any(|l| l.trim_start().starts_with("pub mod cli") || l.trim_start().starts_with("mod cli")));
}

/// The names under `[dependencies]` of a crate's Cargo.toml (not dev-dependencies: a test may wire anything).
fn dependencies(manifest: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(manifest)).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table.get("dependencies").and_then(|d| d.as_table()).map(|d| d.keys().cloned().collect()).unwrap_or_default()
}

#[test]
fn crates_depend_one_way() {
    let encode = dependencies("crates/encode/Cargo.toml");
    assert!(!encode.is_empty());
    let framelens: Vec<&String> = encode.iter().filter(|d| d.starts_with("framelens")).collect();
    assert!(framelens.is_empty(), "framelens-encode depends on {framelens:?}");
    let core = dependencies("crates/core/Cargo.toml");
    assert!(core.iter().any(|d| d == "framelens-encode"));
    for banned in ["clap", "anyhow", "ort", "indicatif", "framelens-serve", "framelens-tune", "candle-core"] {
        assert!(!core.iter().any(|d| d == banned), "framelens-core depends on {banned}");
    }
    // Fine-tuning sits beside core: it reads models through encode and never sees corpora, runs or the CLI.
    let tune = dependencies("crates/tune/Cargo.toml");
    assert!(tune.iter().any(|d| d == "framelens-encode"));
    for banned in ["framelens-core", "framelens-serve", "clap", "anyhow", "indicatif"] {
        assert!(!tune.iter().any(|d| d == banned), "framelens-tune depends on {banned}");
    }
    // The workbench reads run folders through core without the encoder (training and relabelling run as
    // the binary's own subcommands) and knows nothing of the command line.
    let serve = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/serve/Cargo.toml")).unwrap();
    assert!(serve.contains("framelens-core = { workspace = true, default-features = false }"));
    for banned in ["clap", "anyhow", "ort", "indicatif", "framelens-encode"] {
        assert!(
            !dependencies("crates/serve/Cargo.toml").iter().any(|d| d == banned),
            "framelens-serve depends on {banned}"
        );
    }
}

/// Packages of `cargo tree -p PACKAGE -e normal` with `flags`: what a user of that package builds.
fn resolved_packages(package: &str, flags: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "-p", package, "-e", "normal", "--prefix", "none"])
        .args(flags)
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut names: Vec<String> = text.lines().filter_map(|l| l.split_whitespace().next()).map(String::from).collect();
    names.sort();
    names.dedup();
    names
}

/// The heavy native and network dependencies of the encoder: ONNX Runtime's bindings, the tokenizer's
/// Oniguruma, protobuf, SQLite, the hub client.
const ENCODER_ONLY: [&str; 7] = ["ort", "tokenizers", "onig", "protobuf", "rusqlite", "libsqlite3-sys", "hf-hub"];

#[test]
fn core_without_the_encoder_feature_builds_no_runtime_tokenizer_protobuf_or_sqlite() {
    let lean = resolved_packages("framelens-core", &["--no-default-features"]);
    assert!(lean.iter().any(|p| p == "framelens-encode"), "{lean:?}");
    let leaked: Vec<&&str> = ENCODER_ONLY.iter().filter(|d| lean.iter().any(|p| p == *d)).collect();
    assert!(leaked.is_empty(), "framelens-core --no-default-features still builds {leaked:?}");
    // And the default build does have them: the check above is not vacuous.
    let full = resolved_packages("framelens-core", &[]);
    for d in ENCODER_ONLY {
        assert!(full.iter().any(|p| p == d), "framelens-core's default build lacks {d}");
    }
}

#[test]
fn the_scanner_sees_grouped_and_plain_paths_and_skips_comments_and_tests() {
    let text = "use crate::run::labels::Kind;\nuse crate::{export::tables, stats};\n// crate::pipeline\nlet x = \
                crate::display::count(1, \"a\"); // crate::train\n#[cfg(test)]\nuse crate::pipeline;\n";
    let names: Vec<String> = named_modules(text).into_iter().map(|(_, m)| m).collect();
    assert_eq!(names, ["run", "export", "stats", "display"]);
}
