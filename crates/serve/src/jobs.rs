//! Training a head on a coder's codes and relabelling the run with it, from the page. The work is done by
//! framelens' own `train` and `run --head` subcommands, which the binary hands in as a [`Relabel`] (this
//! crate has no encoder): they run one after the other in a background thread, their output shown on the
//! page as it comes. The relabelled run is written to `workbench/relabel-N/run` in the run folder, beside
//! the coded sheet and the head, so each round can be reproduced from the files it leaves.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::run_data::RunData;

/// Builds the commands of one training round; implemented by the `framelens` binary.
pub trait Relabel: Send + Sync {
    /// Steps to run in order, each a name and a command: train a head on `coded` (a coding sheet) writing
    /// `head`, then label `run`'s corpus again with it into `out`. `Err` says why it cannot be done (e.g. the
    /// run's corpus is no longer where its manifest says).
    fn steps(&self, run: &RunData, coded: &Path, head: &Path, out: &Path) -> Result<Vec<(String, Command)>, String>;
}

/// Where a round stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Status {
    /// Nothing started since the server started.
    #[default]
    Idle,
    /// Running the named step.
    Running(String),
    /// Finished; the relabelled run's folder.
    Done(PathBuf),
    /// Stopped with this message.
    Failed(String),
}

/// A round's status and output, shared between the worker thread and the pages.
#[derive(Debug, Default)]
pub struct Job {
    /// Where it stands.
    pub status: Status,
    /// The last lines the steps printed.
    pub log: Vec<String>,
    /// The round's folder.
    pub dir: Option<PathBuf>,
}

/// Lines of output kept for the page.
const LOG_LINES: usize = 400;

impl Job {
    fn push(&mut self, line: String) {
        self.log.push(line);
        if self.log.len() > LOG_LINES {
            self.log.drain(..self.log.len() - LOG_LINES);
        }
    }
}

/// The next free `workbench/relabel-N` folder of a run.
pub fn next_round_dir(run_dir: &Path) -> PathBuf {
    let base = run_dir.join("workbench");
    (1..).map(|n| base.join(format!("relabel-{n}"))).find(|d| !d.exists()).expect("a free folder number")
}

/// Runs `steps` in a thread; on success calls `done` with the relabelled run's folder (`out`).
pub fn start(
    job: Arc<Mutex<Job>>,
    steps: Vec<(String, Command)>,
    out: PathBuf,
    done: impl FnOnce(&Path) -> Result<(), String> + Send + 'static,
) {
    std::thread::spawn(move || {
        for (name, mut cmd) in steps {
            {
                let mut j = job.lock().unwrap_or_else(|e| e.into_inner());
                j.status = Status::Running(name.clone());
                j.push(format!("$ {}", describe(&cmd)));
            }
            let result = run_step(&job, &mut cmd);
            if let Err(message) = result {
                let mut j = job.lock().unwrap_or_else(|e| e.into_inner());
                j.status = Status::Failed(format!("{name}: {message}"));
                return;
            }
        }
        let outcome = done(&out);
        let mut j = job.lock().unwrap_or_else(|e| e.into_inner());
        j.status = match outcome {
            Ok(()) => Status::Done(out),
            Err(e) => Status::Failed(e),
        };
    });
}

fn describe(cmd: &Command) -> String {
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    format!("{} {}", cmd.get_program().to_string_lossy(), args.join(" "))
}

/// Runs one command, its stdout and stderr lines appended to the log as they come.
fn run_step(job: &Arc<Mutex<Job>>, cmd: &mut Command) -> Result<(), String> {
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| e.to_string())?;
    let pipes: Vec<Box<dyn std::io::Read + Send>> = vec![
        Box::new(child.stdout.take().expect("piped stdout")),
        Box::new(child.stderr.take().expect("piped stderr")),
    ];
    let readers: Vec<_> = pipes
        .into_iter()
        .map(|pipe| {
            let job = Arc::clone(job);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    job.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                }
            })
        })
        .collect();
    let status = child.wait().map_err(|e| e.to_string())?;
    for r in readers {
        let _ = r.join();
    }
    if status.success() {
        Ok(())
    } else {
        Err(format!("exited with {status}; its output is above"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_run_in_order_and_a_failing_step_stops_the_round() {
        let job = Arc::new(Mutex::new(Job::default()));
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let mut ok = Command::new("sh");
        ok.args(["-c", "echo first; echo to-stderr >&2"]);
        let mut bad = Command::new("sh");
        bad.args(["-c", "echo second; exit 3"]);
        let mut never = Command::new("sh");
        never.args(["-c", "echo never"]);
        start(Arc::clone(&job), vec![("a".into(), ok), ("b".into(), bad), ("c".into(), never)], out, |_| Ok(()));
        for _ in 0..500 {
            if matches!(job.lock().unwrap().status, Status::Failed(_) | Status::Done(_)) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let j = job.lock().unwrap();
        assert!(matches!(&j.status, Status::Failed(m) if m.starts_with("b: exited")), "{:?}", j.status);
        for line in ["first", "to-stderr", "second"] {
            assert!(j.log.iter().any(|l| l == line), "{line} in {:?}", j.log);
        }
        assert!(!j.log.iter().any(|l| l == "never"));
        assert_eq!(next_round_dir(dir.path()), dir.path().join("workbench/relabel-1"));
    }
}
